#include "metarom/rom/manifold_rom.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "metarom/error.hpp"
#include "metarom/reducers/normalization.hpp"

namespace metarom {

namespace {
// Whether the reducer decodes through a POD stage (x = x̄ + V y) whose K-dimensional Galerkin
// model is free of n: on a linear or quadratic model (projected once), or hyper-reduced.
bool has_pod_stage(const FullOrderModel& model, const Reducer& reducer, bool hyper_reduced) {
  const Normalization* norm = reducer.normalization();
  return norm && norm->modes > 0 && (hyper_reduced || model.quadratic_structure());
}

// That stage as a K-dimensional Galerkin model; null where there is none. Throws where a
// hyper-reduction is given that the stage cannot take.
std::unique_ptr<LatentDynamics> pod_stage(const FullOrderModel& model, const Reducer& reducer,
                                          const HyperReduction* hyper_reduction) {
  if (hyper_reduction) {
    if (reducer.affine_decoder())
      throw Error("manifold ROM: a hyper-reduction of the affine " + reducer.type() +
                  " decoder makes its Galerkin ROM galerkin-hr, not a manifold ROM");
    const HyperReductionBasis stage = hyper_reduction_basis(reducer);  // throws without a stage
    if (!hyper_reduction->ecsw() && hyper_reduction->basis.rows() != stage.V.rows())
      throw Error("manifold ROM: the hyper-reduction's right-hand-side basis does not match the POD stage's rows");
    return std::make_unique<HyperReducedGalerkinRom>(model, stage, *hyper_reduction);
  }
  if (!has_pod_stage(model, reducer, false)) return nullptr;
  const Normalization* norm = reducer.normalization();
  return std::make_unique<QuadraticGalerkinRom>(model, norm->mean, norm->undo_linear(Matrix::Identity(norm->modes, norm->modes)));
}
}  // namespace

ManifoldLspgRom::ManifoldLspgRom(const FullOrderModel& model, const Reducer& reducer, Settings s,
                                 std::shared_ptr<const HyperReduction> hyper_reduction)
    : model_(model), reducer_(reducer), s_(s) {
  // The full residual evaluates f everywhere: a hyper-reduction serves the stage residual only.
  if (s_.residual != Residual::full) {
    stage_ = pod_stage(model, reducer, hyper_reduction.get());
    hyper_reduced_ = hyper_reduction != nullptr;
    if (!stage_ && s_.residual == Residual::stage)
      throw Error("manifold LSPG: -rom_lspg_residual stage needs a neural reducer with a POD stage (-ae_pod_modes > 0) "
                  "and a linear or quadratic model, or a hyper-reduction (-hr_method)");
  }
}

ManifoldLspgRom::~ManifoldLspgRom() = default;

bool ManifoldLspgRom::stage_available(const FullOrderModel& model, const Reducer& reducer, bool hyper_reduced) {
  return has_pod_stage(model, reducer, hyper_reduced);
}

template <class F>
Vector ManifoldLspgRom::gauss_newton(Vector u, double t_next, MPI_Comm comm, F&& residual) const {
  const Index r = u.size();
  for (int it = 0; it < s_.max_iterations; ++it) {
    const auto [R, JR] = residual(u);
    Matrix normal(r, r + 1);
    normal.leftCols(r) = JR.transpose() * JR;
    normal.col(r) = JR.transpose() * R;
    if (comm != MPI_COMM_NULL) allreduce_sum(comm, normal.data(), normal.size());
    normal.leftCols(r).diagonal().array() += s_.damping;
    Eigen::LDLT<Matrix> H(normal.leftCols(r));
    if (H.info() != Eigen::Success) throw Error("manifold LSPG: singular normal equations");
    const Vector delta = -H.solve(normal.col(r));
    if (!delta.allFinite()) throw Error(fmt::format("manifold LSPG: the Gauss–Newton step at t = {:.6g} is not finite", t_next));
    u += delta;
    if (delta.norm() <= s_.tolerance * (1 + u.norm())) return u;
  }
  return u;  // the last iterate: LSPG's tolerance is a target, not a requirement
}

Vector ManifoldLspgRom::step(const Vector& uk, double t_next, double dt) const {
  if (stage_) {
    // Replicated K-dimensional work: ψ, ∂ψ/∂u, the stage's G and ∂G/∂y.
    const Vector yk = reducer_.network_decode(uk).col(0);
    return gauss_newton(uk, t_next, MPI_COMM_NULL, [&](const Vector& u) {
      const auto [y, Js] = reducer_.network_decode_jacobian(u);
      Vector R = y - yk - dt * stage_->rhs(t_next, y);
      Matrix JR = Js - dt * (stage_->jacobian(t_next, y) * Js);
      return std::pair<Vector, Matrix>{std::move(R), std::move(JR)};
    });
  }
  const Vector xk = reducer_.decode(uk).col(0);
  return gauss_newton(uk, t_next, model_.rows().comm, [&](const Vector& u) {
    const Vector x = reducer_.decode(u).col(0);
    Vector R = x - xk - dt * model_.rhs(t_next, x).col(0);
    const Matrix J = reducer_.decoder_jacobian(u);
    Matrix JR = J - dt * model_.apply_jacobian(t_next, x, J);
    return std::pair<Vector, Matrix>{std::move(R), std::move(JR)};
  });
}


LatentTrajectory ManifoldLspgRom::solve(const Vector& u0, const TimeGrid& grid) const {
  return march_latent(
      u0, grid, [&](const Vector& u, double t_next, double dt) { return step(u, t_next, dt); },
      stage_ ? (hyper_reduced_ ? "lspg-beuler (hyper-reduced stage residual)" : "lspg-beuler (stage residual)")
             : "lspg-beuler");
}


Matrix pseudo_inverse_solve(const Matrix& N, const Matrix& c, const std::string& what) {
  if (!N.allFinite() || !c.allFinite()) throw Error(what + ": JᵀJ or Jᵀf is not finite at the current latent state");
  // Well conditioned (the usual case): Cholesky, a few µs at r = 20.
  const Eigen::LLT<Matrix> llt(N);
  if (llt.info() == Eigen::Success && llt.rcond() > 1e-10) return llt.solve(c);
  // An eigen-decomposition of the r x r normal matrix costs nothing next to decoding.
  Eigen::SelfAdjointEigenSolver<Matrix> eig(N);
  if (eig.info() != Eigen::Success) throw Error(what + ": the eigen-decomposition of JᵀJ failed");
  const Vector& lambda = eig.eigenvalues();
  if (!(lambda.maxCoeff() > 0)) throw Error(what + ": the decoder Jacobian is zero at the current latent state");
  const double cut = 1e-14 * lambda.maxCoeff();
  Matrix y = eig.eigenvectors().transpose() * c;
  for (Index i = 0; i < y.rows(); ++i) y.row(i) *= lambda(i) > cut ? 1 / lambda(i) : 0.0;
  return eig.eigenvectors() * y;
}

ManifoldGalerkinRom::ManifoldGalerkinRom(const FullOrderModel& model, const Reducer& reducer, double damping,
                                         std::shared_ptr<const HyperReduction> hyper_reduction)
    : model_(model), reducer_(reducer), hyper_reduced_(hyper_reduction != nullptr) {
  require_same_rows(model, reducer, "manifold Galerkin ROM");
  stage_ = pod_stage(model, reducer, hyper_reduction.get());
  damped_.delta = damping >= 0 ? damping : default_manifold_damping(reducer);
}

double default_manifold_damping(const Reducer& reducer) { return reducer.affine_decoder() ? 0.0 : 1e-4; }

Matrix DampedNormalSolve::operator()(Matrix N, const Matrix& c, const std::string& what) const {
  if (delta > 0) {
    if (mu_ < 0) mu_ = delta * Eigen::SelfAdjointEigenSolver<Matrix>(N, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
    N.diagonal().array() += mu_;
    // λ_min(N + μI) ≥ μ and λ_max ≤ trace, so cond₂ ≤ trace/μ: where that bound is below
    // pseudo_inverse_solve's 1e10, Cholesky needs no condition estimate (which cost as much
    // as the factorization and solve together at r = 5).
    if (mu_ > 0 && N.trace() < 1e10 * mu_ && N.allFinite() && c.allFinite()) {
      const Eigen::LLT<Matrix> llt(N);
      if (llt.info() == Eigen::Success) return llt.solve(c);
    }
  }
  return pseudo_inverse_solve(N, c, what);
}

ManifoldGalerkinRom::~ManifoldGalerkinRom() = default;

const ManifoldGalerkinRom::Network& ManifoldGalerkinRom::network(const Vector& u) const {
  if (last_.u.size() != u.size() || last_.u != u) {
    std::tie(last_.y, last_.Js) = reducer_.network_decode_jacobian(u);
    last_.u = u;
    last_.t = NAN;
  }
  return last_;
}

const ManifoldGalerkinRom::Network& ManifoldGalerkinRom::stage_velocity(double t, const Vector& u) const {
  network(u);
  if (!(last_.t == t)) {
    last_.G = stage_->rhs(t, last_.y);
    last_.g = solve(last_.Js.transpose() * last_.Js, last_.Js.transpose() * last_.G);
    last_.t = t;
  }
  return last_;
}

Vector ManifoldGalerkinRom::rhs(double t, const Vector& u) const {
  const Index r = u.size();
  if (stage_) {
    // Replicated K-dimensional work only: ψ(u), the stage's Galerkin RHS and ∂ψ/∂u.
    return stage_velocity(t, u).g;
  }
  const Matrix x = reducer_.decode(u);
  const Matrix f = model_.rhs(t, x);
  const Matrix J = reducer_.decoder_jacobian(u);
  Matrix prod(r, r + 1);
  prod.leftCols(r) = J.transpose() * J;
  prod.col(r) = J.transpose() * f.col(0);
  allreduce_sum(model_.rows().comm, prod.data(), prod.size());
  return solve(prod.leftCols(r), prod.col(r));
}

Matrix ManifoldGalerkinRom::jacobian(double t, const Vector& u) const {
  const Index r = u.size();
  if (stage_) {
    // g = N⁻¹JsᵀG(ψ(u)), N = JsᵀJs (+ μI): ∂g/∂u = N⁻¹[C(G − Js g) + Jsᵀ G_y Js − Jsᵀ D(g)] with
    // C(v) = Σ_k v_k ∇²ψ_k and D(w) = Σ_m w_m ∂Js/∂u_m (the network's second derivatives;
    // exact). Without them, the Gauss–Newton part N⁻¹Jsᵀ G_y Js.
    const Network& net = stage_velocity(t, u);  // G and g as rhs() left them at (t, u)
    const Vector& y = net.y;
    const Matrix& Js = net.Js;
    const Vector& G = net.G;
    const Vector& g = net.g;
    const Matrix N = Js.transpose() * Js;
    Matrix inner = Js.transpose() * (stage_->jacobian(t, y) * Js);
    const auto [C, D] = reducer_.network_second_derivatives(u, G - Js * g, g);
    if (C.size() && D.size()) inner += C - Js.transpose() * D;
    return solve(N, inner);
  }
  const Vector x = reducer_.decode(u).col(0);
  const Matrix J = reducer_.decoder_jacobian(u);
  Matrix prod(r, 2 * r);
  prod.leftCols(r) = J.transpose() * J;
  prod.rightCols(r) = J.transpose() * model_.apply_jacobian(t, x, J);
  allreduce_sum(model_.rows().comm, prod.data(), prod.size());
  return solve(prod.leftCols(r), prod.rightCols(r));
}


}  // namespace metarom
