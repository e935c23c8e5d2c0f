#include "metarom/reducers/meta_autoencoder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include "metarom/error.hpp"
#include "metarom/reducers/reducer_file.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/optim/tao_trainer.hpp"

namespace metarom {

namespace {
PetscErrorCode meta_options(const char* prefix, GaussNewtonSettings* train, GaussNewtonSettings* enc,
                            MetaAutoencoder::Gradient* g, double* penalty, bool* penalty_set, int* eval_iterations) {
  PetscInt iters = train->iterations, max_iters = enc->iterations, eval = *eval_iterations;
  PetscReal damping = train->damping, tol = enc->tolerance, beta = *penalty;
  char mode[32];
  PetscBool set;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Meta-autoencoder", "Reducer");
  PetscCall(PetscOptionsInt("-meta_gn_iterations", "Gauss-Newton steps I unrolled in training", "Reducer", iters, &iters,
                            nullptr));
  PetscCall(PetscOptionsReal("-meta_gn_damping", "Levenberg-Marquardt damping gamma (4.4)", "Reducer", damping,
                             &damping, nullptr));
  PetscCall(PetscOptionsInt("-meta_gn_max_iterations", "Gauss-Newton steps at most when encoding", "Reducer",
                            max_iters, &max_iters, nullptr));
  PetscCall(PetscOptionsReal("-meta_gn_tol", "Encoding stops when |p| <= tol (1 + |u|) for every sample", "Reducer",
                             tol, &tol, nullptr));
  PetscCall(PetscOptionsInt("-meta_eval_iterations",
                            "Encode with exactly I Gauss-Newton steps from theta0 (the paper's protocol); 0: to convergence",
                            "Reducer", eval, &eval, nullptr));
  PetscCall(PetscOptionsString("-meta_gradient", "Outer gradient: unrolled or implicit", "Reducer",
                               *g == MetaAutoencoder::Gradient::unrolled ? "unrolled" : "implicit", mode, sizeof mode,
                               &set));
  if (set) {
    if (std::string(mode) == "unrolled") *g = MetaAutoencoder::Gradient::unrolled;
    else if (std::string(mode) == "implicit") *g = MetaAutoencoder::Gradient::implicit;
    else SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-meta_gradient must be unrolled or implicit, got %s", mode);
  }
  PetscCall(PetscOptionsReal("-meta_latent_penalty",
                             "beta: adds beta |u|^2/r to the outer loss (fixes the latent scale; implicit: to the inner problem too)",
                             "Reducer", beta, &beta, &set));
  *penalty_set = set;
  PetscOptionsEnd();
  train->iterations = static_cast<int>(iters);
  train->damping = enc->damping = damping;
  enc->iterations = static_cast<int>(max_iters);
  enc->tolerance = tol;
  *penalty = beta;
  *eval_iterations = static_cast<int>(eval);
  PetscFunctionReturn(0);
}

PetscErrorCode corrected_options(const char* prefix, std::string* from) {
  char file[PETSC_MAX_PATH_LEN];
  PetscBool set;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Corrected autoencoder (Algorithm 4.1)", "Reducer");
  PetscCall(PetscOptionsString("-ae_corrected_from", "ae-corrected: the canonical autoencoder model to correct",
                               "Reducer", from->c_str(), file, sizeof file, &set));
  if (set) *from = file;
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

void check_solver(const GaussNewtonSettings& s, const char* which, int least_iterations) {
  if (s.iterations < least_iterations || !(s.damping >= 0) || !(s.tolerance >= 0) || !(s.regularization >= 0))
    throw Error(fmt::format("meta-ae: the {} Gauss–Newton solver needs iterations >= {}, damping >= 0, tolerance "
                            ">= 0 and regularization >= 0, got {}, {}, {}, {}",
                            which, least_iterations, s.iterations, s.damping, s.tolerance, s.regularization));
}
}  // namespace

double MetaAutoencoder::inner_regularization() const {
  // β‖u‖²/r beside ‖φ(u) − x‖²/n per sample is ½‖φ(u) − x‖² + ½λ‖u‖² with λ = βn/r.
  if (gradient_ != Gradient::implicit) return 0;
  return latent_penalty_ * static_cast<double>(net_rows_.global) / latent_dim();
}

GaussNewtonSettings MetaAutoencoder::inner_solver(bool training) const {
  GaussNewtonSettings s = encode_gn_;
  if (s.tolerance <= 0) s.tolerance = 1e-10;  // to convergence, whatever I is
  s.regularization = inner_regularization();
  s.newton = true;
  s.gram = training;  // no n-sized product per iteration in training
  return s;
}

void MetaAutoencoder::set_training_solver(const GaussNewtonSettings& s) {
  check_solver(s, "training", 0);
  train_gn_ = s;
}

void MetaAutoencoder::set_encoding_solver(const GaussNewtonSettings& s) {
  check_solver(s, "encoding", 1);
  encode_gn_ = s;
}

void MetaAutoencoder::read_options(const std::string& prefix) {
  settings_.set_from_options(prefix);
  bool penalty_set = false;
  METAROM_PETSC(meta_options(petsc_prefix(prefix), &train_gn_, &encode_gn_, &gradient_,
                             &latent_penalty_, &penalty_set, &eval_iterations_));
  // The default β serves the unrolled gradient.
  if (!penalty_set && gradient_ == Gradient::implicit) latent_penalty_ = 0;
  if (eval_iterations_ < 0) throw Error("meta-ae: -meta_eval_iterations must be >= 0 (0: encode to convergence)");
  if (train_gn_.iterations < 0 || encode_gn_.iterations < 1) throw Error("meta-ae: Gauss–Newton iterations must be >= 1");
  if (latent_penalty_ < 0) throw Error("meta-ae: -meta_latent_penalty must be >= 0");
}

void MetaAutoencoder::check_architecture() const {
  if (settings_.hidden.size() != 1)
    throw Error("meta-ae: the Gauss–Newton encoder needs a decoder with one hidden layer (5.1); -ae_hidden has " +
                std::to_string(settings_.hidden.size()));
}

void MetaAutoencoder::correct(const Autoencoder& ae) {
  first_ = ae.encoder();
  decoder_ = ae.decoder();
  norm_ = *ae.normalization();
  const Layout net = layout(ae.rows());
  if (first_.split() != net.first || decoder_.split() != net.decoder)
    throw Error("ae-corrected: the autoencoder's networks are not laid out as a reducer's");
  settings_.latent_dim = ae.latent_dim();
  settings_.hidden = {ae.decoder().widths()[1]};
  rows_ = ae.rows();
  net_rows_ = net.rows;
  GaussNewtonEncoder check(decoder_);  // refuses decoders other than (5.1)
  (void)check;
}

Matrix MetaAutoencoder::encode(const Matrix& X) const {
  // argmin ‖x̄ + sφ(u) − x‖ = argmin ‖φ(u) − (x − x̄)/s‖: the same problem at unit scale.
  const Matrix Xn = norm_.apply(X);
  GaussNewtonEncoder gn(decoder_);
  // The paper's protocol: exactly I fixed-damping steps (Algorithm 4.2 as in training).
  const double lambda = inner_regularization();
  if (eval_iterations_ > 0)
    return gn.solve(Xn, first_.forward(Xn), GaussNewtonSettings{eval_iterations_, train_gn_.damping, 0, false, lambda});
  // Implicit mode: the inner problem of training, to convergence (so a code is the u* the
  // decoder was trained at).
  return gn.solve(Xn, first_.forward(Xn), gradient_ == Gradient::implicit ? inner_solver(false) : encode_gn_);
}

double MetaAutoencoder::outer_loss(const Matrix& X) const {
  GaussNewtonEncoder gn(decoder_);
  const Matrix U0 = first_.forward(X);
  const double scale = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  const Matrix U = gn.solve(X, U0, gradient_ == Gradient::unrolled ? train_gn_ : inner_solver(false));
  const double penalty = latent_penalty_ / (static_cast<double>(U.rows()) * X.cols());
  return scale * allreduce_sum(net_rows_.comm, (decoder_.forward(U) - X).squaredNorm()) + penalty * U.squaredNorm();
}

double MetaAutoencoder::batch_loss(const Matrix& X, Vector& grad) const {
  GaussNewtonEncoder gn(decoder_);
  Mlp::Tape t0, td;
  const Matrix U0 = first_.forward(X, t0);
  const double scale = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  Vector g0 = Vector::Zero(first_.parameters().size()), gd = Vector::Zero(decoder_.parameters().size());
  double loss;
  if (gradient_ == Gradient::unrolled) {
    // The reconstruction ‖φ(U_I) − X‖² through W₂ᵀW₂ and W₂ᵀX, which the steps formed
    // anyway: its value and gradient then cost no product with n rows of their own.
    const Matrix U = gn.solve(X, U0, train_gn_);
    loss = gn.reconstruction_loss(scale);
    Matrix Ubar = Matrix::Zero(U.rows(), U.cols());
    if (latent_penalty_ > 0) {
      // β‖u‖²/r per sample: the outer loss alone is invariant under u → cu, W₁ → W₁/c, and
      // the inner solve may then push u into the decoder's flat tanh region (see the header).
      const double sp = latent_penalty_ / (static_cast<double>(U.rows()) * X.cols());
      loss += sp * U.squaredNorm();
      Ubar = 2 * sp * U;
    }
    const Matrix U0bar = gn.backward(Ubar, gd, scale);
    first_.backward(t0, U0bar, g0, false);
  } else {
    // Envelope theorem: u* minimizes the outer loss itself (‖φ(u) − x‖²/n + β‖u‖²/r, the
    // inner objective up to a factor), so its gradient is ∂loss/∂φ at fixed u*; the
    // penalty does not depend on the decoder.
    const Matrix U = gn.solve(X, U0, inner_solver(true));
    const Matrix R = decoder_.forward(U, td) - X;
    decoder_.backward(td, 2 * scale * R, gd, false);
    const double sr = 1.0 / (static_cast<double>(U.rows()) * X.cols());
    first_.backward(t0, 2 * sr * (U0 - U), g0, false);
    loss = scale * allreduce_sum(net_rows_.comm, R.squaredNorm()) + sr * (U0 - U).squaredNorm() +
           latent_penalty_ * sr * U.squaredNorm();
  }
  grad.resize(g0.size() + gd.size());
  grad << g0, gd;
  return loss;
}

void MetaAutoencoder::fit(const SnapshotView& train) {
  const Matrix X = prepare_fit(train);
  if (settings_.optimizer == "tao" && gradient_ == Gradient::implicit) fit_implicit_tao(X, net_rows_);
  else result_ = this->train(X);
}

// TAO needs an objective whose gradient is exact. In implicit mode the outer loss depends
// on the decoder alone (u* does not depend on θ₀ once converged), so TAO minimizes it over
// the decoder with the envelope gradient; θ₀ is then fitted to the converged u* by a
// second TAO solve of the regression ‖θ₀(x) − u*‖²/r.
void MetaAutoencoder::fit_implicit_tao(const Matrix& Xtrain, const RowPartition& rows) {
  const GaussNewtonSettings inner = inner_solver(true);
  const double sn = 1.0 / static_cast<double>(rows.global);
  Vector pd = decoder_.parameters();
  result_ = train_tao(
      pd, parameter_layout(decoder_), Xtrain.cols(),
      [&](const std::vector<Index>& batch, const Vector& params, Vector& grad) {
        decoder_.set_parameters(params);
        const Matrix X = batch_columns(Xtrain, batch);
        GaussNewtonEncoder gn(decoder_);
        const Matrix U = gn.solve(X, first_.forward(X), inner);
        Mlp::Tape td;
        const Matrix R = decoder_.forward(U, td) - X;
        const double scale = sn / static_cast<double>(X.cols());
        decoder_.backward(td, 2 * scale * R, grad, false);
        // The penalty at u* too: the objective TAO sees is the minimum value, whose
        // gradient the envelope gives.
        return scale * allreduce_sum(rows.comm, R.squaredNorm()) +
               latent_penalty_ * U.squaredNorm() / (static_cast<double>(U.rows()) * X.cols());
      },
      settings_.train.batch_size, settings_.train.epochs, settings_.train.progress, type() + " decoder");
  decoder_.set_parameters(pd);
  const Matrix Ustar = GaussNewtonEncoder(decoder_).solve(Xtrain, first_.forward(Xtrain), inner);
  Vector p0 = first_.parameters();
  train_tao(
      p0, parameter_layout(first_), Xtrain.cols(),
      [&](const std::vector<Index>& batch, const Vector& params, Vector& grad) {
        first_.set_parameters(params);
        const Matrix X = batch_columns(Xtrain, batch);
        Mlp::Tape t0;
        const Matrix D = first_.forward(X, t0) - batch_columns(Ustar, batch);
        const double scale = 1.0 / (static_cast<double>(D.rows()) * X.cols());
        first_.backward(t0, 2 * scale * D, grad, false);
        return scale * D.squaredNorm();
      },
      settings_.train.batch_size, settings_.train.epochs, settings_.train.progress, type() + " initial encoder");
  first_.set_parameters(p0);
}

void MetaAutoencoder::save(h5::Group& g) const {
  Attributes a;
  a.set("latent_dim", latent_dim());
  a.set("hidden", std::vector<long long>{decoder_.widths()[1]});  // a list, as the autoencoders'
  a.set("gn_iterations", train_gn_.iterations);
  a.set("gn_damping", train_gn_.damping);
  a.set("gn_max_iterations", encode_gn_.iterations);
  a.set("gn_tolerance", encode_gn_.tolerance);
  a.set("gradient", gradient_ == Gradient::unrolled ? "unrolled" : "implicit");
  a.set("latent_penalty", latent_penalty_);
  if (!result_.epoch_loss.empty()) a.set("epochs", static_cast<long long>(result_.epoch_loss.size()));
  g.write_attributes(a);
  save_networks(g);
}

void MetaAutoencoder::load(const h5::Group& g, const RowPartition& rows) {
  load_networks(g, rows);
  GaussNewtonEncoder check(decoder_);
  const Attributes a = g.read_attributes();
  train_gn_.iterations = a.get_count("gn_iterations", g.where());
  train_gn_.damping = encode_gn_.damping = a.get_double("gn_damping", g.where());
  encode_gn_.iterations = a.get_count("gn_max_iterations", g.where());
  encode_gn_.tolerance = a.get_double("gn_tolerance", g.where());
  gradient_ = a.get_string("gradient", g.where()) == "implicit" ? Gradient::implicit : Gradient::unrolled;
  latent_penalty_ = a.has("latent_penalty") ? a.get_double("latent_penalty", g.where()) : 0.0;
  settings_.hidden = {decoder_.widths()[1]};
}

std::string MetaAutoencoder::settings_summary() const {
  if (gradient_ == Gradient::implicit)
    return fmt::format("{}, implicit (envelope) gradient: inner problem solved to convergence, latent penalty β = {:g}",
                       NeuralReducer::settings_summary(), latent_penalty_);
  return fmt::format("{}, I = {} unrolled Gauss–Newton steps, latent penalty β = {:g}", NeuralReducer::settings_summary(),
                     train_gn_.iterations, latent_penalty_);
}

void MetaAutoencoder::view(std::ostream& os) const {
  os << fmt::format("{}: r = {}, initial encoder {}, decoder {}; Gauss–Newton: {} steps in training ({} gradient), "
                    "damping {}, encoding up to {} steps to tolerance {}\n",
                    type(), latent_dim(), fmt::join(first_.widths(), "-"), fmt::join(decoder_.widths(), "-"),
                    train_gn_.iterations, gradient_ == Gradient::unrolled ? "unrolled" : "implicit",
                    train_gn_.damping, encode_gn_.iterations, encode_gn_.tolerance);
  view_training(os);
}

void CorrectedAutoencoder::read_options(const std::string& prefix) {
  MetaAutoencoder::read_options(prefix);
  METAROM_PETSC(corrected_options(petsc_prefix(prefix), &corrected_from_));
}

void CorrectedAutoencoder::fit(const SnapshotView& train) {
  train.validate(type() + " fit");
  if (corrected_from_.empty())
    throw Error("ae-corrected: name the canonical autoencoder model to correct with -ae_corrected_from (--from)");
  std::unique_ptr<Reducer> reducer;
  try {
    reducer = load_reducer(corrected_from_, train.rows);
  } catch (const Error& e) {
    throw Error(fmt::format("ae-corrected: {}", e.what()));
  }
  auto* ae = dynamic_cast<Autoencoder*>(reducer.get());
  if (!ae || reducer->kind() != ReducerKind::ae)
    throw Error(fmt::format("ae-corrected: {} holds a '{}' model, expected 'ae'", corrected_from_, reducer->type()));
  correct(*ae);
  result_ = TrainResult{};
}

void CorrectedAutoencoder::save(h5::Group& g) const {
  MetaAutoencoder::save(g);
  Attributes a;
  a.set("corrected_from", corrected_from_);
  g.write_attributes(a);
}

void CorrectedAutoencoder::load(const h5::Group& g, const RowPartition& rows) {
  MetaAutoencoder::load(g, rows);
  const Attributes a = g.read_attributes();
  if (a.has("corrected_from")) corrected_from_ = a.get_string("corrected_from", g.where());
}

}  // namespace metarom
