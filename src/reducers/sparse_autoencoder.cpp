#include "metarom/reducers/sparse_autoencoder.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>
#include <random>
#include <type_traits>
#include <variant>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/optim/adam.hpp"
#include "metarom/optim/fista.hpp"

namespace metarom {

using Act = SparseAutoencoder::Activation;

const char* to_string(SparseAutoencoder::Activation a) {
  switch (a) {
    case Act::sigmoid: return "sigmoid";
    case Act::identity: return "identity";
    case Act::step: return "step";
    case Act::smoothstep: return "smoothstep";
  }
  return "?";
}

SparseAutoencoder::Activation sparse_activation(const std::string& name) {
  for (const Act a : {Act::sigmoid, Act::identity, Act::step, Act::smoothstep})
    if (name == to_string(a)) return a;
  throw Error(fmt::format("sparse-ae: activation must be sigmoid, identity, step or smoothstep, got '{}'", name));
}

using Opt = SparseAutoencoder::Optimizer;

const char* to_string(SparseAutoencoder::Optimizer o) {
  switch (o) {
    case Opt::anamo: return "anamo";
    case Opt::adam: return "adam";
    case Opt::codes: return "codes";
  }
  return "?";
}

SparseAutoencoder::Optimizer sparse_optimizer(const std::string& name) {
  for (const Opt o : {Opt::anamo, Opt::adam, Opt::codes})
    if (name == to_string(o)) return o;
  throw Error(fmt::format("sparse-ae: the optimizer must be anamo, adam or codes, got '{}'", name));
}

namespace {

// The smooth step of width ε centred on 0 (header): u = clamp(z/ε + 1/2, 0, 1).
double smooth_step_u(double z, double eps) { return std::clamp(z / eps + 0.5, 0.0, 1.0); }

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

Matrix activate(Act a, const Matrix& z, double eps) {
  switch (a) {
    case Act::identity: return z;
    case Act::sigmoid: return z.unaryExpr(&sigmoid);
    case Act::step: return z.unaryExpr([](double v) { return v > 0 ? 1.0 : 0.0; });
    case Act::smoothstep:
      return z.unaryExpr([eps](double v) {
        const double u = smooth_step_u(v, eps);
        return u * u * (3 - 2 * u);
      });
  }
  return z;
}

// The slope at z, s = σ(z) given: σ(1 − σ) for the sigmoid, 6u(1 − u)/ε for the smooth step
// and, as the step's surrogate (Alg. 2), for the step too.
Matrix slope(Act a, const Matrix& z, const Matrix& s, double eps) {
  switch (a) {
    case Act::identity: return Matrix::Ones(s.rows(), s.cols());
    case Act::sigmoid: return s.array() * (1.0 - s.array());
    case Act::step:
    case Act::smoothstep:
      return z.unaryExpr([eps](double v) {
        const double u = smooth_step_u(v, eps);
        return 6 * u * (1 - u) / eps;
      });
  }
  return s;
}

// The threshold t of step(h̃ − t) for one code's values in [lo, hi]: "midrange" or a number.
double binary_threshold(const std::string& rule, double lo, double hi) {
  if (rule == "midrange") return 0.5 * (lo + hi);
  std::size_t used = 0;
  double t = NAN;
  try {
    t = std::stod(rule, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != rule.size() || !std::isfinite(t))
    throw Error(fmt::format("sparse-ae: -sparse_binary_threshold must be midrange or a number, got '{}'", rule));
  return t;
}

// Activations whose range is [0, 1]: their codes are boxed and their ℓ₁ norm is their sum.
bool unit_range(Act a) { return a != Act::identity; }

// The settings, listed once: the option -<prefix>sparse_<name> reads each, and the model
// file's attribute <name> stores it. `missing`: how a file written before the setting existed
// is read (required, or the default, or 0).
using Settings = SparseAutoencoder::Settings;
enum class Missing { required, default_value, zero };
struct SettingField {
  const char* name;
  const char* help;  // nullptr: not an option of its own (latent_dim: -reducer_latent_dim)
  std::variant<double Settings::*, int Settings::*, long long Settings::*, std::string Settings::*, Act Settings::*,
               Opt Settings::*>
      member;
  Missing missing = Missing::required;
};
const std::vector<SettingField>& setting_fields() {
  static const std::vector<SettingField> fields{
      {"latent_dim", nullptr, &Settings::latent_dim},
      {"lambda", "Weight lambda of the l1 term on the codes", &Settings::lambda},
      {"encoder_activation", "sigmoid, identity, step (binary) or smoothstep", &Settings::encoder_activation},
      {"decoder_activation", "sigmoid or identity", &Settings::decoder_activation},
      {"optimizer", "anamo (Gur Alg. 1; Alg. 2 with a step encoder), adam or codes (Alg. 3)", &Settings::optimizer},
      {"epochs", "Passes over the set (ANAMO: outer iterations)", &Settings::epochs},
      {"batch_size", "Mini-batch size (0: the whole set)", &Settings::batch_size},
      {"encoder_steps", "ANAMO: FISTA steps J_e on the encoder per batch", &Settings::encoder_steps},
      {"decoder_steps", "ANAMO: accelerated-gradient steps J_d on the decoder per batch", &Settings::decoder_steps},
      {"encoder_step", "ANAMO: encoder step e (0: 1/L, L the gradient's Lipschitz bound)", &Settings::encoder_step},
      {"decoder_step", "ANAMO: decoder step d (0: 1/L)", &Settings::decoder_step},
      {"prox_iterations", "ANAMO: inner iterations K of the encoder's prox", &Settings::prox_iterations},
      {"learning_rate", "Adam: learning rate", &Settings::learning_rate},
      {"epsilon", "Width of the smooth step (and the step's surrogate) at the first epoch", &Settings::epsilon,
       Missing::default_value},
      {"epsilon_final", "Its width at the last epoch (geometric schedule)", &Settings::epsilon_final,
       Missing::default_value},
      {"decoder_refit", "codes, step encoder: decoder steps on the binarized codes (0: Gur's Alg. 3 as printed)",
       &Settings::decoder_refit, Missing::zero},
      {"binary_threshold", "codes, step encoder: binary codes step(h - t), t midrange (per code) or a number",
       &Settings::binary_threshold, Missing::default_value},
      {"regression_iterations", "codes: steps of the encoder's logistic regression", &Settings::regression_iterations,
       Missing::default_value},
      {"seed", "Seed of the initial weights and batches", &Settings::seed},
  };
  return fields;
}

// Reads every setting with an option under `prefix` (one PetscOptionsBegin block); the named
// choices (activations, optimizer) come back as text in `choices`, converted (and checked)
// by the caller.
using Choices = std::vector<std::pair<const SettingField*, std::string>>;
PetscErrorCode sparse_options(const char* prefix, Settings* s, Choices* choices) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Sparse autoencoder", "SparseAutoencoder");
  for (const SettingField& f : setting_fields()) {
    if (!f.help) continue;
    const std::string option = std::string("-sparse_") + f.name;
    char buf[64];
    PetscBool set = PETSC_FALSE;
    if (auto m = std::get_if<double Settings::*>(&f.member)) {
      PetscReal v = s->**m;
      PetscCall(PetscOptionsReal(option.c_str(), f.help, "SparseAutoencoder", v, &v, nullptr));
      s->**m = v;
    } else if (auto m = std::get_if<int Settings::*>(&f.member)) {
      PetscInt v = s->**m;
      PetscCall(PetscOptionsInt(option.c_str(), f.help, "SparseAutoencoder", v, &v, nullptr));
      s->**m = static_cast<int>(v);
    } else if (auto m = std::get_if<long long Settings::*>(&f.member)) {
      PetscInt v = static_cast<PetscInt>(s->**m);
      PetscCall(PetscOptionsInt(option.c_str(), f.help, "SparseAutoencoder", v, &v, nullptr));
      s->**m = v;
    } else {
      // Strings and the named choices: read as text, converted (and checked) after.
      const std::string current = std::visit(
          [&](auto m) -> std::string {
            using T = std::remove_cvref_t<decltype(s->*m)>;
            if constexpr (std::is_same_v<T, std::string>) return s->*m;
            else if constexpr (std::is_same_v<T, Act> || std::is_same_v<T, Opt>) return to_string(s->*m);
            else return "";
          },
          f.member);
      PetscCall(PetscOptionsString(option.c_str(), f.help, "SparseAutoencoder", current.c_str(), buf, sizeof buf, &set));
      if (set) {
        if (auto m = std::get_if<std::string Settings::*>(&f.member)) s->**m = buf;
        else choices->emplace_back(&f, buf);
      }
    }
  }
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

void write_settings(const Settings& s, Attributes& a) {
  for (const SettingField& f : setting_fields())
    std::visit(
        [&](auto m) {
          using T = std::remove_cvref_t<decltype(s.*m)>;
          if constexpr (std::is_same_v<T, Act> || std::is_same_v<T, Opt>) a.set(f.name, std::string(to_string(s.*m)));
          else a.set(f.name, s.*m);
        },
        f.member);
}

void read_settings(const Attributes& a, const std::string& where, Settings& s) {
  const Settings defaults;
  for (const SettingField& f : setting_fields())
    std::visit(
        [&](auto m) {
          using T = std::remove_cvref_t<decltype(s.*m)>;
          if (!a.has(f.name) && f.missing != Missing::required) {
            s.*m = f.missing == Missing::zero ? T{} : defaults.*m;
            return;
          }
          if constexpr (std::is_same_v<T, double>) s.*m = a.get_double(f.name, where);
          else if constexpr (std::is_same_v<T, int>) s.*m = a.get_count(f.name, where);
          else if constexpr (std::is_same_v<T, long long>) s.*m = a.get_int(f.name, where);
          else if constexpr (std::is_same_v<T, std::string>) s.*m = a.get_string(f.name, where);
          else if constexpr (std::is_same_v<T, Act>) s.*m = sparse_activation(a.get_string(f.name, where));
          else s.*m = sparse_optimizer(a.get_string(f.name, where));
        },
        f.member);
}

}  // namespace

void SparseAutoencoder::read_options(const std::string& prefix) {
  Choices choices;
  METAROM_PETSC(sparse_options(petsc_prefix(prefix), &settings_, &choices));
  for (const auto& [field, text] : choices) {
    if (auto m = std::get_if<Act Settings::*>(&field->member)) settings_.**m = sparse_activation(text);
    else if (auto o = std::get_if<Opt Settings::*>(&field->member)) {
      try {
        settings_.**o = sparse_optimizer(text);
      } catch (const Error&) {
        throw Error(fmt::format("-{}sparse_optimizer must be anamo, adam or codes, got '{}'", prefix, text));
      }
    }
  }
  check_settings(settings_, prefix);
}

void SparseAutoencoder::set_settings(const Settings& s) {
  check_settings(s, "");
  settings_ = s;
}

void SparseAutoencoder::check_settings(const Settings& s, const std::string& prefix) {
  if (!(s.lambda >= 0) || s.epochs < 1 || s.batch_size < 0 || s.encoder_steps < 0 || s.decoder_steps < 0 ||
      s.prox_iterations < 0 || !(s.encoder_step >= 0) || !(s.decoder_step >= 0) || !(s.learning_rate > 0) ||
      !(s.epsilon > 0) || !(s.epsilon_final > 0) || s.decoder_refit < 0 || s.regression_iterations < 0)
    throw Error(fmt::format("sparse-ae: settings out of range (-{0}sparse_lambda >= 0, -{0}sparse_epochs >= 1, "
                            "batch size, step counts, iterations and steps >= 0, learning rate and the widths "
                            "-{0}sparse_epsilon, -{0}sparse_epsilon_final > 0)",
                            prefix));
  if (s.decoder_activation != Act::sigmoid && s.decoder_activation != Act::identity)
    throw Error(fmt::format("sparse-ae: the decoder's activation must be sigmoid or identity, got '{}' (the "
                            "steps are for the encoder)",
                            to_string(s.decoder_activation)));
  binary_threshold(s.binary_threshold, 0, 1);  // throws on a malformed rule
  if (s.optimizer == Opt::codes && s.encoder_activation == Act::smoothstep)
    throw Error("sparse-ae: -sparse_optimizer codes (Gur Alg. 3) fits identity, sigmoid or step encoders by "
                "regression; train the smooth step with anamo or adam");
}

Index SparseAutoencoder::encoder_size() const { return Index(settings_.latent_dim) * rows_.local() + settings_.latent_dim; }

void SparseAutoencoder::set_parameters(const Vector& p) {
  if (p.size() != p_.size())
    throw Error(fmt::format("sparse-ae: {} parameters given, the model holds {} on this rank{}", p.size(), p_.size(),
                            p_.size() == 0 ? " (initialize or load it first)" : ""));
  p_ = p;
}

void SparseAutoencoder::initialize(const RowPartition& rows) {
  rows_ = rows;
  epsilon_ = epsilon_at(0);
  const int l = settings_.latent_dim;
  if (l < 1) throw Error(fmt::format("sparse-ae: latent dimension must be >= 1, got {}", l));
  const Index n = rows.global, nl = rows.local();
  // The global matrices from the seed, each rank keeping its slice: any rank count gives
  // the same network.
  std::mt19937_64 gen(static_cast<unsigned long long>(settings_.seed));
  std::uniform_real_distribution<double> ue(-1.0 / std::sqrt(double(n)), 1.0 / std::sqrt(double(n)));
  std::uniform_real_distribution<double> ud(-1.0 / std::sqrt(double(l)), 1.0 / std::sqrt(double(l)));
  Matrix We(l, n), Wd(n, l);
  for (Index i = 0; i < We.size(); ++i) We.data()[i] = ue(gen);
  for (Index i = 0; i < Wd.size(); ++i) Wd.data()[i] = ud(gen);
  p_.resize(encoder_size() + nl * l + nl);
  Eigen::Map<Matrix>(p_.data(), l, nl) = We.middleCols(rows.begin, nl);
  p_.segment(Index(l) * nl, l).setZero();
  Eigen::Map<Matrix>(p_.data() + encoder_size(), nl, l) = Wd.middleRows(rows.begin, nl);
  p_.tail(nl).setZero();
}

SparseAutoencoder::Loss SparseAutoencoder::loss(const Vector& p, MatrixView X, Vector* grad_f, Vector* grad_g) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local(), B = X.cols();
  if (X.rows() != nl || p.size() != p_.size())
    throw Error(fmt::format("sparse-ae: {} local rows and {} parameters, expected {} and {}", X.rows(), p.size(), nl,
                            p_.size()));
  const Act act = settings_.encoder_activation;
  const Matrix z = preactivation(p, X);
  const Matrix h = activate(act, z, epsilon_);
  Loss out;
  Vector g_decoder;
  Matrix g_codes;
  // f needs the decoder; g and its gradient alone (the encoder's prox) do not.
  out.f = grad_f || !grad_g ? reconstruction(p, h, X, grad_f ? &g_decoder : nullptr, grad_f ? &g_codes : nullptr) : NAN;
  out.g = h.cwiseAbs().sum() / double(B);
  const Matrix dze = slope(act, z, h, epsilon_);
  auto encoder_part = [&](const Matrix& dz, Vector& grad) {
    Eigen::Map<Matrix>(grad.data(), l, nl) = dz * X.transpose();
    grad.segment(Index(l) * nl, l) = row_sums(dz);
  };
  if (grad_f) {
    grad_f->setZero(p.size());
    grad_f->tail(g_decoder.size()) = g_decoder;
    encoder_part(g_codes.cwiseProduct(dze), *grad_f);
  }
  if (grad_g) {
    grad_g->setZero(p.size());
    // ‖h‖₁ is the sum of the codes for [0, 1]-valued encoders (the step's by its surrogate).
    const Matrix sign =
        unit_range(act) ? Matrix(Matrix::Ones(l, B)) : Matrix(h.unaryExpr([](double v) { return double((v > 0) - (v < 0)); }));
    encoder_part((sign / double(B)).cwiseProduct(dze), *grad_g);
  }
  return out;
}

double SparseAutoencoder::reconstruction(const Vector& p, const Matrix& H, MatrixView X, Vector* grad_decoder,
                                         Matrix* grad_codes) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local(), B = X.cols();
  if (H.rows() != l || H.cols() != B || X.rows() != nl)
    throw Error(fmt::format("sparse-ae: codes {}×{} and states {}×{}, expected {}×B and {}×B", H.rows(), H.cols(),
                            X.rows(), X.cols(), l, nl));
  const Eigen::Map<const Matrix> Wd(p.data() + encoder_size(), nl, l);
  const Matrix xh = decode_with(p, H);
  const Matrix r = xh - X;
  const double f = allreduce_sum(rows_.comm, r.squaredNorm()) / double(B);
  if (!grad_decoder && !grad_codes) return f;
  const Matrix dy = (2.0 / double(B)) * r.cwiseProduct(slope(settings_.decoder_activation, xh, xh, epsilon_));
  if (grad_decoder) {
    grad_decoder->resize(nl * l + nl);
    Eigen::Map<Matrix>(grad_decoder->data(), nl, l) = dy * H.transpose();
    grad_decoder->tail(nl) = dy.rowwise().sum();
  }
  if (grad_codes) {
    *grad_codes = Wd.transpose() * dy;
    allreduce_sum(rows_.comm, grad_codes->data(), grad_codes->size());
  }
  return f;
}

namespace {
// Largest eigenvalue of a small symmetric matrix.
double largest_eigenvalue(const Matrix& S) {
  return Eigen::SelfAdjointEigenSolver<Matrix>(S, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}

// G = mean x̃x̃ᵀ's Gram form X̃ᵀX̃ (B × B, summed over ranks), x̃ = [x; 1]: the same non-zero
// eigenvalues as Σ x̃x̃ᵀ, at the cost of the batch size.
Matrix augmented_gram(const RowPartition& rows, MatrixView X) {
  Matrix G = X.transpose() * X;
  allreduce_sum(rows.comm, G.data(), G.size());
  G.array() += 1.0;  // the bias's row of ones
  return G;
}
}  // namespace

double SparseAutoencoder::encoder_slope_bound() const {
  const Act a = settings_.encoder_activation;
  return a == Act::step || a == Act::smoothstep ? 1.5 / epsilon_ : 1.0;
}

double SparseAutoencoder::decoder_gram_max() const {
  const Eigen::Map<const Matrix> Wd(p_.data() + encoder_size(), rows_.local(), settings_.latent_dim);
  Matrix WtW = Wd.transpose() * Wd;
  allreduce_sum(rows_.comm, WtW.data(), WtW.size());
  return largest_eigenvalue(WtW);
}

double SparseAutoencoder::encoder_lipschitz(Index B, double gram) const {
  // f = mean‖D(W_e x + b_e) − x‖²: for identity layers its Hessian in (W_e, b_e) is
  // 2 (W_dᵀW_d) ⊗ mean(x̃x̃ᵀ), x̃ = [x; 1]; a sigmoid's slope ≤ 1/4 only shrinks it; the
  // smooth step's, up to 1.5/ε, scales it by its square.
  const double c = encoder_slope_bound();
  return std::max(2.0 * c * c * decoder_gram_max() * gram / double(B), 1e-300);
}

double SparseAutoencoder::decoder_lipschitz(const Matrix& H) const {
  // f in (W_d, b_d): Hessian 2 mean(h̃h̃ᵀ) ⊗ I, h̃ = [h; 1] (identity decoder).
  Matrix Ht(H.rows() + 1, H.cols());
  Ht << H, Matrix::Ones(1, H.cols());
  return std::max(2.0 * largest_eigenvalue(Ht * Ht.transpose()) / double(H.cols()), 1e-300);
}

void SparseAutoencoder::fit_decoder(MatrixView X, const Matrix& H, int iterations) {
  const Index E = encoder_size();
  Vector work = p_;
  auto grad_phi = [&](const Vector& ph) {
    work.tail(ph.size()) = ph;
    Vector g;
    reconstruction(work, H, X, &g, nullptr);
    return g;
  };
  const double d = settings_.decoder_step > 0 ? settings_.decoder_step : 1.0 / decoder_lipschitz(H);
  p_.tail(p_.size() - E) = accelerated_gradient(grad_phi, Vector(p_.tail(p_.size() - E)), d, iterations);
}

double SparseAutoencoder::encoder_squared_norm(const Vector& theta) const {
  // W_e's columns are split over the ranks, b_e is on every rank: counted once.
  const Index w = Index(settings_.latent_dim) * rows_.local();
  return allreduce_sum(rows_.comm, theta.head(w).squaredNorm()) + theta.segment(w, settings_.latent_dim).squaredNorm();
}

void SparseAutoencoder::anamo_step(MatrixView X, double gram) {
  const Index E = encoder_size();
  const double lambda = settings_.lambda;
  Vector work = p_;  // [θ, φ] with φ fixed while the encoder moves
  auto with = [&](const Vector& theta) -> const Vector& {
    work.head(E) = theta;
    return work;
  };
  // Encoder: J_e FISTA steps on θ ↦ f(φ, θ) + λ g(θ).
  auto grad_theta = [&](const Vector& theta) {
    Vector gf;
    loss(with(theta), X, &gf, nullptr);
    return Vector(gf.head(E));
  };
  // prox_{eλg}(v) approximated by K (sub)gradient steps on λ e g(y) + ½‖y − v‖² (header).
  auto prox = [&](const Vector& v, double e) {
    if (lambda == 0 || settings_.prox_iterations == 0) return v;
    // One forward and backward pass per iterate gives both g (for the objective) and ∇g
    // (for the next step).
    Vector y = v, best = v, gg;
    double q_best = lambda * e * loss(with(y), X, nullptr, &gg).g;
    for (int i = 0; i < settings_.prox_iterations; ++i) {
      y -= (1.0 / (i + 2.0)) * (lambda * e * gg.head(E) + (y - v));
      const double q = lambda * e * loss(with(y), X, nullptr, &gg).g + 0.5 * encoder_squared_norm(y - v);
      if (q < q_best) q_best = q, best = y;
    }
    return best;
  };
  const double e =
      settings_.encoder_step > 0
          ? settings_.encoder_step
          : 1.0 / encoder_lipschitz(X.cols(), gram > 0 ? gram : largest_eigenvalue(augmented_gram(rows_, X)));
  p_.head(E) = fista(grad_theta, prox, Vector(p_.head(E)), e, settings_.encoder_steps);
  // Decoder: J_d accelerated-gradient steps on φ ↦ f(φ, θ^{k+1}).
  fit_decoder(X, encode_with(p_, X), settings_.decoder_steps);
}

Matrix SparseAutoencoder::solve_codes(MatrixView X, const Matrix& H0, int iterations) const {
  const int l = settings_.latent_dim;
  const Index B = X.cols();
  // ∇_H f = (2/B) W_dᵀ(diag σ_d') r: Lipschitz ≤ 2 λ_max(W_dᵀW_d)/B (σ_d' ≤ 1).
  const double e = double(B) / std::max(2.0 * decoder_gram_max(), 1e-300);
  auto grad = [&](const Vector& hv) {
    Matrix g;
    reconstruction(p_, Eigen::Map<const Matrix>(hv.data(), l, B), X, nullptr, &g);
    return Vector(Eigen::Map<const Vector>(g.data(), g.size()));
  };
  // The exact prox of t λ g, g = mean‖h‖₁: threshold tλ/B, boxed to [0, 1] for the encoders
  // that cannot reach other codes.
  const bool box = unit_range(settings_.encoder_activation);
  const double lambda = settings_.lambda;
  auto prox = [&](const Vector& v, double t) {
    const double tau = t * lambda / double(B);
    return box ? Vector((v.array() - tau).cwiseMax(0.0).cwiseMin(1.0)) : soft_threshold(v, tau);
  };
  const Vector h = fista(grad, prox, Eigen::Map<const Vector>(H0.data(), H0.size()), e, iterations);
  return Eigen::Map<const Matrix>(h.data(), l, B);
}

double SparseAutoencoder::fit_encoder(MatrixView X, const Matrix& H) {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local(), B = X.cols(), E = encoder_size();
  const Matrix G = augmented_gram(rows_, X);
  if (settings_.encoder_activation == Act::identity) {
    // min ‖W_e X + b_e 1ᵀ − H‖_F² of least norm: [W_e b_e] = H G⁺ X̃ᵀ, G⁺ from the eigenpairs
    // of G above a relative 1e-12 (the snapshots' numerical rank).
    const Eigen::SelfAdjointEigenSolver<Matrix> eig(G);
    const Vector& w = eig.eigenvalues();
    const double cut = 1e-12 * std::max(w.maxCoeff(), 0.0);
    const Vector winv = w.unaryExpr([cut](double v) { return v > cut ? 1.0 / v : 0.0; });
    const Matrix M = H * eig.eigenvectors() * winv.asDiagonal() * eig.eigenvectors().transpose();
    Eigen::Map<Matrix>(p_.data(), l, nl) = M * X.transpose();
    p_.segment(Index(l) * nl, l) = row_sums(M);
  } else {
    // Logistic regression: mean over the batch of Σ_k softplus(z_k) − h_k z_k, gradient
    // (σ(z) − h) x̃ᵀ/B, Hessian ≤ (1/4) mean x̃x̃ᵀ ⊗ I: step 4B/λ_max(G).
    Vector work = p_;
    auto grad = [&](const Vector& theta) {
      work.head(E) = theta;
      const Matrix dz = (preactivation(work, X).unaryExpr(&sigmoid) - H) / double(B);
      Vector g(E);
      Eigen::Map<Matrix>(g.data(), l, nl) = dz * X.transpose();
      g.segment(Index(l) * nl, l) = row_sums(dz);
      return g;
    };
    const double step = 4.0 * double(B) / std::max(largest_eigenvalue(G), 1e-300);
    p_.head(E) = accelerated_gradient(grad, Vector(p_.head(E)), step, settings_.regression_iterations);
  }
  return (encode_with(p_, X) - H).squaredNorm() / double(B);
}

double SparseAutoencoder::epsilon_at(int epoch) const {
  const Settings& s = settings_;
  if (s.epochs < 2) return s.epsilon;
  return s.epsilon * std::pow(s.epsilon_final / s.epsilon, double(epoch) / double(s.epochs - 1));
}

void SparseAutoencoder::train_epochs(MatrixView X, const std::function<void(int)>& start,
                                     const std::function<void(const std::vector<Index>&)>& step,
                                     const std::function<double()>& objective, const std::string& label,
                                     const std::string& lower) {
  const Settings& s = settings_;
  const Index N = X.cols();
  const Index batch = s.batch_size > 0 ? std::min<Index>(s.batch_size, N) : N;
  std::mt19937_64 gen(static_cast<unsigned long long>(s.seed) + 1);
  std::vector<Index> order(N);
  std::iota(order.begin(), order.end(), 0);
  history_.assign(1, objective());
  for (int epoch = 0; epoch < s.epochs; ++epoch) {
    start(epoch);
    if (batch < N) std::shuffle(order.begin(), order.end(), gen);
    for (Index b0 = 0; b0 < N; b0 += batch)
      step(std::vector<Index>(order.begin() + b0, order.begin() + std::min(N, b0 + batch)));
    history_.push_back(objective());
    if (!std::isfinite(history_.back()))
      throw Error(fmt::format("sparse-ae: the {} became {} at epoch {}; lower {}", label, history_.back(), epoch + 1,
                              lower));
    if (s.progress && rows_.rank() == 0 && (epoch + 1) % std::max(1, s.epochs / 10) == 0)
      std::cerr << fmt::format("  sparse-ae ({}): epoch {}/{}  {} {:.6e}\n", to_string(s.optimizer), epoch + 1, s.epochs,
                               label, history_.back());
  }
}

namespace {
Matrix columns(MatrixView X, const std::vector<Index>& cols) {
  Matrix B(X.rows(), static_cast<Index>(cols.size()));
  for (size_t j = 0; j < cols.size(); ++j) B.col(static_cast<Index>(j)) = X.col(cols[j]);
  return B;
}
}  // namespace

void SparseAutoencoder::fit_codes(const SnapshotView& train) {
  const Settings& s = settings_;
  const MatrixView X = train.X;
  const Index N = X.cols();
  // Random initial codes (Alg. 3, step 1): the random initial encoder's.
  Matrix H = encode_with(p_, X);
  train_epochs(
      X, [](int) {},
      [&](const std::vector<Index>& cols) {
        const Matrix Xb = columns(X, cols);
        const Matrix Hb = solve_codes(Xb, columns(H, cols), s.encoder_steps);
        fit_decoder(Xb, Hb, s.decoder_steps);
        for (size_t j = 0; j < cols.size(); ++j) H.col(cols[j]) = Hb.col(static_cast<Index>(j));
      },
      [&] { return reconstruction(p_, H, X) + s.lambda * H.cwiseAbs().sum() / double(N); }, "codes' objective",
      "-sparse_decoder_step");
  if (s.encoder_activation == Act::step) {
    for (Index k = 0; k < H.rows(); ++k) {
      const double t = binary_threshold(s.binary_threshold, H.row(k).minCoeff(), H.row(k).maxCoeff());
      H.row(k) = (H.row(k).array() > t).cast<double>();
    }
    if (s.decoder_refit > 0) fit_decoder(X, H, s.decoder_refit);
  }
  regression_residual_ = fit_encoder(X, H);
}

void SparseAutoencoder::fit(const SnapshotView& train) {
  train.validate("sparse-ae fit");
  if (train.count() == 0 || train.n() == 0) throw Error("sparse-ae fit: the snapshot set is empty");
  check_settings(settings_, "");
  initialize(train.rows);
  regression_residual_ = NAN;
  const Settings& s = settings_;
  const double start = MPI_Wtime();
  if (s.optimizer == Opt::codes) {
    fit_codes(train);
    seconds_ = MPI_Wtime() - start;
    return;
  }
  const Index N = train.count();
  const bool whole_batch = s.batch_size <= 0 || s.batch_size >= N;
  Adam adam(p_.size(), Adam::Settings{s.learning_rate});
  // λ_max of the batch's Gram matrix, the costliest part of the encoder's step (B² n): the
  // same every epoch when the batch is the whole set, so computed once then.
  const double whole_gram = whole_batch && s.optimizer == Opt::anamo && s.encoder_step == 0
                                ? largest_eigenvalue(augmented_gram(rows_, train.X))
                                : 0;
  train_epochs(
      train.X, [&](int epoch) { epsilon_ = epsilon_at(epoch); },
      [&](const std::vector<Index>& cols) {
        const Matrix Xb = columns(train.X, cols);
        if (s.optimizer == Opt::anamo) {
          anamo_step(Xb, whole_gram);
        } else {
          Vector gf, gg;
          loss(p_, Xb, &gf, &gg);
          adam.step(p_, Vector(gf + s.lambda * gg));
        }
      },
      [&] { return loss(p_, train.X).total(s.lambda); }, "loss",
      s.optimizer == Opt::anamo ? "-sparse_encoder_step/-sparse_decoder_step" : "-sparse_learning_rate");
  seconds_ = MPI_Wtime() - start;
}

Matrix SparseAutoencoder::preactivation(const Vector& p, MatrixView X) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local();
  Matrix z = Eigen::Map<const Matrix>(p.data(), l, nl) * X;
  allreduce_sum(rows_.comm, z.data(), z.size());
  z.colwise() += p.segment(Index(l) * nl, l);
  return z;
}

Matrix SparseAutoencoder::encode_with(const Vector& p, MatrixView X) const {
  return activate(settings_.encoder_activation, preactivation(p, X), epsilon_);
}

Matrix SparseAutoencoder::decode_with(const Vector& p, const Matrix& U) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local();
  Matrix y = Eigen::Map<const Matrix>(p.data() + encoder_size(), nl, l) * U;
  y.colwise() += p.tail(nl);
  return activate(settings_.decoder_activation, y, epsilon_);
}

Matrix SparseAutoencoder::encode(const Matrix& X) const {
  if (X.rows() != rows_.local())
    throw Error(fmt::format("sparse-ae encode: states have {} local rows, expected {}", X.rows(), rows_.local()));
  return encode_with(p_, X);
}

Matrix SparseAutoencoder::decode(const Matrix& U) const {
  if (U.rows() != settings_.latent_dim)
    throw Error(fmt::format("sparse-ae decode: latent states have {} entries, ℓ = {}", U.rows(), settings_.latent_dim));
  return decode_with(p_, U);
}

Matrix SparseAutoencoder::decoder_jacobian(const Vector& u) const {
  const Index nl = rows_.local();
  const Matrix xh = decode(u);
  return slope(settings_.decoder_activation, xh, xh, epsilon_).col(0).asDiagonal() *
         Eigen::Map<const Matrix>(p_.data() + encoder_size(), nl, settings_.latent_dim);
}

void SparseAutoencoder::save(h5::Group& g) const {
  const Settings& s = settings_;
  Attributes a;
  write_settings(s, a);
  a.set("width", epsilon_);
  if (std::isfinite(regression_residual_)) a.set("regression_residual", regression_residual_);
  a.set("train_seconds", seconds_);
  g.write_attributes(a);
  const int l = s.latent_dim;
  const Index nl = rows_.local();
  g.write_rows("encoder_weight_t", Matrix(Eigen::Map<const Matrix>(p_.data(), l, nl).transpose()), rows_);
  g.write_vector("encoder_bias", p_.segment(Index(l) * nl, l));
  g.write_rows("decoder_weight", Matrix(Eigen::Map<const Matrix>(p_.data() + encoder_size(), nl, l)), rows_);
  g.write_rows("decoder_bias", Matrix(p_.tail(nl)), rows_);
  g.write_vector("loss_history", Eigen::Map<const Vector>(history_.data(), Index(history_.size())));
}

void SparseAutoencoder::load(const h5::Group& g, const RowPartition& rows) {
  const Attributes a = g.read_attributes();
  Settings& s = settings_;
  read_settings(a, g.where(), s);
  if (s.latent_dim < 1) throw Error(fmt::format("{}: latent_dim {} < 1", g.where(), s.latent_dim));
  epsilon_ = a.has("width") ? a.get_double("width", g.where()) : s.epsilon;
  if (!(epsilon_ > 0)) throw Error(fmt::format("{}: the smooth step's width {} is not positive", g.where(), epsilon_));
  regression_residual_ = a.has("regression_residual") ? a.get_double("regression_residual", g.where()) : NAN;
  seconds_ = a.get_double("train_seconds", g.where());
  check_settings(settings_, "");
  rows_ = rows;
  const int l = s.latent_dim;
  const Index nl = rows.local();
  p_.resize(encoder_size() + nl * l + nl);
  Eigen::Map<Matrix>(p_.data(), l, nl) = g.read_rows("encoder_weight_t", rows, l).transpose();
  p_.segment(Index(l) * nl, l) = g.read_vector("encoder_bias", l);
  Eigen::Map<Matrix>(p_.data() + encoder_size(), nl, l) = g.read_rows("decoder_weight", rows, l);
  p_.tail(nl) = g.read_rows("decoder_bias", rows, 1).col(0);
  const Vector h = g.read_vector("loss_history");
  history_.assign(h.data(), h.data() + h.size());
}

void SparseAutoencoder::view(std::ostream& os) const {
  const Settings& s = settings_;
  const bool steps = s.encoder_activation == Act::step || s.encoder_activation == Act::smoothstep;
  const std::string width = steps ? fmt::format(", smooth-step width ε {} -> {}", s.epsilon, epsilon_) : "";
  const auto step_text = [](double v) { return v > 0 ? fmt::format("{}", v) : std::string("1/L"); };
  std::string method;
  if (s.optimizer == Opt::anamo) {
    method = fmt::format("{} ({} epochs, J_e = {}, J_d = {}, e = {}, d = {}, prox iterations {}{}{})",
                         s.encoder_activation == Act::step ? "ANAMO with a binary encoder (Gur Alg. 2)"
                                                           : "ANAMO (Gur Alg. 1)",
                         s.epochs, s.encoder_steps, s.decoder_steps, step_text(s.encoder_step),
                         step_text(s.decoder_step), s.prox_iterations, width,
                         s.encoder_activation == Act::step ? "; the step's gradient from the smooth step's" : "");
  } else if (s.optimizer == Opt::codes) {
    method = fmt::format(
        "codes (Gur Alg. 3: {} epochs, J_e = {} FISTA steps on the codes, J_d = {} on the decoder{}; encoder by {}, "
        "residual mean‖E(x) − h‖² {:.3e})",
        s.epochs, s.encoder_steps, s.decoder_steps,
        s.encoder_activation != Act::step ? ""
        : s.decoder_refit > 0
            ? fmt::format("; codes binarized at {} threshold, decoder refitted by {} steps (the seed does not refit)",
                          s.binary_threshold == "midrange" ? "each code's midrange" : "the " + s.binary_threshold,
                          s.decoder_refit)
            : fmt::format("; codes binarized at {} threshold, decoder not refitted (the seed's protocol)",
                          s.binary_threshold == "midrange" ? "each code's midrange" : "the " + s.binary_threshold),
        s.encoder_activation == Act::identity ? "least squares" : "logistic regression", regression_residual_);
  } else {
    method = fmt::format("Adam ({} epochs, learning rate {}{})", s.epochs, s.learning_rate, width);
  }
  os << fmt::format("sparse autoencoder: ℓ = {}, λ = {}, encoder {}, decoder {}, trained by {} in {:.2f} s; {} "
                    "{:.6e} -> {:.6e}\n",
                    s.latent_dim, s.lambda, to_string(s.encoder_activation), to_string(s.decoder_activation), method,
                    seconds_, s.optimizer == Opt::codes ? "objective in the codes" : "loss f + λg",
                    history_.empty() ? NAN : history_.front(), history_.empty() ? NAN : history_.back());
}

}  // namespace metarom
