#include "metarom/models/model.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <petscsys.h>

#include <cmath>

#include "metarom/models/burgers.hpp"
#include "metarom/models/reaction.hpp"
#include "metarom/error.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/qg.hpp"

namespace metarom {

namespace {
PetscErrorCode time_grid_options(MPI_Comm comm, const char* prefix, const std::string& model, TimeGrid* g) {
  PetscInt steps = g->steps, stride = g->stride;
  PetscReal tf = g->t_final;
  const std::string pre = "-" + model + "_";
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, ("Time grid of the " + model + " model (metarom)").c_str(), "TimeGrid");
  PetscCall(PetscOptionsReal((pre + "t_final").c_str(), "Final time", "TimeGrid", tf, &tf, nullptr));
  PetscCall(PetscOptionsInt((pre + "steps").c_str(), "Time steps (dt = t_final/steps)", "TimeGrid", steps, &steps,
                            nullptr));
  PetscCall(PetscOptionsInt((pre + "snapshot_stride").c_str(), "Record a snapshot every this many steps", "TimeGrid",
                            stride, &stride, nullptr));
  PetscOptionsEnd();
  g->t_final = tf;
  g->steps = static_cast<int>(steps);
  g->stride = static_cast<int>(stride);
  PetscFunctionReturn(0);
}
}  // namespace

void TimeGrid::set_from_options(MPI_Comm comm, const std::string& model, const std::string& prefix) {
  METAROM_PETSC(time_grid_options(comm, petsc_prefix(prefix), model, this));
}

void TimeGrid::check(const std::string& model) const {
  if (steps < 1) throw Error(fmt::format("{0}: -{0}_steps must be >= 1, got {1}", model, steps));
  if (stride < 1) throw Error(fmt::format("{0}: -{0}_snapshot_stride must be >= 1, got {1}", model, stride));
  if (!(t_final > t0))
    throw Error(fmt::format("{0}: -{0}_t_final must exceed the start time {1}, got {2}", model, t0, t_final));
}

void TimeGrid::to_attributes(Attributes& a, const std::string& model) const {
  a.set(model + "_t0", t0);
  a.set(model + "_t_final", t_final);
  a.set(model + "_steps", steps);
  a.set(model + "_snapshot_stride", stride);
}

TimeGrid TimeGrid::from_attributes(const Attributes& a, const std::string& model, const std::string& ctx) {
  TimeGrid g;
  g.t0 = a.get_double(model + "_t0", ctx);
  g.t_final = a.get_double(model + "_t_final", ctx);
  g.steps = static_cast<int>(a.get_int(model + "_steps", ctx));
  g.stride = static_cast<int>(a.get_int(model + "_snapshot_stride", ctx));
  return g;
}

void check_initial_state(const Vector& x0, const RowPartition& rows, const std::string& model) {
  if (x0.size() != rows.local())
    throw Error(fmt::format("{}: an initial state of {} values for {} local rows", model, x0.size(), rows.local()));
  if (!x0.allFinite()) throw Error(fmt::format("{}: the initial state is not finite", model));
}

Matrix FullOrderModel::apply_jacobian(double t, const Vector& x, const Matrix& V) const {
  if (const QuadraticStructure* q = quadratic_structure()) {
    const Matrix X = x.replicate(1, V.cols());
    return q->apply_linear_term(V) + q->apply_quadratic_term(X, V) + q->apply_quadratic_term(V, X);
  }
  const double xnorm = std::sqrt(allreduce_sum(rows().comm, x.squaredNorm()));
  Matrix out(V.rows(), V.cols());
  for (Index k = 0; k < V.cols(); ++k) {
    const double vnorm = std::sqrt(allreduce_sum(rows().comm, V.col(k).squaredNorm()));
    const double h = vnorm > 0 ? 1e-6 * (1 + xnorm) / vnorm : 1.0;
    Matrix pm(V.rows(), 2);
    pm.col(0) = x + h * V.col(k);
    pm.col(1) = x - h * V.col(k);
    const Matrix f = rhs(t, pm);
    out.col(k) = (f.col(0) - f.col(1)) / (2 * h);
  }
  return out;
}

namespace {
std::unique_ptr<FullOrderModel> build_model(MPI_Comm comm, const Attributes& provenance, const std::string& context,
                                            bool read_options) {
  if (!provenance.has("model"))
    throw Error(context + ": the provenance names no model (attribute 'model'), so the full model cannot be rebuilt");
  const std::string model = provenance.get_string("model", context);
  if (model == "heat") {
    HeatConfig config = HeatConfig::from_attributes(provenance, context);
    if (read_options) config.set_from_options(comm);
    return std::make_unique<HeatModel>(comm, config);
  }
  if (model == "qg") {
    QgConfig config = QgConfig::from_attributes(provenance, context);
    if (read_options) config.set_from_options(comm);
    return std::make_unique<QgModel>(comm, config);
  }
  if (model == "burgers") {
    BurgersConfig config = BurgersConfig::from_attributes(provenance, context);
    if (read_options) config.set_from_options(comm);
    return std::make_unique<BurgersModel>(comm, config);
  }
  if (model == "reaction") {
    ReactionConfig config = ReactionConfig::from_attributes(provenance, context);
    if (read_options) config.set_from_options(comm);
    return std::make_unique<ReactionModel>(comm, config);
  }
  throw Error(fmt::format("{}: unknown model '{}' (known: {})", context, model, fmt::join(model_names(), ", ")));
}
}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"heat", "qg", "burgers", "reaction"};
  return names;
}

Attributes model_settings_from_options(MPI_Comm comm, const std::string& model, const std::string& context) {
  auto read = [&](auto config) {
    config.set_from_options(comm);
    return config.to_attributes();
  };
  if (model == "heat") return read(HeatConfig{});
  if (model == "qg") return read(QgConfig{});
  if (model == "burgers") return read(BurgersConfig{});
  if (model == "reaction") return read(ReactionConfig{});
  throw Error(fmt::format("{}: unknown model '{}' (known: {})", context, model, fmt::join(model_names(), ", ")));
}

std::unique_ptr<FullOrderModel> create_model_from_provenance(MPI_Comm comm, const Attributes& provenance,
                                                             const std::string& context) {
  return build_model(comm, provenance, context, true);
}

bool can_rebuild_model(const Attributes& provenance) {
  if (!provenance.has("model")) return false;
  const std::string model = provenance.get_string("model", "provenance");
  return std::find(model_names().begin(), model_names().end(), model) != model_names().end();
}

std::unique_ptr<FullOrderModel> create_model(MPI_Comm comm, const Attributes& provenance, const std::string& context) {
  return build_model(comm, provenance, context, false);
}

}  // namespace metarom

namespace metarom {

void SnapshotRecorder::keep(long long step, double t, const double* local) {
  const Index n = rows_.local();
  bool finite = std::isfinite(t);
  for (Index i = 0; finite && i < n; ++i) finite = std::isfinite(local[i]);
  if (!every_rank(rows_.comm, finite)) {
    diverged_ = true;
    where_ = fmt::format("step {}, t = {:.6g}", step, t);
    throw Error(fmt::format("{}: the state is not finite (NaN/Inf) at {}", model_, where_));
  }
  data_.insert(data_.end(), local, local + n);
  times_.push_back(t);
}

SnapshotSet SnapshotRecorder::set(FieldLayout layout, Attributes provenance) const {
  SnapshotSet s;
  s.rows = rows_;
  const Index count = static_cast<Index>(times_.size());
  s.X = Eigen::Map<const Matrix>(data_.data(), rows_.local(), count);
  s.t = Eigen::Map<const Vector>(times_.data(), count);
  s.layout = std::move(layout);
  s.provenance = std::move(provenance);
  return s;
}

void SnapshotRecorder::rethrow(FieldLayout layout, Attributes provenance) const {
  if (!diverged_) throw;
  throw DivergedError(fmt::format("{}: the state is not finite (NaN/Inf) at {}; {} finite snapshot(s) were recorded "
                                  "before",
                                  model_, where_, times_.size()),
                      set(std::move(layout), std::move(provenance)));
}

}  // namespace metarom
