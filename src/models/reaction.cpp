#include "metarom/models/reaction.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/version.hpp"
#include "models/five_point_sample.hpp"
#include "models/nonlinear_ode.hpp"

namespace metarom {

namespace {

PetscErrorCode reaction_options(MPI_Comm comm, const char* prefix, ReactionConfig* c) {
  PetscInt nx = c->nx, ny = c->ny;
  PetscReal kappa = c->kappa, lambda = c->lambda, a = c->amplitude;
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "Reaction-diffusion u_t = kappa Laplace(u) + lambda exp(u) (metarom)",
                    "ReactionModel");
  PetscCall(PetscOptionsInt("-reaction_nx", "Interior grid points in x", "ReactionModel", nx, &nx, nullptr));
  PetscCall(PetscOptionsInt("-reaction_ny", "Interior grid points in y", "ReactionModel", ny, &ny, nullptr));
  PetscCall(PetscOptionsReal("-reaction_kappa", "Diffusivity kappa", "ReactionModel", kappa, &kappa, nullptr));
  PetscCall(PetscOptionsReal("-reaction_lambda", "Source strength lambda (steady states below 6.81 kappa)",
                             "ReactionModel", lambda, &lambda, nullptr));
  PetscCall(PetscOptionsReal("-reaction_amplitude", "Amplitude a of the initial condition a sin(pi x) sin(pi y)",
                             "ReactionModel", a, &a, nullptr));
  PetscOptionsEnd();
  c->nx = static_cast<int>(nx);
  c->ny = static_cast<int>(ny);
  c->kappa = kappa;
  c->lambda = lambda;
  c->amplitude = a;
  PetscFunctionReturn(0);
}

void check_config(const ReactionConfig& c) {
  if (c.nx < 3 || c.ny < 3)
    throw Error(fmt::format("reaction: the grid needs at least 3 interior points per direction, got {} x {}", c.nx,
                            c.ny));
  if (!(c.kappa > 0)) throw Error(fmt::format("reaction: -reaction_kappa must be positive, got {}", c.kappa));
  if (!std::isfinite(c.lambda)) throw Error("reaction: -reaction_lambda must be finite");
  if (!std::isfinite(c.amplitude)) throw Error("reaction: -reaction_amplitude must be finite");
  c.time.check("reaction");
}

}  // namespace

void ReactionConfig::set_from_options(MPI_Comm comm, const std::string& prefix) {
  METAROM_PETSC(reaction_options(comm, petsc_prefix(prefix), this));
  time.set_from_options(comm, "reaction", prefix);
  check_config(*this);
}

Attributes ReactionConfig::to_attributes() const {
  Attributes a;
  a.set("model", "reaction");
  a.set("reaction_nx", nx);
  a.set("reaction_ny", ny);
  a.set("reaction_kappa", kappa);
  a.set("reaction_lambda", lambda);
  a.set("reaction_amplitude", amplitude);
  time.to_attributes(a, "reaction");
  return a;
}

ReactionConfig ReactionConfig::from_attributes(const Attributes& a, const std::string& ctx) {
  if (!a.has("model") || a.get_string("model", ctx) != "reaction")
    throw Error(ctx + ": the provenance does not describe a reaction-diffusion run (attribute 'model' is not "
                      "\"reaction\")");
  ReactionConfig c;
  c.nx = static_cast<int>(a.get_int("reaction_nx", ctx));
  c.ny = static_cast<int>(a.get_int("reaction_ny", ctx));
  c.kappa = a.get_double("reaction_kappa", ctx);
  c.lambda = a.get_double("reaction_lambda", ctx);
  c.amplitude = a.get_double("reaction_amplitude", ctx);
  c.time = TimeGrid::from_attributes(a, "reaction", ctx);
  check_config(c);
  return c;
}

struct ReactionModel::Impl {
  MPI_Comm comm;
  ReactionConfig config;
  DMHandle da;
  VecHandle in_local;  // ghosted work vector (ghosts outside the domain stay 0: Dirichlet)
  MatHandle jacobian;
  RowPartition rows;
  double hx, hy, seconds = 0;
  long long newton = 0;
  std::string ts_type;

  void to_local(Vec global) const {
    METAROM_PETSC(DMGlobalToLocalBegin(da, global, INSERT_VALUES, in_local));
    METAROM_PETSC(DMGlobalToLocalEnd(da, global, INSERT_VALUES, in_local));
  }

  // f at (i, j) from the point and its neighbours (zero beyond the boundary).
  double rhs_at(double c, double w, double e, double s, double n) const {
    return config.kappa * ((w - 2 * c + e) / (hx * hx) + (s - 2 * c + n) / (hy * hy)) + config.lambda * std::exp(c);
  }

  void rhs(Vec x, Vec f) const {
    to_local(x);
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const PetscScalar** p;
    PetscScalar** o;
    METAROM_PETSC(DMDAVecGetArrayRead(da, in_local, &p));
    METAROM_PETSC(DMDAVecGetArray(da, f, &o));
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i)
        o[j][i] = rhs_at(p[j][i], p[j][i - 1], p[j][i + 1], p[j - 1][i], p[j + 1][i]);
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, in_local, &p));
    METAROM_PETSC(DMDAVecRestoreArray(da, f, &o));
  }

  // ∂f/∂x = κΔ_h + λ diag(e^x), assembled (PETSc's global ordering is the snapshot ordering).
  void assemble_jacobian(Vec x, Mat J) const {
    to_local(x);
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const PetscScalar** p;
    METAROM_PETSC(DMDAVecGetArrayRead(da, in_local, &p));
    const double cx = config.kappa / (hx * hx), cy = config.kappa / (hy * hy);
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) {
        MatStencil row{0, j, i, 0}, cols[5];
        PetscScalar vals[5];
        int k = 0;
        auto add = [&](PetscInt jj, PetscInt ii, double v) {
          if (ii < 0 || jj < 0 || ii >= config.nx || jj >= config.ny) return;  // Dirichlet boundary: no unknown
          cols[k] = MatStencil{0, jj, ii, 0};
          vals[k++] = v;
        };
        add(j, i, -2 * cx - 2 * cy + config.lambda * std::exp(p[j][i]));
        add(j, i - 1, cx);
        add(j, i + 1, cx);
        add(j - 1, i, cy);
        add(j + 1, i, cy);
        METAROM_PETSC(MatSetValuesStencil(J, 1, &row, k, cols, vals, INSERT_VALUES));
      }
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, in_local, &p));
    METAROM_PETSC(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    METAROM_PETSC(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  }

  void check_rows(const Matrix& X) const {
    if (X.rows() != rows.local())
      throw Error(fmt::format("reaction: got {} local rows, the model owns {}", X.rows(), rows.local()));
  }
};

namespace {

// f at sample rows: each reads its point and four neighbours.
class ReactionSample : public SampledRhs {
 public:
  ReactionSample(const ReactionModel::Impl& m, const std::vector<long long>& rows)
      : m_(m), grid_(m.config.nx, m.config.ny, 1, rows, "reaction") {
    rows_ = rows;
    stencil_ = grid_.stencil();
  }

  Vector rhs(double, const Vector& x) const override {
    Vector f(static_cast<Index>(rows_.size()));
    for (size_t k = 0; k < rows_.size(); ++k)
      f(static_cast<Index>(k)) = m_.rhs_at(grid_.value(x, k, FivePointSample::centre, 0),
                                           grid_.value(x, k, FivePointSample::west, 0),
                                           grid_.value(x, k, FivePointSample::east, 0),
                                           grid_.value(x, k, FivePointSample::south, 0),
                                           grid_.value(x, k, FivePointSample::north, 0));
    return f;
  }

 private:
  auto entries(const Vector& x) const {
    return [this, &x](auto&& add) {
      const double cx = m_.config.kappa / (m_.hx * m_.hx), cy = m_.config.kappa / (m_.hy * m_.hy);
      for (size_t k = 0; k < rows_.size(); ++k) {
        const Index row = static_cast<Index>(k);
        grid_.add_laplacian(add, row, k, 0, cx, cy);
        const int c = grid_.at(k, FivePointSample::centre, 0);
        add(row, c, m_.config.lambda * std::exp(x(c)));
      }
    };
  }

 public:
  Matrix jacobian(double, const Vector& x) const override { return dense_from_entries(entries(x)); }
  Matrix jacobian_product_transposed(double, const Vector& x, const Matrix& Wt) const override {
    return product_from_entries(Wt, entries(x));
  }

 private:
  const ReactionModel::Impl& m_;
  FivePointSample grid_;
};

}  // namespace

ReactionModel::ReactionModel(MPI_Comm comm, const ReactionConfig& config) : impl_(std::make_unique<Impl>()) {
  check_config(config);
  Impl& m = *impl_;
  m.comm = comm;
  m.config = config;
  m.hx = 1.0 / (config.nx + 1);
  m.hy = 1.0 / (config.ny + 1);
  // Split in y only: each rank owns whole grid rows, so the global ordering is the natural one.
  METAROM_PETSC(DMDACreate2d(comm, DM_BOUNDARY_GHOSTED, DM_BOUNDARY_GHOSTED, DMDA_STENCIL_STAR, config.nx, config.ny,
                             1, PETSC_DECIDE, 1, 1, nullptr, nullptr, m.da.address()));
  METAROM_PETSC(DMSetUp(m.da));
  METAROM_PETSC(DMDASetFieldName(m.da, 0, "u"));
  METAROM_PETSC(DMCreateLocalVector(m.da, m.in_local.address()));
  METAROM_PETSC(VecSet(m.in_local, 0.0));  // the Dirichlet ghosts: never written again
  METAROM_PETSC(DMSetMatType(m.da, MATAIJ));
  METAROM_PETSC(DMCreateMatrix(m.da, m.jacobian.address()));
  METAROM_PETSC(MatSetOption(m.jacobian, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  VecHandle g;
  METAROM_PETSC(DMCreateGlobalVector(m.da, g.address()));
  PetscInt lo, hi;
  METAROM_PETSC(VecGetOwnershipRange(g, &lo, &hi));
  m.rows.comm = comm;
  m.rows.global = static_cast<long long>(config.nx) * config.ny;
  m.rows.begin = lo;
  m.rows.end = hi;
}

ReactionModel::~ReactionModel() = default;

const RowPartition& ReactionModel::rows() const { return impl_->rows; }
const ReactionConfig& ReactionModel::config() const { return impl_->config; }
const TimeGrid& ReactionModel::time_grid() const { return impl_->config.time; }
double ReactionModel::solve_seconds() const { return impl_->seconds; }
long long ReactionModel::newton_iterations() const { return impl_->newton; }

FieldLayout ReactionModel::layout() const {
  const Impl& m = *impl_;
  FieldLayout l;
  l.fields = {"u"};
  l.dims = {m.config.nx, m.config.ny};
  l.lower = {m.hx, m.hy};
  l.upper = {1.0 - m.hx, 1.0 - m.hy};
  return l;
}

Attributes ReactionModel::provenance() const {
  Attributes a = impl_->config.to_attributes();
  a.set("metarom_version", std::string(version_string));
  a.set("created", iso_time_now());
  a.set("mpi_ranks", impl_->rows.size());
  if (!impl_->ts_type.empty()) a.set("ts_type", impl_->ts_type);
  return a;
}

Vector ReactionModel::initial_state() const {
  const Impl& m = *impl_;
  Vector x(m.rows.local());
  const double pi = std::numbers::pi;
  for (Index r = 0; r < x.size(); ++r) {
    const long long idx = m.rows.begin + r;
    const double px = (idx % m.config.nx + 1) * m.hx, py = (idx / m.config.nx + 1) * m.hy;
    x(r) = m.config.amplitude * std::sin(pi * px) * std::sin(pi * py);
  }
  return x;
}

Matrix ReactionModel::rhs(double, const Matrix& X) const {
  const Impl& m = *impl_;
  m.check_rows(X);
  Matrix out(X.rows(), X.cols());
  VecHandle in, res;
  METAROM_PETSC(DMCreateGlobalVector(m.da, in.address()));
  METAROM_PETSC(VecDuplicate(in, res.address()));
  for (Index k = 0; k < X.cols(); ++k) {
    copy_to_vec(X.col(k).data(), in);
    m.rhs(in, res);
    copy_from_vec(res, out.col(k).data());
  }
  return out;
}

Matrix ReactionModel::apply_jacobian(double, const Vector& x, const Matrix& V) const {
  const Impl& m = *impl_;
  m.check_rows(V);
  VecHandle xv, in, res;
  METAROM_PETSC(DMCreateGlobalVector(m.da, xv.address()));
  METAROM_PETSC(VecDuplicate(xv, in.address()));
  METAROM_PETSC(VecDuplicate(xv, res.address()));
  copy_to_vec(x.data(), xv);
  m.assemble_jacobian(xv, m.jacobian);
  Matrix out(V.rows(), V.cols());
  for (Index k = 0; k < V.cols(); ++k) {
    copy_to_vec(V.col(k).data(), in);
    METAROM_PETSC(MatMult(m.jacobian, in, res));
    copy_from_vec(res, out.col(k).data());
  }
  return out;
}

std::unique_ptr<SampledRhs> ReactionModel::sampled_rhs(const std::vector<long long>& rows) const {
  return std::make_unique<ReactionSample>(*impl_, rows);
}

SnapshotSet ReactionModel::simulate_from(const Vector& x0, bool progress) {
  Impl& m = *impl_;
  SnapshotRecorder recorder("reaction", m.rows);
  VecHandle x;
  METAROM_PETSC(DMCreateGlobalVector(m.da, x.address()));
  check_initial_state(x0, m.rows, "reaction");
  copy_to_vec(x0.data(), x);
  NonlinearOde ode;
  ode.model = "reaction";
  ode.da = m.da;
  ode.jacobian = m.jacobian;
  ode.default_type = TSCN;
  // I − (Δt/2)(κΔ_h + λ diag(e^u)) is symmetric, positive definite while λe^u Δt/2 < 1.
  ode.ksp_type = KSPCG;
  ode.rhs = [&](Vec a, Vec f) { m.rhs(a, f); };
  ode.assemble_jacobian = [&](Vec a, Mat J) { m.assemble_jacobian(a, J); };
  try {
    const NonlinearOdeRun run = integrate_nonlinear_ode(m.comm, ode, m.config.time, x, recorder, progress);
    m.seconds = run.seconds;
    m.newton = run.newton;
    m.ts_type = run.ts_type;
  } catch (const Error&) {
    recorder.rethrow(layout(), provenance());
  }
  return recorder.set(layout(), provenance());
}

}  // namespace metarom
