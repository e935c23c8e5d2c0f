#include "metarom/rom/hyper_reduction.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>

#include "metarom/error.hpp"
#include "metarom/io/attributes.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/linalg/nonnegative_least_squares.hpp"
#include "metarom/linalg/tsqr.hpp"
#include "metarom/reducers/neural_reducer.hpp"
#include "metarom/reducers/normalization.hpp"
#include "metarom/rom/galerkin_rom.hpp"

namespace metarom {

namespace {
PetscErrorCode hr_options(const char* prefix, HyperReductionSettings* s) {
  char method[32];
  PetscBool set;
  PetscInt modes = s->modes, points = s->points;
  PetscReal tolerance = s->tolerance;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Hyper-reduction (metarom)", "HyperReduction");
  PetscCall(PetscOptionsString("-hr_method",
                               "Sample rows of the right-hand side: deim, qdeim, ecsw, or none (no hyper-reduction)",
                               "HyperReduction", s->method.c_str(), method, sizeof method, &set));
  PetscCall(PetscOptionsInt("-hr_modes",
                            "Right-hand-side modes m (POD of f at the projected training states; 0: max(20, 2r), "
                            "at most the snapshots' numerical rank)",
                            "HyperReduction", modes, &modes, nullptr));
  PetscCall(PetscOptionsInt("-hr_points",
                            "Sample rows: deim, qdeim s >= m (0: m; more: oversampled by determinant maximization); "
                            "ecsw: at most this many (0: no cap)",
                            "HyperReduction", points, &points, nullptr));
  PetscCall(PetscOptionsReal("-hr_tolerance", "ECSW: relative error allowed in the training snapshots' reduced forces",
                             "HyperReduction", tolerance, &tolerance, nullptr));
  PetscOptionsEnd();
  s->tolerance = tolerance;
  if (set) s->method = method;
  s->modes = static_cast<int>(modes);
  s->points = static_cast<int>(points);
  PetscFunctionReturn(0);
}
}  // namespace

void HyperReductionSettings::set_from_options(const std::string& prefix) {
  METAROM_PETSC(hr_options(petsc_prefix(prefix), this));
  check();
}

void HyperReductionSettings::check() const {
  if (method != "deim" && method != "qdeim" && method != "ecsw" && method != "none")
    throw Error(fmt::format("-hr_method is deim, qdeim, ecsw or none, got '{}'", method));
  if (!enabled()) return;
  if (method == "ecsw") {
    if (!(tolerance >= 0 && tolerance < 1))
      throw Error(fmt::format("-hr_tolerance must be in [0, 1), got {}", tolerance));
    if (points < 0) throw Error(fmt::format("-hr_points must be >= 0, got {}", points));
    return;
  }
  if (modes < 0) throw Error(fmt::format("-hr_modes must be >= 1 (or 0: max(20, 2r)), got {}", modes));
  if (points != 0 && points < modes)
    throw Error(fmt::format("-hr_points {} is fewer than the {} modes (-hr_modes): interpolation needs at "
                            "least one sample row per mode",
                            points, modes));
}

HyperReduction HyperReduction::fit(const Matrix& F_local, const RowPartition& rows, const HyperReductionSettings& s,
                                   Index r) {
  s.check();
  if (!s.enabled()) throw Error("hyper-reduction: -hr_method none asks for none");
  if (s.method == "ecsw") throw Error("hyper-reduction: ECSW weighs the Galerkin ROM's rows: HyperReduction::fit_ecsw");
  if (F_local.rows() != rows.local())
    throw Error(fmt::format("hyper-reduction: right-hand-side snapshots have {} local rows, the state {}",
                            F_local.rows(), rows.local()));
  const long long available = std::min<long long>(rows.global, F_local.cols());
  if (s.modes > available)
    throw Error(fmt::format("-hr_modes {} exceeds the rank bound of {} right-hand-side snapshots of {} values",
                            s.modes, F_local.cols(), rows.global));
  if (s.points > rows.global)
    throw Error(fmt::format("-hr_points {} exceeds the state's {} rows", s.points, rows.global));
  HyperReduction hr;
  const DistributedSvd svd(F_local, rows.comm);
  hr.sigma = svd.sigma();
  Index m = s.modes;
  if (m == 0) {
    // Automatic: max(20, 2r), no more than the snapshots' numerical rank.
    Index rank = 0;
    while (rank < hr.sigma.size() && hr.sigma(rank) > 1e-14 * hr.sigma(0)) ++rank;
    m = std::min<Index>(s.modes_for(r), rank);
    if (m < 1) throw Error("hyper-reduction: the right-hand-side snapshots are zero");
  } else if (hr.sigma(m - 1) <= 1e-14 * hr.sigma(0)) {
    throw Error(fmt::format("-hr_modes {}: the right-hand-side snapshots have numerical rank below it "
                            "(sigma_{} / sigma_1 = {:.1e})",
                            m, m, hr.sigma(m - 1) / hr.sigma(0)));
  }
  hr.basis = svd.left_vectors(m);
  hr.choose_points(rows, s.method, s.points);
  return hr;
}

void HyperReduction::choose_points(const RowPartition& rows, const std::string& how, Index count) {
  if (how != "deim" && how != "qdeim")
    throw Error(fmt::format("hyper-reduction: sample rows from W are chosen by deim or qdeim, not '{}'", how));
  if (basis.cols() == 0) throw Error("hyper-reduction: " + method + " keeps no right-hand-side basis W to sample");
  const Index m = basis.cols();
  if (count != 0 && count < m)
    throw Error(fmt::format("hyper-reduction: {} sample rows are fewer than the {} right-hand-side modes", count, m));
  if (count > rows.global)
    throw Error(fmt::format("hyper-reduction: {} sample rows exceed the state's {} rows", count, rows.global));
  points = how == "qdeim" ? qdeim_points(basis, rows) : deim_points(basis, rows);
  method = how;
  if (count > m) {
    points = oversample(points, basis, rows, count);
    method += " + oversampled";
  }
}

HyperReduction HyperReduction::fit_ecsw(const Matrix& V, const Matrix& F, const RowPartition& rows,
                                        const HyperReductionSettings& s) {
  s.check();
  if (s.method != "ecsw") throw Error("hyper-reduction: fit_ecsw with -hr_method " + s.method);
  if (V.rows() != rows.local() || F.rows() != rows.local())
    throw Error(fmt::format("ECSW: the basis has {} local rows, the right-hand-side snapshots {}, the state {}",
                            V.rows(), F.rows(), rows.local()));
  const Index r = V.cols(), K = F.cols();
  // Row e's contribution to snapshot k's reduced force is V_eᵀ f_e(x̃_k): column e of A holds
  // them for every k (entry i + r k); b = A·1 = vec(VᵀF), the reduced forces themselves.
  Matrix VtF = V.transpose() * F;
  allreduce_sum(rows.comm, VtF.data(), VtF.size());
  const Vector b = Eigen::Map<const Vector>(VtF.data(), VtF.size());
  auto correlations = [&](const Vector& res) -> Vector {
    const Eigen::Map<const Matrix> R(res.data(), r, K);
    return (V * R).cwiseProduct(F).rowwise().sum();  // (Aᵀres)_e = Σ_k f_e(x̃_k) V_e·R_k
  };
  auto column = [&](long long e) -> Vector {
    Vector a = Vector::Zero(r * K);
    if (e >= rows.begin && e < rows.end) {
      const Index i = static_cast<Index>(e - rows.begin);
      Eigen::Map<Matrix>(a.data(), r, K) = V.row(i).transpose() * F.row(i);
    }
    return a;
  };
  const long long cap = s.points > 0 ? s.points : rows.global;
  const NonnegativeLeastSquares nnls = nonnegative_least_squares(b, rows, correlations, column, s.tolerance, cap);
  HyperReduction hr;
  hr.method = "ecsw";
  hr.points.rows = nnls.columns;
  hr.weights = nnls.weights;
  hr.reduced_force_error = nnls.residual;
  return hr;
}

double HyperReduction::training_error(const Matrix& F_local, const RowPartition& rows) const {
  if (ecsw()) return reduced_force_error;
  const Matrix FP = sample_rows(F_local, rows, points.rows);
  Matrix C(basis.cols(), FP.cols());
  for (Index k = 0; k < FP.cols(); ++k) C.col(k) = points.coefficients(FP.col(k));
  const double e = allreduce_sum(rows.comm, (F_local - basis * C).squaredNorm());
  const double f = allreduce_sum(rows.comm, F_local.squaredNorm());
  return f > 0 ? std::sqrt(e / f) : 0.0;
}

void HyperReduction::save(h5::Group& g, const RowPartition& rows) const {
  Attributes a;
  a.set("method", method);
  a.set("points", static_cast<long long>(points.count()));
  if (ecsw()) a.set("reduced_force_error", reduced_force_error);
  else a.set("modes", static_cast<long long>(basis.cols()));
  g.write_attributes(a);
  g.write_vector("rows", Eigen::Map<const Eigen::Matrix<long long, Eigen::Dynamic, 1>>(points.rows.data(), points.count())
                             .cast<double>());  // exact: row indices stay far below 2^53
  if (ecsw()) {
    g.write_vector("weights", weights);
  } else {
    g.write_rows("basis", basis, rows);
    g.write_vector("singular_values", sigma);
  }
}

HyperReduction HyperReduction::load(const h5::Group& g, const RowPartition& rows) {
  const Attributes a = g.read_attributes();
  HyperReduction hr;
  hr.method = a.get_string("method", g.where());
  const long long s = a.get_int("points", g.where());
  if (!hr.ecsw()) {
    hr.basis = g.read_rows("basis", rows, a.get_int("modes", g.where()));
    hr.sigma = g.read_vector("singular_values");
  } else {
    hr.weights = g.read_vector("weights", s);
    hr.reduced_force_error = a.get_double("reduced_force_error", g.where());
  }
  const Vector at = g.read_vector("rows", s);
  for (Index k = 0; k < at.size(); ++k) {
    const double v = at(k);
    if (!(v >= 0 && v < static_cast<double>(rows.global)) || v != std::floor(v))
      throw Error(fmt::format("{}: sample row {} is not a row of the {} states", g.where("rows"), v, rows.global));
    hr.points.rows.push_back(static_cast<long long>(v));
  }
  if (!hr.ecsw()) hr.points.sampled_basis = sample_rows(hr.basis, rows, hr.points.rows);
  return hr;
}

Matrix projected_rhs_snapshots(const FullOrderModel& model, const Reducer& reducer, const SnapshotSet& train) {
  require_same_rows(model, reducer, "hyper-reduction snapshots");
  const Matrix projected = reducer.decode(reducer.encode(train.X));
  Matrix F(projected.rows(), projected.cols());
  for (Index k = 0; k < projected.cols(); ++k) F.col(k) = model.local_rhs(train.t(k), projected.col(k));
  return F;
}

HyperReductionBasis hyper_reduction_basis(const Reducer& reducer) {
  if (reducer.affine_decoder())
    return {reducer.decode(Matrix::Zero(reducer.latent_dim(), 1)).col(0),
            reducer.decoder_jacobian(Vector::Zero(reducer.latent_dim()))};
  const Normalization* norm = reducer.normalization();
  if (!norm || norm->modes == 0)
    throw Error("hyper-reduction of the " + reducer.type() +
                " reducer: a neural decoder is hyper-reduced through its POD stage, and this one has none "
                "(fit it with -ae_pod_modes K)");
  const Matrix V = norm->undo_linear(Matrix::Identity(norm->modes, norm->modes));
  return {norm->mean.size() ? norm->mean : Vector::Zero(V.rows()), V};
}

void check_hyper_reducible(const Reducer& reducer, const FullOrderModel* model) {
  if (!reducer.affine_decoder()) {
    const auto* neural = dynamic_cast<const NeuralReducer*>(&reducer);
    if (!neural || neural->settings().pod_modes == 0)
      throw Error("-hr_method: a neural reducer is hyper-reduced through its POD stage, which " + reducer.type() +
                  (neural ? " has not (-ae_pod_modes 0; leave it automatic or give K > 0)" : " does not have") +
                  "; or use an affine decoder (pod, linear-ae)");
  }
  if (model && !model->sampled_rhs({0}))
    throw Error("-hr_method: model '" + model->name() +
                "' cannot evaluate its right-hand side at sample rows alone (reaction, heat, Burgers and QG can)");
}

HyperReduction fit_hyper_reduction(const Matrix& F_local, const Reducer& reducer, const RowPartition& rows,
                                   const HyperReductionSettings& s, const FullOrderModel* model) {
  const HyperReductionBasis basis = hyper_reduction_basis(reducer);
  if (s.method != "ecsw") return HyperReduction::fit(F_local, rows, s, basis.V.cols());
  return HyperReduction::fit_ecsw(model ? model->rhs_operator_transpose(basis.V) : basis.V, F_local, rows, s);
}

Matrix hyper_reduced_projection(const Matrix& V, const Matrix& T, const HyperReduction& hr, const RowPartition& rows) {
  if (hr.ecsw()) {
    // E = (VᵀV)⁻¹ T_Pᵀ diag(ξ): the weighted sum of the sample rows' contributions.
    Matrix M = V.transpose() * V;
    allreduce_sum(rows.comm, M.data(), M.size());
    const Matrix TP = sample_rows(T, rows, hr.points.rows);
    return M.ldlt().solve(Matrix(TP.transpose() * hr.weights.asDiagonal()));
  }
  // E = (VᵀV)⁻¹TᵀW (PᵀW)⁺: the Galerkin projection of M times the reconstruction W(PᵀW)⁺.
  const Matrix TW = petrov_galerkin_project(V, T, hr.basis, rows.comm, "hyper-reduced Galerkin ROM");
  return TW * Eigen::CompleteOrthogonalDecomposition<Matrix>(hr.points.sampled_basis).pseudoInverse();
}

HyperReducedGalerkinRom::HyperReducedGalerkinRom(const FullOrderModel& model, const Reducer& reducer,
                                                 const HyperReduction& hr)
    : HyperReducedGalerkinRom(model,
                              [&] {
                                if (!reducer.affine_decoder())
                                  throw Error("hyper-reduced Galerkin ROM: reducer '" + reducer.type() +
                                              "' has a nonlinear decoder (its manifold ROMs take the "
                                              "hyper-reduction on their POD stage)");
                                require_same_rows(model, reducer, "hyper-reduced Galerkin ROM");
                                return hyper_reduction_basis(reducer);
                              }(),
                              hr) {}

HyperReducedGalerkinRom::HyperReducedGalerkinRom(const FullOrderModel& model, const Vector& xbar, const Matrix& V,
                                                 const HyperReduction& hr) {
  const RowPartition& rows = model.rows();
  if (V.rows() != rows.local() || xbar.size() != V.rows() || (!hr.ecsw() && hr.basis.rows() != rows.local()))
    throw Error(fmt::format("hyper-reduced Galerkin ROM: the basis has {} local rows, the right-hand side's {}, the "
                            "model {}",
                            V.rows(), hr.basis.rows(), rows.local()));
  f_ = model.sampled_rhs(hr.points.rows);
  if (!f_)
    throw Error("hyper-reduced Galerkin ROM: model '" + model.name() +
                "' cannot evaluate its right-hand side at sample rows alone");
  Matrix decoder(V.rows(), V.cols() + 1);
  decoder << xbar, V;
  E_ = hyper_reduced_projection(V, model.rhs_operator_transpose(V), hr, rows);
  const Matrix at_stencil = sample_rows(decoder, rows, f_->stencil());
  xs_ = at_stencil.col(0);
  Vs_ = at_stencil.rightCols(V.cols());
  VsT_ = Vs_.transpose();
}

Vector HyperReducedGalerkinRom::rhs(double t, const Vector& y) const {
  return E_ * f_->rhs(t, xs_ + Vs_ * y);
}

Matrix HyperReducedGalerkinRom::jacobian(double t, const Vector& y) const {
  return E_ * f_->jacobian_product_transposed(t, xs_ + Vs_ * y, VsT_).transpose();
}

}  // namespace metarom
