// The backward heat problem (Chung's heat-equation example): recover the initial state x of
// the heat model from its noisy state b = Ax + ε at a later time T, by
//   - the optimal low-rank inverse map (Bayes risk; optimal_low_rank_map.hpp) for the exact
//     prior factor F (Γ = FFᵀ), the true optimum over rank-ℓ maps;
//   - the same map fitted from prior samples x_i and their noise-free images Ax_i, the noise
//     η entering analytically (linear_inverse_map.hpp: what `metarom fit linear-inverse` does);
//   - the same map learned empirically from noisy pairs (x_i, Ax_i + ε_i) (η = 0 in the fit);
//   - the truncated-SVD inverse of A at the same rank ℓ, x̂ = V_ℓ S_ℓ⁻¹ U_ℓᵀ b;
//   - the Tikhonov inverse (AᵀA + α²I)⁻¹Aᵀb, full rank, α tuned on the training pairs
//     (the best α of a log grid for their mean squared error);
// and prints the mean reconstruction errors on fresh test samples.
//
// Prior: Gaussian, x = Σ_kl ξ_kl a_kl sin(kπx) sin(lπy), ξ_kl ~ N(0, 1), a_kl = 2/(k² + l²)
// over every sine mode of the grid (a field about as smooth as H¹). A is the model's own
// propagator over [0, T] (Crank–Nicolson steps), formed column by column from unit initial
// states. The noise is white with standard deviation η = (relative level) · RMS(Ax) over the
// training samples.
//
//   metarom_backward_heat [-heat_nx 24 -heat_ny 24 -heat_t_final 1e-2 -heat_steps 20]
//                         [-samples 1000 -test_samples 200 -ranks 5,10,20,40 -noise 1e-3,1e-2,1e-1
//                          -seed 1]
#include <fmt/format.h>
#include <petscsys.h>

#include <cmath>
#include <iostream>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/program.hpp"
#include "metarom/linalg/optimal_low_rank_map.hpp"
#include "metarom/linalg/svd.hpp"
#include "metarom/reducers/linear_inverse_map.hpp"

using namespace metarom;

namespace {

template <class T>
std::vector<T> list_option(const char* name, std::vector<T> fallback) {
  T values[32];
  PetscInt count = 32;
  PetscBool set = PETSC_FALSE;
  if constexpr (std::is_same_v<T, PetscInt>)
    METAROM_PETSC(PetscOptionsGetIntArray(nullptr, nullptr, name, values, &count, &set));
  else
    METAROM_PETSC(PetscOptionsGetRealArray(nullptr, nullptr, name, values, &count, &set));
  return set ? std::vector<T>(values, values + count) : fallback;
}

// The prior x = F ξ, ξ ~ N(0, I): F's column (k, l) is a_kl sin(kπx) sin(lπy) on the grid
// (natural ordering, x fastest; x_i = (i + 1)h), so Γ = FFᵀ exactly.
Matrix prior_factor(int nx, int ny) {
  const Index n = Index(nx) * ny;
  Matrix F(n, n);
  for (int k = 1; k <= nx; ++k)
    for (int l = 1; l <= ny; ++l) {
      const double a = 2.0 / (double(k * k) + double(l * l));
      const Index col = (k - 1) + Index(nx) * (l - 1);
      for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i)
          F(i + Index(nx) * j, col) = a * std::sin(k * M_PI * (i + 1) / (nx + 1.0)) * std::sin(l * M_PI * (j + 1) / (ny + 1.0));
    }
  return F;
}

Matrix prior_samples(const Matrix& F, Index count, std::mt19937_64& gen) {
  std::normal_distribution<double> normal;
  Matrix xi(F.cols(), count);
  for (Index i = 0; i < xi.size(); ++i) xi.data()[i] = normal(gen);
  return F * xi;
}

struct Errors {
  double relative = 0;  // mean ‖x̂ − x‖/‖x‖
  double risk = 0;      // Σ‖x̂ − x‖² / Σ‖x‖²
};

Errors errors(const Matrix& Xhat, const Matrix& X) {
  Errors e;
  for (Index s = 0; s < X.cols(); ++s) e.relative += (Xhat.col(s) - X.col(s)).norm() / X.col(s).norm();
  e.relative /= static_cast<double>(X.cols());
  e.risk = (Xhat - X).squaredNorm() / X.squaredNorm();
  return e;
}

void run() {
  HeatConfig cfg;
  cfg.dim = 2;
  cfg.nx = cfg.ny = 24;
  cfg.time.t_final = 1e-2;
  cfg.time.steps = 20;
  cfg.time.stride = 20;
  cfg.set_from_options(PETSC_COMM_SELF);
  cfg.time.stride = cfg.time.steps;  // only x(0) and x(T) are needed
  PetscInt samples = 1000, test_samples = 200, seed = 1;
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-samples", &samples, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-test_samples", &test_samples, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-seed", &seed, nullptr));
  const std::vector<PetscInt> ranks = list_option<PetscInt>("-ranks", {5, 10, 20, 40});
  const std::vector<PetscReal> levels = list_option<PetscReal>("-noise", {1e-3, 1e-2, 1e-1});
  if (cfg.dim != 2) throw Error("metarom_backward_heat: the prior is 2-D (-heat_dim 2)");
  if (samples < 2 || test_samples < 1) throw Error("-samples must be >= 2 and -test_samples >= 1");

  HeatModel model(PETSC_COMM_SELF, cfg);
  const Index n = model.rows().global;
  for (const PetscInt l : ranks)
    if (l < 1 || l > std::min<Index>(n, samples))
      throw Error(fmt::format("-ranks: {} outside 1 .. min(n = {}, samples = {})", l, n, samples));
  // A, column by column: the model run from each unit initial state.
  std::cerr << fmt::format("backward heat: forming A (n = {}, {} Crank–Nicolson steps to T = {}) ...\n", n,
                           cfg.time.steps, cfg.time.t_final);
  Matrix A(n, n);
  for (Index j = 0; j < n; ++j) {
    const SnapshotSet run = model.simulate_from(Vector::Unit(n, j), false);
    A.col(j) = run.X.col(run.count() - 1);
  }
  const ThinSvd svd = thin_svd(A);  // A is square: thin is full
  const Vector& s = svd.sigma;

  std::mt19937_64 gen(static_cast<unsigned long long>(seed));
  const Matrix F = prior_factor(cfg.nx, cfg.ny), AF = A * F;
  const Matrix X = prior_samples(F, samples, gen);
  const Matrix Xt = prior_samples(F, test_samples, gen);
  const Matrix AX = A * X, AXt = A * Xt;
  const double rms = std::sqrt(AX.squaredNorm() / double(AX.size()));
  const RowPartition rows = RowPartition::serial(n);

  std::string out = fmt::format(
      "Backward heat problem: recover x(0) from b = x(T) + noise; 2-D heat, {} x {} grid (n = {}), κ = {}, T = {} "
      "({} Crank–Nicolson steps); singular values of A from {:.3e} to {:.3e}; prior a_kl = 2/(k² + l²); {} "
      "training and {} test samples, seed {}.\n"
      "Errors on the test samples: mean ‖x̂ − x‖/‖x‖, and in brackets Σ‖x̂ − x‖²/Σ‖x‖².\n",
      cfg.nx, cfg.ny, n, cfg.kappa, cfg.time.t_final, cfg.time.steps, s(0), s(n - 1), samples, test_samples, seed);
  std::normal_distribution<double> normal;
  for (const double level : levels) {
    const double eta = level * rms;
    Matrix E(n, samples), Et(n, test_samples);
    for (Index i = 0; i < E.size(); ++i) E.data()[i] = eta * normal(gen);
    for (Index i = 0; i < Et.size(); ++i) Et.data()[i] = eta * normal(gen);
    const Matrix Bn = AX + E, Bt = AXt + Et;

    // Tikhonov's α: the best of a log grid from 1e-8 σ_1 to σ_1 on the noisy training pairs.
    const Matrix UtB = svd.U.transpose() * Bn, UtBt = svd.U.transpose() * Bt;
    auto tikhonov = [&](const Matrix& UtY, double alpha) {
      const Vector f = s.cwiseQuotient((s.array().square() + alpha * alpha).matrix());
      return Matrix(svd.V * (f.asDiagonal() * UtY));
    };
    double best_alpha = 0, best = INFINITY;
    for (int g = 0; g <= 80; ++g) {
      const double alpha = s(0) * std::pow(10.0, -8.0 + g / 10.0);
      const double err = (tikhonov(UtB, alpha) - X).squaredNorm();
      if (err < best) best = err, best_alpha = alpha;
    }
    const Errors tik = errors(tikhonov(UtBt, best_alpha), Xt);

    out += fmt::format("\n### noise {:.0e} of RMS(Ax) (η = {:.3e}); Tikhonov α = {:.3e} (tuned, full rank): {:.4f} "
                       "[{:.4f}]\n\n",
                       level, eta, best_alpha, tik.relative, tik.risk);
    std::string head = "| inverse |", rule = "|---|";
    for (const PetscInt l : ranks) head += fmt::format(" ℓ = {} |", l), rule += "---|";
    std::string exact = "| optimal low-rank map (Bayes, exact prior Γ = FFᵀ) |",
                exact_risk = "| its Bayes risk E‖Zb − x‖²/E‖x‖² (theory) |",
                bayes = fmt::format("| optimal low-rank map (Bayes, prior from {} samples) |", samples), empirical = "| optimal low-rank map "
                                                                                     "(empirical, noisy pairs) |",
                tsvd = "| truncated SVD of A |", predicted = "| its Bayes risk under the sampled prior (fit) |";
    for (const PetscInt l : ranks) {
      // With the exact factor: Z = [C P_K]_ℓ K⁺ for K = [AF, ηI], C = [F, 0], the true optimum.
      const OptimalLowRankMap z = optimal_low_rank_map(F, AF, eta, static_cast<int>(l), PETSC_COMM_SELF);
      const Errors ez = errors(z.decoder * (z.encoder_t.transpose() * Bt), Xt);
      exact += fmt::format(" {:.4f} [{:.4f}] |", ez.relative, ez.risk);
      exact_risk += fmt::format(" [{:.4f}] |", z.risk / z.c_norm2);
      LinearInverseMap map;
      auto map_settings = map.settings();
      map_settings.rank = static_cast<int>(l);
      map_settings.noise = eta;
      map.set_settings(map_settings);
      map.fit(X, rows, AX, rows);
      const Errors eb = errors(map.apply(Bt), Xt);
      LinearInverseMap emp;
      auto emp_settings = emp.settings();
      emp_settings.rank = static_cast<int>(l);
      emp.set_settings(emp_settings);
      emp.fit(X, rows, Bn, rows);
      const Errors ee = errors(emp.apply(Bt), Xt);
      const Matrix Xs = svd.V.leftCols(l) *
                        (s.head(l).cwiseInverse().asDiagonal() * UtBt.topRows(l));
      const Errors et = errors(Xs, Xt);
      bayes += fmt::format(" {:.4f} [{:.4f}] |", eb.relative, eb.risk);
      empirical += fmt::format(" {:.4f} [{:.4f}] |", ee.relative, ee.risk);
      tsvd += fmt::format(" {:.4g} [{:.4g}] |", et.relative, et.risk);
      predicted += fmt::format(" [{:.4f}] |", map.risk() / map.prior_energy());
    }
    out += head + "\n" + rule + "\n" + exact + "\n" + exact_risk + "\n" + bayes + "\n" + predicted + "\n" +
           empirical + "\n" + tsvd + "\n";
  }
  std::cout << out;
}

}  // namespace

int main(int argc, char** argv) { return metarom::run_program(argc, argv, "metarom_backward_heat", run); }
