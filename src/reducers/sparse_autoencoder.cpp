#include "metarom/reducers/sparse_autoencoder.hpp"

#include <fmt/format.h>
#include <petscsys.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/optim/adam.hpp"
#include "metarom/optim/fista.hpp"

namespace metarom {

const char* to_string(SparseAutoencoder::Activation a) {
  return a == SparseAutoencoder::Activation::sigmoid ? "sigmoid" : "identity";
}

SparseAutoencoder::Activation sparse_activation(const std::string& name) {
  if (name == "sigmoid") return SparseAutoencoder::Activation::sigmoid;
  if (name == "identity") return SparseAutoencoder::Activation::identity;
  throw Error(fmt::format("sparse-ae: activation must be sigmoid or identity, got '{}'", name));
}

namespace {

Matrix activate(SparseAutoencoder::Activation a, const Matrix& z) {
  if (a == SparseAutoencoder::Activation::identity) return z;
  return z.unaryExpr([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
}

// σ'(z) from σ(z).
Matrix derivative(SparseAutoencoder::Activation a, const Matrix& s) {
  if (a == SparseAutoencoder::Activation::identity) return Matrix::Ones(s.rows(), s.cols());
  return s.array() * (1.0 - s.array());
}

PetscErrorCode sparse_options(const char* prefix, SparseAutoencoder::Settings* s, std::string* enc, std::string* dec) {
  PetscReal lambda = s->lambda, e = s->encoder_step, d = s->decoder_step, lr = s->learning_rate;
  PetscInt epochs = s->epochs, batch = s->batch_size, je = s->encoder_steps, jd = s->decoder_steps,
           k = s->prox_iterations, seed = static_cast<PetscInt>(s->seed);
  char buf[64];
  PetscBool set = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Sparse autoencoder", "SparseAutoencoder");
  PetscCall(PetscOptionsReal("-sparse_lambda", "Weight lambda of the l1 term on the codes", "SparseAutoencoder", lambda,
                             &lambda, nullptr));
  PetscCall(PetscOptionsString("-sparse_encoder_activation", "sigmoid or identity", "SparseAutoencoder", enc->c_str(),
                               buf, sizeof buf, &set));
  if (set) *enc = buf;
  PetscCall(PetscOptionsString("-sparse_decoder_activation", "sigmoid or identity", "SparseAutoencoder", dec->c_str(),
                               buf, sizeof buf, &set));
  if (set) *dec = buf;
  PetscCall(PetscOptionsString("-sparse_optimizer", "anamo (Gur Alg. 1) or adam", "SparseAutoencoder",
                               s->optimizer.c_str(), buf, sizeof buf, &set));
  if (set) s->optimizer = buf;
  PetscCall(PetscOptionsInt("-sparse_epochs", "Passes over the set (ANAMO: outer iterations)", "SparseAutoencoder",
                            epochs, &epochs, nullptr));
  PetscCall(PetscOptionsInt("-sparse_batch_size", "Mini-batch size (0: the whole set)", "SparseAutoencoder", batch,
                            &batch, nullptr));
  PetscCall(PetscOptionsInt("-sparse_encoder_steps", "ANAMO: FISTA steps J_e on the encoder per batch",
                            "SparseAutoencoder", je, &je, nullptr));
  PetscCall(PetscOptionsInt("-sparse_decoder_steps", "ANAMO: accelerated-gradient steps J_d on the decoder per batch",
                            "SparseAutoencoder", jd, &jd, nullptr));
  PetscCall(PetscOptionsReal("-sparse_encoder_step", "ANAMO: encoder step e (0: 1/L, L the gradient's Lipschitz bound)",
                             "SparseAutoencoder", e, &e, nullptr));
  PetscCall(PetscOptionsReal("-sparse_decoder_step", "ANAMO: decoder step d (0: 1/L)", "SparseAutoencoder", d, &d,
                             nullptr));
  PetscCall(PetscOptionsInt("-sparse_prox_iterations", "ANAMO: inner iterations K of the encoder's prox",
                            "SparseAutoencoder", k, &k, nullptr));
  PetscCall(PetscOptionsReal("-sparse_learning_rate", "Adam: learning rate", "SparseAutoencoder", lr, &lr, nullptr));
  PetscCall(PetscOptionsInt("-sparse_seed", "Seed of the initial weights and batches", "SparseAutoencoder", seed, &seed,
                            nullptr));
  PetscOptionsEnd();
  s->lambda = lambda;
  s->encoder_step = e;
  s->decoder_step = d;
  s->learning_rate = lr;
  s->epochs = static_cast<int>(epochs);
  s->batch_size = static_cast<int>(batch);
  s->encoder_steps = static_cast<int>(je);
  s->decoder_steps = static_cast<int>(jd);
  s->prox_iterations = static_cast<int>(k);
  s->seed = seed;
  PetscFunctionReturn(0);
}

}  // namespace

void SparseAutoencoder::read_options(const std::string& prefix) {
  std::string enc = to_string(settings_.encoder_activation), dec = to_string(settings_.decoder_activation);
  METAROM_PETSC(sparse_options(petsc_prefix(prefix), &settings_, &enc, &dec));
  settings_.encoder_activation = sparse_activation(enc);
  settings_.decoder_activation = sparse_activation(dec);
  const Settings& s = settings_;
  if (s.optimizer != "anamo" && s.optimizer != "adam")
    throw Error(fmt::format("-{}sparse_optimizer must be anamo or adam, got '{}'", prefix, s.optimizer));
  if (!(s.lambda >= 0) || s.epochs < 1 || s.batch_size < 0 || s.encoder_steps < 0 || s.decoder_steps < 0 ||
      s.prox_iterations < 0 || !(s.encoder_step >= 0) || !(s.decoder_step >= 0) || !(s.learning_rate > 0))
    throw Error(fmt::format("sparse-ae: settings out of range (-{0}sparse_lambda >= 0, -{0}sparse_epochs >= 1, "
                            "batch size, step counts, iterations and steps >= 0, learning rate > 0)",
                            prefix));
}

Index SparseAutoencoder::encoder_size() const { return Index(settings_.latent_dim) * rows_.local() + settings_.latent_dim; }

void SparseAutoencoder::initialize(const RowPartition& rows) {
  rows_ = rows;
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

SparseAutoencoder::Loss SparseAutoencoder::loss(const Vector& p, const Matrix& X, Vector* grad_f, Vector* grad_g) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local(), B = X.cols();
  if (X.rows() != nl || p.size() != p_.size())
    throw Error(fmt::format("sparse-ae: {} local rows and {} parameters, expected {} and {}", X.rows(), p.size(), nl,
                            p_.size()));
  const Eigen::Map<const Matrix> Wd(p.data() + encoder_size(), nl, l);
  const Matrix h = encode_with(p, X);
  const Matrix xh = decode_with(p, h);
  const Matrix r = xh - X;
  Loss out;
  out.f = allreduce_sum(rows_.comm, r.squaredNorm()) / double(B);
  out.g = h.cwiseAbs().sum() / double(B);
  const Matrix dze = derivative(settings_.encoder_activation, h);
  auto encoder_part = [&](const Matrix& dz, Vector& grad) {
    Eigen::Map<Matrix>(grad.data(), l, nl) = dz * X.transpose();
    grad.segment(Index(l) * nl, l) = dz.rowwise().sum();
  };
  if (grad_f) {
    grad_f->setZero(p.size());
    const Matrix dy = (2.0 / double(B)) * r.cwiseProduct(derivative(settings_.decoder_activation, xh));
    Eigen::Map<Matrix>(grad_f->data() + encoder_size(), nl, l) = dy * h.transpose();
    grad_f->tail(nl) = dy.rowwise().sum();
    Matrix dh = Wd.transpose() * dy;
    allreduce_sum(rows_.comm, dh.data(), dh.size());
    encoder_part(dh.cwiseProduct(dze), *grad_f);
  }
  if (grad_g) {
    grad_g->setZero(p.size());
    const Matrix sign = h.unaryExpr([](double v) { return double((v > 0) - (v < 0)); });
    encoder_part((sign / double(B)).cwiseProduct(dze), *grad_g);
  }
  return out;
}

namespace {
// Largest eigenvalue of a small symmetric matrix.
double largest_eigenvalue(const Matrix& S) {
  return Eigen::SelfAdjointEigenSolver<Matrix>(S, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}
}  // namespace

double SparseAutoencoder::encoder_lipschitz(const Matrix& X) const {
  // f = mean‖D(W_e x + b_e) − x‖²: for identity layers its Hessian in (W_e, b_e) is
  // 2 (W_dᵀW_d) ⊗ mean(x̃x̃ᵀ), x̃ = [x; 1]; sigmoid layers only shrink it (σ' ≤ 1/4).
  const int l = settings_.latent_dim;
  const Index nl = rows_.local(), B = X.cols();
  const Eigen::Map<const Matrix> Wd(p_.data() + encoder_size(), nl, l);
  Matrix WtW = Wd.transpose() * Wd, G = X.transpose() * X;
  allreduce_sum(rows_.comm, WtW.data(), WtW.size());
  allreduce_sum(rows_.comm, G.data(), G.size());
  G.array() += 1.0;  // the bias's column of ones
  return std::max(2.0 * largest_eigenvalue(WtW) * largest_eigenvalue(G) / double(B), 1e-300);
}

double SparseAutoencoder::decoder_lipschitz(const Matrix& X) const {
  // f in (W_d, b_d): Hessian 2 mean(h̃h̃ᵀ) ⊗ I, h̃ = [E(x); 1] (identity decoder).
  const Matrix h = encode(X);
  Matrix Ht(h.rows() + 1, h.cols());
  Ht << h, Matrix::Ones(1, h.cols());
  return std::max(2.0 * largest_eigenvalue(Ht * Ht.transpose()) / double(X.cols()), 1e-300);
}

void SparseAutoencoder::anamo_step(const Matrix& X) {
  const Index E = encoder_size();
  const double lambda = settings_.lambda;
  const Vector phi = p_.tail(p_.size() - E);
  Vector work(p_.size());
  auto with = [&](const Vector& theta, const Vector& ph) {
    work << theta, ph;
    return work;
  };
  // Encoder: J_e FISTA steps on θ ↦ f(φ, θ) + λ g(θ).
  auto grad_theta = [&](const Vector& theta) {
    Vector gf;
    loss(with(theta, phi), X, &gf, nullptr);
    return Vector(gf.head(E));
  };
  // prox_{eλg}(v) approximated by K (sub)gradient steps on λ e g(y) + ½‖y − v‖² (header).
  auto prox = [&](const Vector& v, double e) {
    if (lambda == 0 || settings_.prox_iterations == 0) return v;
    // One forward and backward pass per iterate gives both g (for the objective) and ∇g
    // (for the next step).
    Vector y = v, best = v, gg;
    double q_best = lambda * e * loss(with(y, phi), X, nullptr, &gg).g;
    for (int i = 0; i < settings_.prox_iterations; ++i) {
      y -= (1.0 / (i + 2.0)) * (lambda * e * gg.head(E) + (y - v));
      const double q = lambda * e * loss(with(y, phi), X, nullptr, &gg).g + 0.5 * (y - v).squaredNorm();
      if (q < q_best) q_best = q, best = y;
    }
    return best;
  };
  const double e = settings_.encoder_step > 0 ? settings_.encoder_step : 1.0 / encoder_lipschitz(X);
  const Vector theta = fista(grad_theta, prox, p_.head(E), e, settings_.encoder_steps);
  // Decoder: J_d accelerated-gradient steps on φ ↦ f(φ, θ^{k+1}).
  auto grad_phi = [&](const Vector& ph) {
    Vector gf;
    loss(with(theta, ph), X, &gf, nullptr);
    return Vector(gf.tail(ph.size()));
  };
  p_.head(E) = theta;
  const double d = settings_.decoder_step > 0 ? settings_.decoder_step : 1.0 / decoder_lipschitz(X);
  const Vector phi_next = accelerated_gradient(grad_phi, phi, d, settings_.decoder_steps);
  p_ << theta, phi_next;
}

void SparseAutoencoder::fit(const SnapshotSet& train) {
  train.validate("sparse-ae fit");
  if (train.count() == 0 || train.n() == 0) throw Error("sparse-ae fit: the snapshot set is empty");
  initialize(train.rows);
  const Index N = train.count();
  const Index batch = settings_.batch_size > 0 ? std::min<Index>(settings_.batch_size, N) : N;
  std::mt19937_64 gen(static_cast<unsigned long long>(settings_.seed) + 1);
  std::vector<Index> order(N);
  std::iota(order.begin(), order.end(), 0);
  Adam adam(p_.size(), Adam::Settings{settings_.learning_rate});
  history_.assign(1, loss(p_, train.X).total(settings_.lambda));
  const double start = MPI_Wtime();
  for (int epoch = 0; epoch < settings_.epochs; ++epoch) {
    if (batch < N) std::shuffle(order.begin(), order.end(), gen);
    for (Index b0 = 0; b0 < N; b0 += batch) {
      const Index count = std::min(batch, N - b0);
      Matrix Xb(train.X.rows(), count);
      for (Index j = 0; j < count; ++j) Xb.col(j) = train.X.col(order[b0 + j]);
      if (settings_.optimizer == "anamo") {
        anamo_step(Xb);
      } else {
        Vector gf, gg;
        loss(p_, Xb, &gf, &gg);
        adam.step(p_, Vector(gf + settings_.lambda * gg));
      }
    }
    history_.push_back(loss(p_, train.X).total(settings_.lambda));
    if (!std::isfinite(history_.back()))
      throw Error(fmt::format("sparse-ae: the loss became {} at epoch {} ({}); lower the steps", history_.back(),
                              epoch + 1, settings_.optimizer == "anamo" ? "-sparse_encoder_step/-sparse_decoder_step"
                                                                        : "-sparse_learning_rate"));
    if (settings_.progress && rows_.rank() == 0 && (epoch + 1) % std::max(1, settings_.epochs / 10) == 0)
      std::cerr << fmt::format("  sparse-ae ({}): epoch {}/{}  loss {:.6e}\n", settings_.optimizer, epoch + 1,
                               settings_.epochs, history_.back());
  }
  seconds_ = MPI_Wtime() - start;
}

Matrix SparseAutoencoder::encode_with(const Vector& p, const Matrix& X) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local();
  Matrix z = Eigen::Map<const Matrix>(p.data(), l, nl) * X;
  allreduce_sum(rows_.comm, z.data(), z.size());
  z.colwise() += p.segment(Index(l) * nl, l);
  return activate(settings_.encoder_activation, z);
}

Matrix SparseAutoencoder::decode_with(const Vector& p, const Matrix& U) const {
  const int l = settings_.latent_dim;
  const Index nl = rows_.local();
  Matrix y = Eigen::Map<const Matrix>(p.data() + encoder_size(), nl, l) * U;
  y.colwise() += p.tail(nl);
  return activate(settings_.decoder_activation, y);
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
  return derivative(settings_.decoder_activation, xh).col(0).asDiagonal() *
         Eigen::Map<const Matrix>(p_.data() + encoder_size(), nl, settings_.latent_dim);
}

void SparseAutoencoder::save(h5::Group& g) const {
  const Settings& s = settings_;
  Attributes a;
  a.set("latent_dim", s.latent_dim);
  a.set("lambda", s.lambda);
  a.set("encoder_activation", to_string(s.encoder_activation));
  a.set("decoder_activation", to_string(s.decoder_activation));
  a.set("optimizer", s.optimizer);
  a.set("epochs", s.epochs);
  a.set("batch_size", s.batch_size);
  a.set("encoder_steps", s.encoder_steps);
  a.set("decoder_steps", s.decoder_steps);
  a.set("encoder_step", s.encoder_step);
  a.set("decoder_step", s.decoder_step);
  a.set("prox_iterations", s.prox_iterations);
  a.set("learning_rate", s.learning_rate);
  a.set("seed", s.seed);
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
  s.latent_dim = static_cast<int>(a.get_int("latent_dim", g.where()));
  if (s.latent_dim < 1) throw Error(fmt::format("{}: latent_dim {} < 1", g.where(), s.latent_dim));
  s.lambda = a.get_double("lambda", g.where());
  s.encoder_activation = sparse_activation(a.get_string("encoder_activation", g.where()));
  s.decoder_activation = sparse_activation(a.get_string("decoder_activation", g.where()));
  s.optimizer = a.get_string("optimizer", g.where());
  s.epochs = static_cast<int>(a.get_int("epochs", g.where()));
  s.batch_size = static_cast<int>(a.get_int("batch_size", g.where()));
  s.encoder_steps = static_cast<int>(a.get_int("encoder_steps", g.where()));
  s.decoder_steps = static_cast<int>(a.get_int("decoder_steps", g.where()));
  s.encoder_step = a.get_double("encoder_step", g.where());
  s.decoder_step = a.get_double("decoder_step", g.where());
  s.prox_iterations = static_cast<int>(a.get_int("prox_iterations", g.where()));
  s.learning_rate = a.get_double("learning_rate", g.where());
  s.seed = a.get_int("seed", g.where());
  seconds_ = a.get_double("train_seconds", g.where());
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
  os << fmt::format("sparse autoencoder: ℓ = {}, λ = {}, encoder {}, decoder {}, trained by {} ({} epochs{}) in "
                    "{:.2f} s; loss f + λg {:.6e} -> {:.6e}\n",
                    s.latent_dim, s.lambda, to_string(s.encoder_activation), to_string(s.decoder_activation),
                    s.optimizer == "anamo" ? "ANAMO (Gur Alg. 1)" : "Adam", s.epochs,
                    s.optimizer == "anamo"
                        ? fmt::format(", J_e = {}, J_d = {}, e = {}, d = {}, prox iterations {}", s.encoder_steps,
                                      s.decoder_steps, s.encoder_step > 0 ? fmt::format("{}", s.encoder_step) : "1/L",
                                      s.decoder_step > 0 ? fmt::format("{}", s.decoder_step) : "1/L",
                                      s.prox_iterations)
                        : fmt::format(", learning rate {}", s.learning_rate),
                    seconds_, history_.empty() ? NAN : history_.front(), history_.empty() ? NAN : history_.back());
}

}  // namespace metarom
