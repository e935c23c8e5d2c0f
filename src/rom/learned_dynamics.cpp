#include "metarom/rom/learned_dynamics.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>

#include "metarom/error.hpp"
#include "metarom/rom/flow_statistics.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

Index compact_quadratic_size(Index r) { return r * (r + 1) / 2; }

Vector compact_quadratic(const Vector& u) {
  const Index r = u.size();
  Vector q(compact_quadratic_size(r));
  Index k = 0;
  for (Index i = 0; i < r; ++i)
    for (Index j = i; j < r; ++j) q(k++) = u(i) * u(j);
  return q;
}

LearnedDynamics::LearnedDynamics(Vector c, Matrix A, Matrix H) : c_(std::move(c)), A_(std::move(A)), H_(std::move(H)) {
  const Index r = c_.size();
  if (A_.rows() != r || A_.cols() != r || H_.rows() != r || H_.cols() != compact_quadratic_size(r))
    throw Error(fmt::format("learned dynamics: operators of sizes c {}, A {}x{}, H {}x{} do not fit r = {}", r,
                            A_.rows(), A_.cols(), H_.rows(), H_.cols(), r));
}

LearnedDynamics LearnedDynamics::interpolated(std::vector<std::string> names, Matrix points,
                                              std::vector<LearnedDynamics> runs, Report report) {
  if (runs.empty()) throw Error("learned dynamics: no runs to interpolate between");
  if (static_cast<Index>(runs.size()) != points.cols() || static_cast<Index>(names.size()) != points.rows())
    throw Error(fmt::format("learned dynamics: {} runs at {} parameter points of {} values, {} names", runs.size(),
                            points.cols(), points.rows(), names.size()));
  for (const LearnedDynamics& d : runs)
    if (d.parametric() || d.dim() != runs.front().dim() || d.report().closure_of != runs.front().report().closure_of)
      throw Error("learned dynamics: the runs to interpolate between differ in r, kind or are parametric themselves");
  LearnedDynamics d;
  d.report_ = std::move(report);
  d.report_.closure_of = runs.front().report().closure_of;
  ParameterInterpolation interpolation(std::move(points),
                                       fmt::format("learned dynamics over {}", fmt::join(names, ", ")));
  d.parametric_ = std::make_shared<const Parametric>(
      Parametric{std::move(names), std::move(interpolation), AffineTerms(), std::move(runs)});
  return d;
}

LearnedDynamics LearnedDynamics::affine(std::vector<std::string> names, AffineTerms terms,
                                        std::vector<LearnedDynamics> parts, Report report) {
  if (parts.empty() || static_cast<Index>(parts.size()) != terms.size())
    throw Error(fmt::format("learned dynamics: {} operator sets for {} affine terms", parts.size(), terms.size()));
  for (const LearnedDynamics& d : parts)
    if (d.parametric() || d.dim() != parts.front().dim() || !d.report().closure_of.empty())
      throw Error("learned dynamics: the affine parts differ in r, are closures or are parametric themselves");
  LearnedDynamics d;
  d.report_ = std::move(report);
  d.parametric_ = std::make_shared<const Parametric>(
      Parametric{std::move(names), ParameterInterpolation(), std::move(terms), std::move(parts)});
  return d;
}

int LearnedDynamics::dim() const {
  return parametric_ ? parametric_->runs.front().dim() : static_cast<int>(c_.size());
}

void LearnedDynamics::check_resolved() const {
  if (parametric_)
    throw Error(fmt::format("learned dynamics: the operators depend on {}; resolve them at a parameter point first "
                            "(at, at_settings)",
                            fmt::join(parametric_->names, ", ")));
}

const std::vector<std::string>& LearnedDynamics::parameter_names() const {
  static const std::vector<std::string> none;
  return parametric_ ? parametric_->names : none;
}

const Matrix& LearnedDynamics::parameter_points() const {
  static const Matrix none;
  return parametric_ ? parametric_->interpolation.points() : none;
}

const std::vector<std::string>& LearnedDynamics::affine_terms() const {
  static const std::vector<std::string> none;
  return parametric_ && parametric_->affine() ? parametric_->terms.terms() : none;
}

const std::vector<LearnedDynamics>& LearnedDynamics::runs() const {
  static const std::vector<LearnedDynamics> none;
  return parametric_ ? parametric_->runs : none;
}

namespace {
// Σ_j w_j O_j over operator sets of one r.
LearnedDynamics weighted_sum(const std::vector<LearnedDynamics>& parts, const Vector& w) {
  Vector c = Vector::Zero(parts.front().constant().size());
  Matrix A = Matrix::Zero(parts.front().linear().rows(), parts.front().linear().cols());
  Matrix H = Matrix::Zero(parts.front().quadratic().rows(), parts.front().quadratic().cols());
  for (size_t j = 0; j < parts.size(); ++j) {
    const double a = w(static_cast<Index>(j));
    c += a * parts[j].constant();
    A += a * parts[j].linear();
    H += a * parts[j].quadratic();
  }
  return LearnedDynamics(std::move(c), std::move(A), std::move(H));
}
}  // namespace

LearnedDynamics LearnedDynamics::at(const Vector& mu) const {
  if (!parametric_) return *this;
  const Parametric& p = *parametric_;
  LearnedDynamics d = weighted_sum(p.runs, p.affine() ? p.terms.values(mu) : p.interpolation.weights(mu));
  d.report_ = report_;
  std::vector<std::string> at;
  for (size_t i = 0; i < p.names.size(); ++i) at.push_back(fmt::format("{} = {:g}", p.names[i], mu(static_cast<Index>(i))));
  d.report_.parametric = p.affine() ? fmt::format("affine in ({}), at {}", fmt::join(p.terms.terms(), ", "),
                                                  fmt::join(at, ", "))
                                    : fmt::format("interpolated at {} between {} runs", fmt::join(at, ", "), p.runs.size());
  return d;
}

LearnedDynamics LearnedDynamics::at_settings(const Attributes& settings, const std::string& context) const {
  if (!parametric_) return *this;
  const auto& names = parametric_->names;
  Vector mu(static_cast<Index>(names.size()));
  for (size_t i = 0; i < names.size(); ++i) {
    if (!settings.has(names[i]))
      throw Error(fmt::format("{}: the learned operators depend on {}, which the model's settings do not give",
                              context, names[i]));
    mu(static_cast<Index>(i)) = settings.get_double(names[i], context);
  }
  return at(mu);
}

Vector LearnedDynamics::rhs(double, const Vector& u) const {
  check_resolved();
  return c_ + A_ * u + H_ * compact_quadratic(u);
}

Matrix LearnedDynamics::jacobian(double, const Vector& u) const {
  check_resolved();
  // ∂(u_i u_j)/∂u_m = δ_im u_j + δ_jm u_i.
  Matrix J = A_;
  const Index r = u.size();
  Index k = 0;
  for (Index i = 0; i < r; ++i)
    for (Index j = i; j < r; ++j, ++k) {
      J.col(i).noalias() += H_.col(k) * u(j);
      J.col(j).noalias() += H_.col(k) * u(i);
    }
  return J;
}

void LearnedDynamics::save(h5::Group& g) const {
  Attributes a;
  a.set("form", "quadratic");
  a.set("latent_dim", dim());
  a.set("lambda_linear", report_.lambda_linear);
  a.set("lambda_quadratic", report_.lambda_quadratic);
  a.set("lambda_automatic", report_.automatic ? 1 : 0);
  a.set("holdout_error", report_.holdout_error);
  a.set("residual", report_.residual);
  a.set("candidates", report_.candidates);
  a.set("samples", report_.samples);
  a.set("velocities", report_.velocities);
  a.set("sample_dt", report_.sample_dt);
  a.set("closure_of", report_.closure_of);
  a.set("selection", report_.selection);
  if (!report_.parametric.empty()) a.set("parametric_choice", report_.parametric);
  if (!parametric_) {
    g.write_attributes(a);
    g.write_vector("c", c_);
    g.write_matrix("A", A_);
    g.write_matrix("H", H_);
    return;
  }
  // Parameter-dependent: the runs' operators stacked along the first dimension (data/FORMAT.md).
  const auto& runs = parametric_->runs;
  const Index J = static_cast<Index>(runs.size()), r = dim(), q = compact_quadratic_size(r);
  a.set("parametric", parametric_->affine() ? "affine" : "interpolated");
  if (parametric_->affine()) a.set("terms", parametric_->terms.terms());
  else a.set("runs", static_cast<long long>(J));
  a.set("parameter_names", parametric_->names);
  g.write_attributes(a);
  Matrix c(r, J), A(r, J * r), H(r, J * q);
  for (Index j = 0; j < J; ++j) {
    const LearnedDynamics& d = runs[static_cast<size_t>(j)];
    c.col(j) = d.c_;
    A.middleCols(j * r, r) = d.A_;
    H.middleCols(j * q, q) = d.H_;
  }
  g.write_matrix("c", c);
  g.write_matrix("A", A);
  g.write_matrix("H", H);
  if (!parametric_->affine()) g.write_matrix("parameter_points", parametric_->interpolation.points());
}

LearnedDynamics LearnedDynamics::load(const h5::Group& g) {
  const Attributes a = g.read_attributes();
  const std::string form = a.get_string("form", g.where());
  if (form != "quadratic") throw Error(fmt::format("{}: latent dynamics of form '{}' (known: quadratic)", g.where(), form));
  const long long r = a.get_int("latent_dim", g.where());
  if (r < 1 || r > 100000) throw Error(fmt::format("{}: latent_dim {} is out of range", g.where(), r));
  const Index q = compact_quadratic_size(r);
  const std::string parametric = a.has("parametric") ? a.get_string("parametric", g.where()) : "";
  if (parametric != "" && parametric != "interpolated" && parametric != "affine")
    throw Error(fmt::format("{}: parametric dynamics of kind '{}' (known: interpolated, affine)", g.where(), parametric));
  LearnedDynamics d;
  if (parametric.empty()) {
    d = LearnedDynamics(g.read_vector("c", r), g.read_matrix("A", r, r), g.read_matrix("H", r, q));
  } else {
    const bool affine = parametric == "affine";
    std::vector<std::string> names = a.get_strings("parameter_names", g.where());
    AffineTerms terms;
    if (affine) terms = AffineTerms(a.get_strings("terms", g.where()), names, g.where());
    const long long J = affine ? terms.size() : a.get_count("runs", g.where());
    if (J < 1 || J > 1000000) throw Error(fmt::format("{}: {} operator sets is out of range", g.where(), J));
    const Matrix c = g.read_matrix("c", r, J), A = g.read_matrix("A", r, J * r), H = g.read_matrix("H", r, J * q);
    std::vector<LearnedDynamics> runs;
    for (Index j = 0; j < J; ++j)
      runs.emplace_back(c.col(j), A.middleCols(j * r, r), H.middleCols(j * q, q));
    ParameterInterpolation interpolation;
    if (!affine)
      interpolation = ParameterInterpolation(g.read_matrix("parameter_points", static_cast<long long>(names.size()), J),
                                             g.where("parameter_points"));
    d.parametric_ = std::make_shared<const Parametric>(
        Parametric{std::move(names), std::move(interpolation), std::move(terms), std::move(runs)});
    d.report_.parametric = affine ? "affine in functions of the parameters" : fmt::format("interpolated between {} runs", J);
  }
  Report& rep = d.report_;
  rep.lambda_linear = a.get_double("lambda_linear", g.where());
  rep.lambda_quadratic = a.get_double("lambda_quadratic", g.where());
  rep.automatic = a.get_int("lambda_automatic", g.where()) != 0;
  rep.holdout_error = a.get_double("holdout_error", g.where());
  rep.residual = a.get_double("residual", g.where());
  rep.candidates = a.get_count("candidates", g.where());
  rep.samples = a.get_int("samples", g.where());
  rep.velocities = a.get_string("velocities", g.where());
  rep.sample_dt = a.get_double("sample_dt", g.where());
  if (a.has("closure_of")) rep.closure_of = a.get_string("closure_of", g.where());
  if (rep.closure_of != "" && rep.closure_of != "galerkin" && rep.closure_of != "manifold-galerkin")
    throw Error(fmt::format("{}: closure of an unknown ROM '{}' (known: galerkin, manifold-galerkin)", g.where(),
                            rep.closure_of));
  if (a.has("selection")) rep.selection = a.get_string("selection", g.where());
  if (a.has("parametric_choice")) rep.parametric = a.get_string("parametric_choice", g.where());
  return d;
}

void LearnedDynamics::view(std::ostream& os) const {
  const Report& r = report_;
  if (r.closure_of.empty())
    os << fmt::format("learned latent dynamics du/dt = c + Au + H(u ⊗ u), r = {}, {} samples, {} velocities\n", dim(),
                      r.samples, r.velocities);
  else
    os << fmt::format("closure of the {} ROM: du/dt = g(u) + c + Au + H(u ⊗ u), r = {}, {} samples, {} velocities\n",
                      r.closure_of, dim(), r.samples, r.velocities);
  os << fmt::format("  λ₁ = {:.1e}, λ₂ = {:.1e} ({}", r.lambda_linear, r.lambda_quadratic,
                    r.automatic ? fmt::format("chosen among {} pairs", r.candidates) : std::string("given"));
  if (r.holdout_error >= 0)
    os << fmt::format(", {} {:.3e}", r.selection == "statistics" ? "statistics error" : "held-out error", r.holdout_error);
  os << fmt::format("); regression residual {:.3e}\n", r.residual);
  if (!r.parametric.empty()) os << fmt::format("  {}\n", r.parametric);
  if (parametric_ && parametric_->affine()) {
    os << fmt::format("  O(μ) = Σ_q θ_q(μ) O_q, θ = ({}) over {}\n", fmt::join(parametric_->terms.terms(), ", "),
                      fmt::join(parametric_->names, ", "));
  } else if (parametric_) {
    const Matrix& P = parametric_->interpolation.points();
    std::vector<std::string> at;
    for (Index j = 0; j < P.cols(); ++j) {
      std::vector<std::string> v;
      for (Index i = 0; i < P.rows(); ++i) v.push_back(fmt::format("{:g}", P(i, j)));
      at.push_back(P.rows() == 1 ? v.front() : fmt::format("({})", fmt::join(v, ", ")));
    }
    os << fmt::format("  runs at {} = {}\n", fmt::join(parametric_->names, ", "), fmt::join(at, ", "));
  }
}

LearnedDynamics regress_dynamics(const Matrix& U, const Matrix& Udot, double lambda_linear, double lambda_quadratic) {
  return regress_affine_dynamics(U, Udot, Matrix::Ones(1, U.cols()), lambda_linear, lambda_quadratic).front();
}

std::vector<LearnedDynamics> regress_affine_dynamics(const Matrix& U, const Matrix& Udot, const Matrix& Theta,
                                                     double lambda_linear, double lambda_quadratic) {
  const Index r = U.rows(), K = U.cols(), q = compact_quadratic_size(r), p0 = 1 + r + q, Q = Theta.rows(), p = Q * p0;
  if (Udot.rows() != r || Udot.cols() != K)
    throw Error(fmt::format("learned dynamics: {} x {} velocities for {} x {} states", Udot.rows(), Udot.cols(), r, K));
  if (Theta.cols() != K || Q < 1)
    throw Error(fmt::format("learned dynamics: {} x {} term values for {} samples", Q, Theta.cols(), K));
  if (K < 1 || !U.allFinite() || !Udot.allFinite() || !Theta.allFinite())
    throw Error("learned dynamics: the latent states, velocities or term values are empty or not finite");
  const double s = std::max(U.cwiseAbs().maxCoeff(), 1e-300);
  // One row per sample: θ(μ_k) ⊗ [1, ũᵀ, (ũ ⊗̂ ũ)ᵀ], ũ = u/s (one block per term).
  Matrix D(K + p, p);
  for (Index k = 0; k < K; ++k) {
    const Vector u = U.col(k) / s;
    const Vector uu = compact_quadratic(u);
    for (Index t = 0; t < Q; ++t) {
      const double th = Theta(t, k);
      D(k, t * p0) = th;
      D.block(k, t * p0 + 1, 1, r) = th * u.transpose();
      D.block(k, t * p0 + 1 + r, 1, q) = th * uu.transpose();
    }
  }
  const double scale = D.topRows(K).squaredNorm() / static_cast<double>(p);
  D.bottomRows(p).setZero();
  for (Index i = 0; i < p; ++i)
    D(K + i, i) = std::sqrt((i % p0 < 1 + r ? lambda_linear : lambda_quadratic) * scale);
  Matrix rhs = Matrix::Zero(K + p, r);
  rhs.topRows(K) = Udot.transpose() / s;
  const Matrix O = D.colPivHouseholderQr().solve(rhs);  // p x r: [c̃ Ã H̃]ᵀ per term
  LearnedDynamics::Report rep;
  rep.lambda_linear = lambda_linear;
  rep.lambda_quadratic = lambda_quadratic;
  rep.samples = K;
  const double vnorm = Udot.norm();
  rep.residual = vnorm > 0 ? (D.topRows(K) * O - rhs.topRows(K)).norm() * s / vnorm : 0.0;
  std::vector<LearnedDynamics> out;
  for (Index t = 0; t < Q; ++t) {
    const auto b = O.middleRows(t * p0, p0);
    out.emplace_back(s * b.row(0).transpose(), b.middleRows(1, r).transpose(), b.bottomRows(q).transpose() / s);
    out.back().set_report(rep);
  }
  return out;
}

namespace {
double spectral_radius(const LatentDynamics& g, const Vector& u0) {
  const Eigen::EigenSolver<Matrix> eig(g.jacobian(0, u0), false);
  return eig.info() == Eigen::Success ? eig.eigenvalues().cwiseAbs().maxCoeff() : 0.0;
}
int substeps(double rho, double dt) { return std::clamp(static_cast<int>(std::ceil(std::abs(dt) * rho / 2)), 1, 1000); }
}  // namespace

int rk4_substeps(const LatentDynamics& g, const Vector& u0, double dt) { return substeps(spectral_radius(g, u0), dt); }

Matrix integrate_rk4(const LatentDynamics& g, const Vector& u0, const Vector& t, double bound) {
  const Index r = u0.size(), T = t.size();
  Matrix out = Matrix::Constant(r, T, std::numeric_limits<double>::quiet_NaN());
  if (T == 0) return out;
  out.col(0) = u0;
  // Substeps for RK4's stability at u0, per interval (uneven samples are allowed).
  const double rho = spectral_radius(g, u0);
  Vector u = u0;
  for (Index k = 1; k < T; ++k) {
    const double span = t(k) - t(k - 1);
    const int m = substeps(rho, span);
    const double h = span / m;
    double tt = t(k - 1);
    for (int i = 0; i < m; ++i, tt += h) {
      const Vector k1 = g.rhs(tt, u), k2 = g.rhs(tt + h / 2, u + h / 2 * k1), k3 = g.rhs(tt + h / 2, u + h / 2 * k2),
                   k4 = g.rhs(tt + h, u + h * k3);
      u += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    if (!u.allFinite() || u.cwiseAbs().maxCoeff() > bound) return out;
    out.col(k) = u;
  }
  return out;
}

void OperatorInference::set_from_options(const std::string& prefix) {
  auto real = [&](const char* name, double& v) {
    PetscReal x = v;
    PetscBool set = PETSC_FALSE;
    METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, ("-" + prefix + name).c_str(), &x, &set));
    if (set) v = x;
    return set;
  };
  if (real("lambda_linear", lambda_linear) && lambda_linear < 0)
    throw Error(fmt::format("-{}lambda_linear must be >= 0, got {}", prefix, lambda_linear));
  if (real("lambda_quadratic", lambda_quadratic) && lambda_quadratic < 0)
    throw Error(fmt::format("-{}lambda_quadratic must be >= 0, got {}", prefix, lambda_quadratic));
  real("holdout", holdout);
  if (!(holdout > 0 && holdout < 1)) throw Error(fmt::format("-{}holdout must lie in (0, 1), got {}", prefix, holdout));
  char buf[64];
  PetscBool set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, ("-" + prefix + "velocity").c_str(), buf, sizeof buf, &set));
  if (set) velocity = buf;
  if (velocity != "auto" && velocity != "exact" && velocity != "reprojected" && velocity != "fd")
    throw Error(fmt::format("-{}velocity must be auto, exact, reprojected or fd, got '{}'", prefix, velocity));
  set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, ("-" + prefix + "select").c_str(), buf, sizeof buf, &set));
  if (set) select = buf;
  PetscBool shared = assume_shared ? PETSC_TRUE : PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetBool(nullptr, nullptr, ("-" + prefix + "assume_shared").c_str(), &shared, nullptr));
  assume_shared = shared;
  if (select != "auto" && select != "trajectory" && select != "statistics")
    throw Error(fmt::format("-{}select must be auto, trajectory or statistics, got '{}'", prefix, select));
  set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, ("-" + prefix + "parametric").c_str(), buf, sizeof buf, &set));
  if (set) parametric = buf;
  if (parametric != "auto" && parametric != "shared" && parametric != "interpolated" && parametric != "affine")
    throw Error(fmt::format("-{}parametric must be auto, shared, interpolated or affine, got '{}'", prefix, parametric));
  char terms[512];
  set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, ("-" + prefix + "affine").c_str(), terms, sizeof terms, &set));
  if (set) affine = terms;
}

namespace {
// How far a predicted latent trajectory P is from the data U in statistics (see the
// header): the time-mean state, and the mean and standard deviation of ‖u(t)‖².
double statistics_error(const Matrix& P, const Matrix& U) {
  const Vector mp = P.rowwise().mean(), mu = U.rowwise().mean();
  const double scale = std::sqrt(U.colwise().squaredNorm().mean());
  const SeriesStatistics ep = series_statistics(P.colwise().squaredNorm().transpose());
  const SeriesStatistics eu = series_statistics(U.colwise().squaredNorm().transpose());
  return (mp - mu).norm() / std::max(scale, 1e-300) + std::abs(ep.mean - eu.mean) / std::max(eu.mean, 1e-300) +
         std::abs(ep.std - eu.std) / std::max(eu.std, 1e-300);
}

// A non-owning handle, for dynamics that live on the stack while they are integrated.
template <class T>
std::shared_ptr<const T> borrowed(const T& x) {
  return std::shared_ptr<const T>(std::shared_ptr<const T>(), &x);
}
}  // namespace

ClosedDynamics::ClosedDynamics(std::shared_ptr<const LatentDynamics> base, std::shared_ptr<const LearnedDynamics> closure)
    : base_(std::move(base)), closure_(std::move(closure)) {
  if (base_->dim() != closure_->dim())
    throw Error(fmt::format("closure: the {} ROM has r = {}, its closure r = {}", base_->name(), base_->dim(),
                            closure_->dim()));
}

LearnedDynamics OperatorInference::fit(const Matrix& U, const Matrix& Udot, const Vector& t, const LatentDynamics* base,
                                       const std::vector<Index>& starts) const {
  return fit_runs(U, Udot, t, base, starts, Form::shared, Matrix()).front();
}

std::vector<LearnedDynamics> OperatorInference::fit_each(const Matrix& U, const Matrix& Udot, const Vector& t,
                                                         const std::vector<Index>& starts) const {
  return fit_runs(U, Udot, t, nullptr, starts, Form::each, Matrix());
}

std::vector<LearnedDynamics> OperatorInference::fit_affine(const Matrix& U, const Matrix& Udot, const Vector& t,
                                                           const Matrix& theta, const std::vector<Index>& starts) const {
  return fit_runs(U, Udot, t, nullptr, starts, Form::affine, theta);
}

std::vector<LearnedDynamics> OperatorInference::fit_runs(const Matrix& U, const Matrix& Udot, const Vector& t,
                                                         const LatentDynamics* base, const std::vector<Index>& starts,
                                                         Form form, const Matrix& theta) const {
  const Index K = U.cols();
  if (t.size() != K) throw Error(fmt::format("learned dynamics: {} times for {} samples", t.size(), K));
  const bool automatic = lambda_linear < 0 || lambda_quadratic < 0;
  const double l1 = std::max(lambda_linear, 0.0), l2 = std::max(lambda_quadratic, 0.0);
  const bool by_statistics = select == "statistics";
  // The trajectories: samples [begin, end) each, with their own times.
  struct Segment {
    Index begin, end;
    Index size() const { return end - begin; }
  };
  std::vector<Segment> segments;
  for (size_t j = 0; j < std::max<size_t>(starts.size(), 1); ++j) {
    const Index b = starts.empty() ? 0 : starts[j], e = j + 1 < starts.size() ? starts[j + 1] : K;
    if (b >= e || b < 0 || e > K) throw Error("learned dynamics: trajectory starts must increase within the samples");
    segments.push_back({b, e});
  }
  // A closure learns what the base ROM misses.
  Matrix target = Udot;
  if (base)
    for (Index k = 0; k < K; ++k) target.col(k) -= base->rhs(t(k), U.col(k));
  if (form == Form::affine && theta.cols() != static_cast<Index>(segments.size()))
    throw Error(fmt::format("learned dynamics: term values for {} trajectories, the samples hold {}", theta.cols(),
                            segments.size()));
  // The operators of trajectory j in a fit: its own (each), the one set (shared), or the terms'
  // combined at its θ (affine).
  using Fit = std::vector<LearnedDynamics>;
  auto of = [&](const Fit& d, size_t j) -> LearnedDynamics {
    if (form == Form::each) return d[j];
    if (form == Form::shared) return d[0];
    return weighted_sum(d, theta.col(static_cast<Index>(j)));
  };
  // Regression on the columns `cols` of each trajectory (all of them: every column).
  auto regress = [&](const std::vector<std::vector<Index>>& cols, double a, double b) {
    Fit d;
    auto take = [&](const std::vector<Index>& c, const std::vector<Index>& owner) {
      Matrix Us(U.rows(), static_cast<Index>(c.size())), Ts(U.rows(), static_cast<Index>(c.size()));
      Matrix Th(form == Form::affine ? theta.rows() : 1, static_cast<Index>(c.size()));
      for (size_t i = 0; i < c.size(); ++i) {
        Us.col(static_cast<Index>(i)) = U.col(c[i]);
        Ts.col(static_cast<Index>(i)) = target.col(c[i]);
        Th.col(static_cast<Index>(i)) = form == Form::affine ? Vector(theta.col(owner[i])) : Vector::Ones(1);
      }
      for (LearnedDynamics& x : regress_affine_dynamics(Us, Ts, Th, a, b)) d.push_back(std::move(x));
    };
    if (form == Form::each) {
      for (const auto& c : cols) take(c, {});
    } else {
      std::vector<Index> all, owner;
      for (size_t j = 0; j < cols.size(); ++j) {
        all.insert(all.end(), cols[j].begin(), cols[j].end());
        owner.insert(owner.end(), cols[j].size(), static_cast<Index>(j));
      }
      take(all, owner);
    }
    return d;
  };
  auto integrate = [&](const LearnedDynamics& d, const Vector& u0, const Vector& times, double bound) {
    if (!base) return integrate_rk4(d, u0, times, bound);
    try {
      return integrate_rk4(ClosedDynamics(borrowed(*base), borrowed(d)), u0, times, bound);
    } catch (const Error&) {
      // The base ROM refuses a state the candidate drove it to (a manifold Galerkin ROM
      // whose decoder saturates there): the candidate blew up. The refusal follows an
      // allreduce, so every rank sees it.
      return Matrix(Matrix::Constant(U.rows(), times.size(), std::numeric_limits<double>::quiet_NaN()));
    }
  };
  // Each trajectory's times over twice its span: candidates must stay bounded past the data.
  auto doubled = [&](const Segment& g) {
    const Index n = g.size();
    Vector tt(2 * n - 1);
    tt.head(n) = t.segment(g.begin, n);
    for (Index k = n; k < tt.size(); ++k) tt(k) = t(g.begin + k - n + 1) + (t(g.end - 1) - t(g.begin));
    return tt;
  };
  auto finish = [&](Fit& d, LearnedDynamics::Report rep) {
    double spacing = 0;
    for (const Segment& g : segments)
      spacing += g.size() > 1 ? (t(g.end - 1) - t(g.begin)) / static_cast<double>(g.size() - 1) : 0.0;
    rep.sample_dt = spacing / static_cast<double>(segments.size());
    rep.selection = by_statistics ? "statistics" : "trajectory";
    for (LearnedDynamics& x : d) {
      LearnedDynamics::Report own = rep;
      own.samples = x.report().samples;
      own.residual = x.report().residual;
      x.set_report(std::move(own));
    }
  };
  std::vector<std::vector<Index>> every;
  for (const Segment& g : segments) {
    every.emplace_back();
    for (Index k = g.begin; k < g.end; ++k) every.back().push_back(k);
  }
  if (automatic) {
    // Per trajectory: its first 1 − holdout samples train, the rest are held out.
    std::vector<std::vector<Index>> kept;
    std::vector<Index> train_size;
    for (const Segment& g : segments) {
      if (g.size() < 3) throw Error("learned dynamics: choosing λ needs at least 3 samples per trajectory (or give both λ)");
      const Index n = std::clamp<Index>(static_cast<Index>(std::lround((1 - holdout) * g.size())), 2, g.size() - 1);
      train_size.push_back(n);
      kept.emplace_back();
      for (Index k = g.begin; k < g.begin + n; ++k) kept.back().push_back(k);
    }
    const double range = U.cwiseAbs().maxCoeff();
    // A candidate's score: the relative error over every trajectory's held-out samples (or the
    // mean statistics error); infinity when any trajectory leaves 10× the data's range.
    auto score = [&](const Fit& d) {
      double num = 0, den = 0, stats = 0;
      for (size_t j = 0; j < segments.size(); ++j) {
        const Segment& g = segments[j];
        const Matrix pred = integrate(of(d, j), U.col(g.begin), doubled(g), 10 * range + 1e-300);
        if (!pred.allFinite()) return std::numeric_limits<double>::infinity();
        const Index n = train_size[j];
        const auto held = U.middleCols(g.begin + n, g.size() - n);
        num += (pred.middleCols(n, g.size() - n) - held).squaredNorm();
        den += held.squaredNorm();
        if (by_statistics) stats += statistics_error(pred, U.middleCols(g.begin, g.size()));
      }
      return by_statistics ? stats / static_cast<double>(segments.size()) : std::sqrt(num / std::max(den, 1e-300));
    };
    auto bounded = [&](const Fit& d) {
      for (size_t j = 0; j < segments.size(); ++j)
        if (!integrate(of(d, j), U.col(segments[j].begin), doubled(segments[j]), 10 * range + 1e-300).allFinite())
          return false;
      return true;
    };
    struct Candidate {
      double error, a, b;
    };
    std::vector<Candidate> scored;
    int candidates = 0;
    std::vector<double> grid1, grid2;
    for (int e = -12; e <= 2; e += 2) grid1.push_back(lambda_linear >= 0 ? lambda_linear : std::pow(10.0, e));
    for (int e = -12; e <= 4; e += 2) grid2.push_back(lambda_quadratic >= 0 ? lambda_quadratic : std::pow(10.0, e));
    grid1.erase(std::unique(grid1.begin(), grid1.end()), grid1.end());
    grid2.erase(std::unique(grid2.begin(), grid2.end()), grid2.end());
    for (double a : grid1)
      for (double b : grid2) {
        ++candidates;
        const double e = score(regress(kept, a, b));
        if (std::isfinite(e)) scored.push_back({e, a, b});
      }
    std::stable_sort(scored.begin(), scored.end(), [](const Candidate& x, const Candidate& y) { return x.error < y.error; });
    // The operators refitted on all samples must pass the same bound: the best candidate
    // whose refit does is taken.
    for (const Candidate& c : scored) {
      Fit d = regress(every, c.a, c.b);
      if (!bounded(d)) continue;
      LearnedDynamics::Report rep = d.front().report();
      rep.automatic = true;
      rep.holdout_error = c.error;
      rep.candidates = candidates;
      finish(d, std::move(rep));
      return d;
    }
    throw Error(fmt::format("learned dynamics: every one of the {} λ pairs gave a latent model that leaves 10× the "
                            "data's range within twice the training span; give -latent_dynamics_lambda_* to force one",
                            candidates));
  }
  Fit d = regress(every, l1, l2);
  finish(d, d.front().report());
  return d;
}

Matrix finite_difference_velocities(const Matrix& U, const Vector& t) {
  const Index K = U.cols();
  if (t.size() != K) throw Error(fmt::format("finite-difference velocities: {} times for {} samples", t.size(), K));
  if (K < 5) throw Error(fmt::format("finite-difference velocities need at least 5 samples, got {}", K));
  for (Index k = 1; k < K; ++k)
    if (!(t(k) > t(k - 1))) throw Error("finite-difference velocities: the times must increase");
  Matrix V(U.rows(), K);
  for (Index k = 0; k < K; ++k) {
    const Index first = std::clamp<Index>(k - 2, 0, K - 5);
    // Fornberg (1988): weights of the first derivative at t_k on the stencil t_first..t_first+4.
    constexpr int m = 5;
    double c[m][2] = {};
    const double z = t(k);
    double c1 = 1, c4 = t(first) - z;
    c[0][0] = 1;
    for (int i = 1; i < m; ++i) {
      const int mn = std::min(i, 1);
      double c2 = 1;
      const double c5 = c4;
      c4 = t(first + i) - z;
      for (int j = 0; j < i; ++j) {
        const double c3 = t(first + i) - t(first + j);
        c2 *= c3;
        if (j == i - 1) {
          for (int d = mn; d >= 1; --d) c[i][d] = c1 * (d * c[i - 1][d - 1] - c5 * c[i - 1][d]) / c2;
          c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
        }
        for (int d = mn; d >= 1; --d) c[j][d] = (c4 * c[j][d] - d * c[j][d - 1]) / c3;
        c[j][0] = c4 * c[j][0] / c3;
      }
      c1 = c2;
    }
    V.col(k).setZero();
    for (int i = 0; i < m; ++i) V.col(k) += c[i][1] * U.col(first + i);
  }
  return V;
}

Matrix latent_velocities(const Reducer& reducer, const Matrix& U, const Matrix& F) {
  const Index r = U.rows(), K = U.cols();
  if (F.cols() != K || F.rows() != reducer.rows().local())
    throw Error(fmt::format("latent velocities: {} x {} state velocities for {} samples of {} local rows", F.rows(),
                            F.cols(), K, reducer.rows().local()));
  const MPI_Comm comm = reducer.rows().comm;
  if (reducer.affine_decoder()) {
    // One Jacobian for every sample: (JᵀJ)⁻¹JᵀF, one allreduce.
    const Matrix J = reducer.decoder_jacobian(Vector::Zero(r));
    Matrix prod(r, r + K);
    prod.leftCols(r) = J.transpose() * J;
    prod.rightCols(K) = J.transpose() * F;
    allreduce_sum(comm, prod.data(), prod.size());
    return prod.leftCols(r).ldlt().solve(prod.rightCols(K));
  }
  Matrix V(r, K);
  const Normalization* norm = reducer.normalization();
  if (norm && norm->modes > 0) {
    // decode(u) = x̄ + sΦψ(u) with orthonormal Φ: J⁺f = (∂ψ/∂u)⁺ Φᵀf/s, so Φᵀf is formed once
    // for all samples and each sample costs K-dimensional work only.
    Matrix G = norm->basis.transpose() * F;
    allreduce_sum(comm, G.data(), G.size());
    G /= norm->scale;
    for (Index k = 0; k < K; ++k) {
      const Matrix Js = reducer.network_jacobian(U.col(k));
      V.col(k) = pseudo_inverse_solve(Js.transpose() * Js, Js.transpose() * G.col(k), "latent velocities");
    }
    return V;
  }
  for (Index k = 0; k < K; ++k) {
    const Matrix J = reducer.decoder_jacobian(U.col(k));
    Matrix prod(r, r + 1);
    prod.leftCols(r) = J.transpose() * J;
    prod.col(r) = J.transpose() * F.col(k);
    allreduce_sum(comm, prod.data(), prod.size());
    V.col(k) = pseudo_inverse_solve(prod.leftCols(r), prod.col(r), "latent velocities");
  }
  return V;
}

LearnedDynamics fit_learned_dynamics(const Reducer& reducer, const SnapshotSet& train, const FullOrderModel* model,
                                     const Matrix& recorded_rhs, const OperatorInference& settings,
                                     const LatentDynamics* base, const std::string& base_type) {
  const Matrix U = reducer.encode(train.X);
  const Index J = train.trajectory_count();
  const bool recorded = recorded_rhs.cols() > 0;
  std::string source = settings.velocity;
  if (source == "auto") source = recorded ? "recorded" : model ? "exact" : "fd";
  if (source == "exact" && recorded) source = "recorded";
  // A parametric set: the model of each trajectory, rebuilt at its parameters (in the rows the
  // set is held in). One operator set fits all of them where the parameters enter the initial
  // state only; where they change the right-hand side, each run gets its own, interpolated in
  // the parameters (settings.parametric).
  const bool several = J > 1 && !train.parameter_names.empty();
  std::string mode = settings.assume_shared ? "shared" : settings.parametric;
  std::string reason = "as asked (-latent_dynamics_parametric)";
  std::vector<std::unique_ptr<FullOrderModel>> own;
  if (several && model) {
    for (Index j = 0; j < J; ++j) {
      own.push_back(create_model(train.rows.comm, trajectory_provenance(train, j),
                                 fmt::format("learned dynamics: trajectory {}", j)));
      if (own.back()->rows().begin != train.rows.begin || own.back()->rows().end != train.rows.end)
        throw Error("learned dynamics: the rebuilt models hold other rows than the training set");
    }
    const Index k0 = train.trajectory_begin(0);
    const Matrix f0 = own[0]->rhs(train.t(k0), train.X.col(k0));
    const double scale = allreduce_sum(train.rows.comm, f0.squaredNorm());
    Index changes = 0;
    for (Index j = 1; j < J && !changes; ++j) {
      const double d = allreduce_sum(train.rows.comm, (own[j]->rhs(train.t(k0), train.X.col(k0)) - f0).squaredNorm());
      if (d > 1e-24 * scale) changes = j;
    }
    if (changes && mode == "shared")
      throw Error(fmt::format("learned dynamics: the parameters ({}) change the right-hand side (trajectory {} against "
                              "trajectory 0): one operator set cannot fit them all; use one per run, interpolated in "
                              "the parameters (-latent_dynamics_parametric interpolated or auto)",
                              fmt::join(train.parameter_names, ", "), changes));
    if (mode == "auto") {
      mode = changes ? "interpolated" : "shared";
      reason = changes ? "the parameters change the right-hand side" : "the parameters enter the initial state only";
    }
  }
  if (several && !model && mode == "auto")
    throw Error(fmt::format("learned dynamics: the training set holds {} runs at different {} and no full model to check "
                            "whether these change the right-hand side; if they enter the initial state only, say so "
                            "with -latent_dynamics_parametric shared (one operator set then fits every run), else "
                            "-latent_dynamics_parametric interpolated (one per run, interpolated in the parameters)",
                            J, fmt::join(train.parameter_names, ", ")));
  if ((mode == "interpolated" || mode == "affine") && !several)
    throw Error(fmt::format("learned dynamics: -latent_dynamics_parametric {} needs a training set of several runs "
                            "with named parameters",
                            mode));
  if ((mode == "interpolated" || mode == "affine") && base)
    throw Error(fmt::format("learned dynamics: a closure of parameter-dependent operators is not built ({} change the "
                            "right-hand side, and with it the Galerkin ROM a closure corrects); use -latent_dynamics "
                            "learned, or the Galerkin ROM itself",
                            fmt::join(train.parameter_names, ", ")));
  auto model_of = [&](Index k) -> const FullOrderModel* {
    if (own.empty()) return model;
    Index j = 0;
    while (j + 1 < J && train.trajectory_begin(j + 1) <= k) ++j;
    return own[j].get();
  };
  auto model_rhs = [&](const Matrix& X) {
    if (!model)
      throw Error("learned dynamics: " + settings.velocity +
                  " velocities need the full model's right-hand side (a heat or qg training set, or a recording "
                  "made with -ts_trajectory_metarom_rhs); use finite differences (-latent_dynamics_velocity fd)");
    Matrix F(X.rows(), X.cols());
    for (Index k = 0; k < X.cols(); ++k) F.col(k) = model_of(k)->rhs(train.t(k), X.col(k));
    return F;
  };
  Matrix V;
  if (source == "fd") {
    // Along each trajectory (never across the seam between two).
    V.resize(U.rows(), U.cols());
    for (Index j = 0; j < J; ++j) {
      const Index b = train.trajectory_begin(j), n = train.trajectory_end(j) - b;
      V.middleCols(b, n) = finite_difference_velocities(U.middleCols(b, n), train.t.segment(b, n));
    }
  } else if (source == "recorded") {
    V = latent_velocities(reducer, U, recorded_rhs);
  } else if (source == "exact") {
    V = latent_velocities(reducer, U, model_rhs(train.X));
  } else {
    V = latent_velocities(reducer, U, model_rhs(reducer.decode(U)));
  }
  OperatorInference s = settings;
  if (s.select == "auto") s.select = model && model->chaotic() ? "statistics" : "trajectory";
  const std::string velocities = source == "fd" ? "finite-difference" : source;
  if (mode == "affine") {
    // θ(μ_j) of each run; the terms must tell the runs apart (Θ of full row rank).
    const std::vector<std::string>& names = train.parameter_names;
    std::string spec = settings.affine;
    if (spec.empty()) spec = "1," + fmt::format("{}", fmt::join(names, ","));
    AffineTerms terms(spec, names, "-latent_dynamics_affine");
    Matrix theta(terms.size(), J);
    for (Index j = 0; j < J; ++j) theta.col(j) = terms.values(train.trajectory_parameters(j));
    if (!theta.allFinite())
      throw Error(fmt::format("learned dynamics: an affine term ({}) is not finite at a training run's parameters",
                              fmt::join(terms.terms(), ", ")));
    if (Eigen::FullPivLU<Matrix>(theta).rank() < terms.size())
      throw Error(fmt::format("learned dynamics: the terms ({}) take linearly dependent values over the {} runs, so "
                              "their operators cannot be told apart; use fewer terms or more runs",
                              fmt::join(terms.terms(), ", "), J));
    std::vector<LearnedDynamics> parts = s.fit_affine(U, V, train.t, theta, train.starts);
    LearnedDynamics::Report rep = parts.front().report();
    rep.velocities = velocities;
    rep.parametric = fmt::format("affine in ({}) over {} runs: {}", fmt::join(terms.terms(), ", "), J, reason);
    return LearnedDynamics::affine(names, std::move(terms), std::move(parts), std::move(rep));
  }
  if (mode == "interpolated") {
    std::vector<LearnedDynamics> runs = s.fit_each(U, V, train.t, train.starts);
    Matrix points(static_cast<Index>(train.parameter_names.size()), J);
    double num = 0;
    for (Index j = 0; j < J; ++j) {
      points.col(j) = train.trajectory_parameters(j);
      LearnedDynamics::Report own = runs[static_cast<size_t>(j)].report();
      const double vn = V.middleCols(train.trajectory_begin(j), train.trajectory_end(j) - train.trajectory_begin(j)).norm();
      num += own.residual * own.residual * vn * vn;
      own.velocities = velocities;
      runs[static_cast<size_t>(j)].set_report(std::move(own));
    }
    LearnedDynamics::Report rep = runs.front().report();
    rep.samples = U.cols();
    rep.residual = V.norm() > 0 ? std::sqrt(num) / V.norm() : 0.0;
    rep.parametric = fmt::format("one operator set per run, interpolated in {}: {}", fmt::join(train.parameter_names, ", "),
                                 reason);
    return LearnedDynamics::interpolated(train.parameter_names, std::move(points), std::move(runs), std::move(rep));
  }
  LearnedDynamics d = s.fit(U, V, train.t, base, train.starts);
  LearnedDynamics::Report rep = d.report();
  rep.velocities = velocities;
  rep.closure_of = base ? base_type : "";
  if (several) rep.parametric = fmt::format("one operator set shared by {} runs: {}", J, reason);
  d.set_report(std::move(rep));
  return d;
}

namespace {
void check_latent_dynamics_kind(const std::string& kind) {
  if (kind != "learned" && kind != "closure")
    throw Error("latent dynamics are 'learned' or 'closure', got '" + kind + "'");
}
}  // namespace

bool latent_dynamics_need_model(const std::string& kind, const OperatorInference& settings) {
  check_latent_dynamics_kind(kind);
  return kind == "closure" || settings.velocity != "fd";
}

LearnedDynamics fit_latent_dynamics(const std::string& kind, const Reducer& reducer, const SnapshotSet& train,
                                    const FullOrderModel* model, const Matrix& recorded_rhs,
                                    const OperatorInference& settings, const LatentRomSettings& rom_settings) {
  check_latent_dynamics_kind(kind);
  if (kind == "learned") return fit_learned_dynamics(reducer, train, model, recorded_rhs, settings);
  if (!model)
    throw Error("a closure corrects the Galerkin ROM of the full model that made the snapshots, but there is none "
                "metarom can rebuild");
  const std::string base_type = rom_kind_name(LatentRom::galerkin_kind(*model, reducer));
  const auto base = galerkin_dynamics(base_type, *model, reducer, rom_settings);
  return fit_learned_dynamics(reducer, train, model, recorded_rhs, settings, base.get(), base_type);
}

}  // namespace metarom
