// tests for src/reducers/sparse_autoencoder.cpp: the gradients of f and g against central
// finite differences (sigmoid, identity and smooth-step layers, any rank count), the decoder
// Jacobian likewise, the smooth step and the step against their formulas, ANAMO (Alg. 1 and
// 2), Adam and Alg. 3 lowering the loss, the codes' prox steps against the closed-form lasso
// solution, the encoder's regression against interpolation and separability, codes' ℓ₁ norm
// falling as λ grows, and model files round-tripping bit for bit.
#include <petscsys.h>

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/sparse_autoencoder.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::ScratchDir;

namespace {
using Act = SparseAutoencoder::Activation;
Matrix data(Index n, Index N) {
  Matrix X = 0.5 * test::random_matrix(n, N, 13);
  return X.array() * 0.4 + 0.5;  // in (0, 1) mostly, as a sigmoid decoder can reach
}
}  // namespace

TEST_CASE("sparse-ae gradients match central differences", "[reducers][sparse-ae][mpi]") {
  const Index n = 12, N = 7;
  const SnapshotSet s = distribute(data(n, N), PETSC_COMM_WORLD);
  for (const Act a : {Act::sigmoid, Act::identity, Act::smoothstep}) {
    for (const int l : {3, 16}) {  // under- and overcomplete
      INFO("activation " << to_string(a) << ", ℓ = " << l);
      SparseAutoencoder ae;
      auto ae_settings = ae.settings();
      ae_settings.latent_dim = l;
      ae_settings.encoder_activation = a;
      ae_settings.decoder_activation = a == Act::smoothstep ? Act::sigmoid : a;
      // Wide enough that most codes sit on the smooth step's slope, not on its flat ends.
      ae_settings.epsilon = 4;
      ae_settings.seed = 3;
      ae.set_settings(ae_settings);
      ae.initialize(s.rows);
      Vector p = ae.parameters();
      p += 0.1 * test::random_matrix(p.size(), 1, 5 + s.rows.rank()).col(0);  // non-zero biases
      // The same perturbation on every rank for the replicated encoder bias.
      p.segment(Index(l) * s.rows.local(), l) = 0.1 * test::random_matrix(l, 1, 77).col(0);
      Vector gf, gg;
      ae.loss(p, s.X, &gf, &gg);
      // Central differences: error O(h²) ~ 1e-10 relative with h = 1e-5, round-off ~ ε/h.
      const double h = 1e-5;
      double worst_f = 0, worst_g = 0, scale_f = 0, scale_g = 0;
      // One rank's entries at a time (the loss sums over ranks); the replicated encoder bias
      // on every rank at once, in the first pass. Every rank takes the same number of steps.
      const Index be0 = Index(l) * s.rows.local(), be1 = be0 + l;
      const Index count = static_cast<Index>(allreduce_max(s.rows.comm, double(p.size())));
      for (int owner = 0; owner < s.rows.size(); ++owner) {
        for (Index i = 0; i < count; i += 3) {
          const bool replicated = i >= be0 && i < be1;
          const bool mine = i < p.size() && ((owner == s.rows.rank() && !replicated) || (owner == 0 && replicated));
          Vector pp = p, pm = p;
          if (mine) pp(i) += h, pm(i) -= h;
          const auto lp = ae.loss(pp, s.X), lm = ae.loss(pm, s.X);
          if (!mine) continue;
          worst_f = std::max(worst_f, std::abs((lp.f - lm.f) / (2 * h) - gf(i)));
          // g = mean‖h‖₁ is smooth where no code is zero (sigmoid codes are positive; the
          // smooth step's are ≥ 0, and its ‖h‖₁ = Σh is C¹).
          if (a != Act::identity) worst_g = std::max(worst_g, std::abs((lp.g - lm.g) / (2 * h) - gg(i)));
          scale_f = std::max(scale_f, std::abs(gf(i)));
          scale_g = std::max(scale_g, std::abs(gg(i)));
        }
      }
      CHECK(allreduce_max(s.rows.comm, worst_f) <= 1e-7 * std::max(1.0, scale_f));
      CHECK(allreduce_max(s.rows.comm, worst_g) <= 1e-7 * std::max(1.0, scale_g));
    }
  }
}

TEST_CASE("sparse-ae's smooth step is 3u² − 2u³ centred on 0, and the step is its limit", "[reducers][sparse-ae]") {
  // With W_e = 0 the codes are the activation of the encoder's bias: u = z/ε + 1/2.
  const double eps = 0.8;
  Vector z(7);
  z << -eps, -eps / 2, -eps / 4, 0, eps / 4, eps / 2, eps;
  Vector smooth(7), step(7);
  smooth << 0, 0, 5.0 / 32, 0.5, 27.0 / 32, 1, 1;  // S(u) at u = 0, 0, 1/4, 1/2, 3/4, 1, 1
  step << 0, 0, 0, 0, 1, 1, 1;
  const SnapshotSet s = distribute(data(4, 1), MPI_COMM_SELF);
  for (const Act a : {Act::smoothstep, Act::step}) {
    SparseAutoencoder ae;
    auto ae_settings = ae.settings();
    ae_settings.latent_dim = 7;
    ae_settings.encoder_activation = a;
    ae_settings.epsilon = ae_settings.epsilon_final = eps;
    ae.set_settings(ae_settings);
    ae.initialize(s.rows);
    REQUIRE(ae.epsilon() == eps);
    Vector p = ae.parameters();
    p.head(7 * 4).setZero();
    p.segment(7 * 4, 7) = z;
    ae.set_parameters(p);
    CHECK((ae.encode(s.X).col(0) - (a == Act::smoothstep ? smooth : step)).cwiseAbs().maxCoeff() < 1e-15);
  }
}

TEST_CASE("sparse-ae codes steps reach the closed-form lasso solution", "[reducers][sparse-ae][mpi]") {
  // Identity decoder D(h) = Q diag(d) h with orthonormal Q: per sample the objective
  // ‖x − Q diag(d) h‖² + λ‖h‖₁ separates into (c_k − d_k h_k)² + λ|h_k|, c = Qᵀx, minimized by
  // h_k = soft(c_k/d_k, λ/(2d_k²)); with h boxed to [0, 1] (sigmoid or step encoders) by the
  // unconstrained minimizer of the convex c_k/d_k − λ/(2d_k²) clipped to [0, 1].
  const Index n = 14, N = 6, l = 4;
  const double lambda = 0.3;
  const Matrix Xfull = test::random_matrix(n, N, 21);
  const SnapshotSet s = distribute(Xfull, PETSC_COMM_WORLD);
  const Matrix Q = Eigen::HouseholderQR<Matrix>(test::random_matrix(n, l, 22)).householderQ() * Matrix::Identity(n, l);
  Vector d(l);
  d << 0.5, 1.0, 1.5, 2.0;
  const Matrix C = Q.transpose() * Xfull;
  for (const Act a : {Act::identity, Act::sigmoid}) {
    INFO("encoder " << to_string(a));
    SparseAutoencoder ae;
    auto ae_settings = ae.settings();
    ae_settings.latent_dim = l;
    ae_settings.lambda = lambda;
    ae_settings.encoder_activation = a;
    ae.set_settings(ae_settings);
    ae.initialize(s.rows);
    const Index E = ae.encoder_size(), nl = s.rows.local();
    Vector p = ae.parameters();
    Eigen::Map<Matrix>(p.data() + E, nl, l) = (Q * d.asDiagonal()).middleRows(s.rows.begin, nl);
    p.tail(nl).setZero();
    ae.set_parameters(p);
    Matrix expected(l, N);
    for (Index k = 0; k < l; ++k)
      for (Index i = 0; i < N; ++i) {
        const double v = C(k, i) / d(k), t = lambda / (2 * d(k) * d(k));
        expected(k, i) = a == Act::identity ? (v > t ? v - t : v < -t ? v + t : 0.0) : std::clamp(v - t, 0.0, 1.0);
      }
    // FISTA's error after J steps on a μ-strongly convex problem (condition number
    // (2/0.5)² = 16) falls geometrically: 3,000 steps reach round-off.
    const Matrix H = ae.solve_codes(s.X, Matrix::Zero(l, N), 3000);
    CHECK((H - expected).cwiseAbs().maxCoeff() < 1e-10);
  }
}

TEST_CASE("sparse-ae encoder regression: least squares interpolates, logistic separates", "[reducers][sparse-ae][mpi]") {
  // n ≥ N with [X; 1ᵀ] of full column rank: some (W_e, b_e) maps every x_i to any target,
  // so the minimum-norm least-squares fit has zero residual (to round-off times the Gram
  // matrix's condition), and any binary labelling is linearly separable, where the logistic
  // loss falls towards 0: once each sample's term is below log 2, its decision z > 0 is right.
  const Index n = 16, N = 9, l = 3;
  const SnapshotSet s = distribute(test::random_matrix(n, N, 31), PETSC_COMM_WORLD);
  const Matrix targets = test::random_matrix(l, N, 32);
  SparseAutoencoder lin;
  auto lin_settings = lin.settings();
  lin_settings.latent_dim = l;
  lin.set_settings(lin_settings);
  lin.initialize(s.rows);
  CHECK(lin.fit_encoder(s.X, targets) < 1e-20);
  CHECK((lin.encode(s.X) - targets).cwiseAbs().maxCoeff() < 1e-9);
  const Matrix labels = (targets.array() > 0).cast<double>();
  SparseAutoencoder bin;
  auto bin_settings = bin.settings();
  bin_settings.latent_dim = l;
  bin_settings.encoder_activation = Act::step;
  bin_settings.regression_iterations = 3000;
  bin.set_settings(bin_settings);
  bin.initialize(s.rows);
  CHECK(bin.fit_encoder(s.X, labels) == 0.0);
  CHECK(bin.encode(s.X) == labels);
}

TEST_CASE("sparse-ae decoder Jacobian matches central differences", "[reducers][sparse-ae][mpi]") {
  const SnapshotSet s = distribute(data(10, 4), PETSC_COMM_WORLD);
  SparseAutoencoder ae;
  auto ae_settings = ae.settings();
  ae_settings.latent_dim = 4;
  ae_settings.decoder_activation = Act::sigmoid;
  ae.set_settings(ae_settings);
  ae.initialize(s.rows);
  const Vector u = Vector::LinSpaced(4, -0.5, 0.7);
  const Matrix J = ae.decoder_jacobian(u);
  for (Index k = 0; k < 4; ++k) {
    const double h = 1e-6;
    const Vector e = Vector::Unit(4, k) * h;
    const Vector fd = (ae.decode(u + e) - ae.decode(u - e)) / (2 * h);
    CHECK((fd - J.col(k)).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("sparse-ae training lowers the loss; the codes' l1 norm falls as lambda grows", "[reducers][sparse-ae]") {
  const SnapshotSet s = distribute(data(20, 30), MPI_COMM_SELF);
  for (const char* opt : {"anamo", "adam", "codes"}) {
    for (const Act a : {Act::identity, Act::step, Act::smoothstep}) {
      if (std::string(opt) == "codes" && a == Act::smoothstep) continue;  // refused, below
      SparseAutoencoder ae;
      auto ae_settings = ae.settings();
      ae_settings.latent_dim = 6;
      ae_settings.lambda = 0.01;
      ae_settings.optimizer = sparse_optimizer(opt);
      ae_settings.encoder_activation = a;
      ae_settings.epochs = 50;
      ae_settings.learning_rate = 1e-2;
      ae.set_settings(ae_settings);
      ae.fit(s);
      INFO(opt << ", encoder " << to_string(a));
      CHECK(ae.history().back() < 0.5 * ae.history().front());
      if (a == Act::step) {  // binary codes
        const Matrix h = ae.encode(s.X);
        CHECK((h.array() * (1 - h.array())).cwiseAbs().maxCoeff() == 0.0);
      }
      if (a == Act::smoothstep) CHECK(ae.epsilon() == Approx(ae.settings().epsilon_final).epsilon(1e-12));
    }
  }
  for (const char* opt : {"anamo", "codes"}) {
    double previous = INFINITY;
    for (const double lambda : {0.0, 0.1, 1.0}) {
      SparseAutoencoder ae;
      auto ae_settings = ae.settings();
      ae_settings.latent_dim = 6;
      ae_settings.lambda = lambda;
      ae_settings.optimizer = sparse_optimizer(opt);
      ae_settings.epochs = 50;
      ae.set_settings(ae_settings);
      ae.fit(s);
      const double l1 = ae.encode(s.X).cwiseAbs().sum() / 30;
      INFO(opt << ", λ = " << lambda << ": mean ‖E(x)‖₁ = " << l1);
      CHECK(l1 < previous);
      previous = l1;
    }
  }
}

TEST_CASE("sparse-ae refuses settings the methods do not define, when they are set", "[reducers][sparse-ae]") {
  SparseAutoencoder ae;
  const std::vector<std::pair<std::function<void(SparseAutoencoder::Settings&)>, std::string>> faults{
      {[](auto& s) { s.decoder_activation = Act::step; }, "decoder's activation must be sigmoid or identity"},
      {[](auto& s) {
         s.optimizer = SparseAutoencoder::Optimizer::codes;
         s.encoder_activation = Act::smoothstep;
       },
       "train the smooth step with anamo or adam"},
      {[](auto& s) { s.binary_threshold = "half"; }, "must be midrange or a number, got 'half'"},
      {[](auto& s) { s.lambda = -1; }, "sparse_lambda >= 0"},
      {[](auto& s) { s.epochs = 0; }, "sparse_epochs >= 1"}};
  for (const auto& [fault, message] : faults) {
    INFO(message);
    SparseAutoencoder::Settings bad;
    fault(bad);
    test::require_error([&] { ae.set_settings(bad); }, {message});
  }
  CHECK(ae.settings().decoder_activation == Act::identity);  // the defaults stand
  test::require_error([&] { ae.set_parameters(Vector::Zero(4)); }, {"4 parameters given", "initialize or load it first"});
  SparseAutoencoder::Settings s;
  s.latent_dim = 2;
  ae.set_settings(s);
  ae.initialize(RowPartition::serial(3));
  CHECK(ae.parameters().size() == 2 * 3 + 2 + 3 * 2 + 3);  // W_e, b_e, W_d, b_d
  test::require_error([&] { ae.set_parameters(Vector::Zero(4)); }, {"4 parameters given", "holds 17"});
}

TEST_CASE("sparse-ae models round-trip through HDF5 bit for bit", "[reducers][sparse-ae][mpi]") {
  ScratchDir dir;
  const SnapshotSet s = distribute(data(15, 8), PETSC_COMM_WORLD);
  SparseAutoencoder ae;
  auto ae_settings = ae.settings();
  ae_settings.latent_dim = 20;
  ae_settings.encoder_activation = Act::sigmoid;
  ae_settings.epochs = 3;
  ae.set_settings(ae_settings);
  ae.fit(s);
  const ModelFile m = test::save_and_load(dir, "sae.h5", ae, s);
  auto* back = &test::reloaded<SparseAutoencoder>(m);
  CHECK((back->parameters() - ae.parameters()).norm() == 0.0);
  CHECK(back->history() == ae.history());
  CHECK(back->settings().encoder_activation == Act::sigmoid);
  CHECK((back->encode(s.X) - ae.encode(s.X)).norm() == 0.0);
  // A binary (Alg. 3) and a smooth-step model keep their width, threshold and regression.
  for (const char* opt : {"codes", "anamo"}) {
    SparseAutoencoder b;
    auto b_settings = b.settings();
    b_settings.latent_dim = 5;
    b_settings.optimizer = sparse_optimizer(opt);
    b_settings.encoder_activation = std::string(opt) == "codes" ? Act::step : Act::smoothstep;
    b_settings.binary_threshold = "0.25";
    b_settings.epochs = 3;
    b.set_settings(b_settings);
    b.fit(s);
    const ModelFile mb = test::save_and_load(dir, "b.h5", b, s);
    auto* bb = &test::reloaded<SparseAutoencoder>(mb);
    INFO(opt);
    CHECK(bb->epsilon() == b.epsilon());
    CHECK(bb->settings().binary_threshold == "0.25");
    CHECK((bb->parameters() - b.parameters()).norm() == 0.0);
    CHECK((bb->encode(s.X) - b.encode(s.X)).norm() == 0.0);
  }
}

TEST_CASE("sparse-ae fits the same model on any rank count", "[reducers][sparse-ae][mpi]") {
  // The same seeded network and steps; only the order of the ranks' partial sums differs,
  // so the codes agree to round-off grown over the epochs (bounded here by 1e-9 relative).
  const Matrix X = data(18, 12);
  const SnapshotSet world = distribute(X, PETSC_COMM_WORLD), self = distribute(X, MPI_COMM_SELF);
  for (const char* opt : {"anamo", "codes", "adam"}) {
    for (const Act a : {Act::identity, Act::sigmoid}) {
      INFO(opt << ", encoder " << to_string(a));
      SparseAutoencoder one, many;
      for (SparseAutoencoder* ae : {&one, &many}) {
        auto ae_settings = ae->settings();
        ae_settings.latent_dim = 4;
        ae_settings.lambda = 0.01;
        ae_settings.optimizer = sparse_optimizer(opt);
        ae_settings.encoder_activation = a;
        ae_settings.epochs = 20;
        ae_settings.batch_size = 5;
        ae->set_settings(ae_settings);
      }
      one.fit(self);
      many.fit(world);
      const Matrix h1 = one.encode(self.X), h2 = many.encode(world.X);
      CHECK((h1 - h2).norm() <= 1e-9 * h1.norm());
      const Matrix x1 = one.decode(h1).middleRows(world.rows.begin, world.rows.local()), x2 = many.decode(h2);
      CHECK((x1 - x2).norm() <= 1e-9 * x1.norm());
    }
  }
}
