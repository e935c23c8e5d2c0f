#include "metarom/models/heat.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "metarom/error.hpp"
#include "models/five_point_sample.hpp"
#include "models/laplacian.hpp"
#include "models/linear_ode.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/version.hpp"

namespace metarom {


namespace {

PetscErrorCode heat_options(MPI_Comm comm, const char* prefix, HeatConfig* c) {
  PetscInt dim = c->dim, nx = c->nx, ny = c->ny, modes = c->modes;
  PetscReal kappa = c->kappa, decay = c->ic_decay;
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "Heat equation u_t = kappa Laplace(u) (metarom)", "HeatModel");
  PetscCall(PetscOptionsInt("-heat_dim", "Space dimension (1 or 2)", "HeatModel", dim, &dim, nullptr));
  PetscCall(PetscOptionsInt("-heat_nx", "Interior grid points in x", "HeatModel", nx, &nx, nullptr));
  PetscCall(PetscOptionsInt("-heat_ny", "Interior grid points in y (2-D)", "HeatModel", ny, &ny, nullptr));
  PetscCall(PetscOptionsReal("-heat_kappa", "Diffusivity kappa", "HeatModel", kappa, &kappa, nullptr));
  PetscCall(PetscOptionsInt("-heat_modes", "Sine modes per direction in the initial condition", "HeatModel", modes,
                            &modes, nullptr));
  PetscCall(PetscOptionsReal("-heat_ic_decay", "Initial mode amplitudes a_kl = (k l)^-p: this p (smoothness)",
                             "HeatModel", decay, &decay, nullptr));
  PetscOptionsEnd();
  c->dim = static_cast<int>(dim);
  c->nx = static_cast<int>(nx);
  c->ny = static_cast<int>(ny);
  c->modes = static_cast<int>(modes);
  c->kappa = kappa;
  c->ic_decay = decay;
  PetscFunctionReturn(0);
}

void check_config(const HeatConfig& c) {
  if (c.dim != 1 && c.dim != 2) throw Error(fmt::format("heat: -heat_dim must be 1 or 2, got {}", c.dim));
  if (c.nx < 3 || (c.dim == 2 && c.ny < 3))
    throw Error(fmt::format("heat: the grid needs at least 3 interior points per direction, got {} x {}", c.nx, c.ny));
  if (!(c.kappa > 0)) throw Error(fmt::format("heat: -heat_kappa must be positive, got {}", c.kappa));
  if (c.modes < 1) throw Error(fmt::format("heat: -heat_modes must be >= 1, got {}", c.modes));
  c.time.check("heat");
}

}  // namespace

void HeatConfig::set_from_options(MPI_Comm comm, const std::string& prefix) {
  METAROM_PETSC(heat_options(comm, petsc_prefix(prefix), this));
  time.set_from_options(comm, "heat", prefix);
  check_config(*this);
}

Attributes HeatConfig::to_attributes() const {
  Attributes a;
  a.set("model", "heat");
  a.set("heat_dim", dim);
  a.set("heat_nx", nx);
  a.set("heat_ny", dim == 2 ? ny : 1);
  a.set("heat_kappa", kappa);
  a.set("heat_modes", modes);
  a.set("heat_ic_decay", ic_decay);
  time.to_attributes(a, "heat");
  return a;
}

HeatConfig HeatConfig::from_attributes(const Attributes& a, const std::string& ctx) {
  if (!a.has("model") || a.get_string("model", ctx) != "heat")
    throw Error(ctx + ": the provenance does not describe a heat-equation run (attribute 'model' is not \"heat\")");
  HeatConfig c;
  c.dim = static_cast<int>(a.get_int("heat_dim", ctx));
  c.nx = static_cast<int>(a.get_int("heat_nx", ctx));
  c.ny = static_cast<int>(a.get_int("heat_ny", ctx));
  c.kappa = a.get_double("heat_kappa", ctx);
  c.modes = static_cast<int>(a.get_int("heat_modes", ctx));
  c.ic_decay = a.get_double("heat_ic_decay", ctx);
  c.time = TimeGrid::from_attributes(a, "heat", ctx);
  check_config(c);
  return c;
}

struct HeatModel::Impl {
  MPI_Comm comm;
  HeatConfig config;
  DMHandle da;
  MatHandle A;
  VecHandle natural, global;  // work vectors
  RowPartition rows;
  double seconds = 0;
  std::string ts_type, ksp_type, pc_type;
  std::unique_ptr<LinearStructure> structure;  // c = 0, L = A, B = 0

  double h(int d) const { return 1.0 / ((d == 0 ? config.nx : config.ny) + 1); }

  // Natural index -> (i, j) of the interior grid.
  void point(long long idx, int& i, int& j) const {
    i = static_cast<int>(idx % config.nx);
    j = static_cast<int>(idx / config.nx);
  }

  double exact(double t, long long idx) const {
    int i, j;
    point(idx, i, j);
    const double pi = std::numbers::pi, x = (i + 1) * h(0), y = (j + 1) * h(1);
    double u = 0;
    for (int k = 1; k <= config.modes; ++k) {
      if (config.dim == 1) {
        u += std::exp(-config.kappa * pi * pi * k * k * t) * std::sin(k * pi * x) * std::pow(k, -config.ic_decay);
        continue;
      }
      for (int l = 1; l <= config.modes; ++l)
        u += std::exp(-config.kappa * pi * pi * (k * k + l * l) * t) * std::sin(k * pi * x) * std::sin(l * pi * y) *
             std::pow(k * l, -config.ic_decay);
    }
    return u;
  }

  void assemble() {
    const double h2[2] = {h(0), h(1)};
    A = assemble_laplacian(da, h2, config.kappa);
  }

  void to_global(const double* natural_local, Vec g) const {
    PetscScalar* p;
    METAROM_PETSC(VecGetArray(natural, &p));
    std::copy(natural_local, natural_local + rows.local(), p);
    METAROM_PETSC(VecRestoreArray(natural, &p));
    METAROM_PETSC(DMDANaturalToGlobalBegin(da, natural, INSERT_VALUES, g));
    METAROM_PETSC(DMDANaturalToGlobalEnd(da, natural, INSERT_VALUES, g));
  }

  void to_natural(Vec g, double* natural_local) const {
    METAROM_PETSC(DMDAGlobalToNaturalBegin(da, g, INSERT_VALUES, natural));
    METAROM_PETSC(DMDAGlobalToNaturalEnd(da, g, INSERT_VALUES, natural));
    const PetscScalar* p;
    METAROM_PETSC(VecGetArrayRead(natural, &p));
    std::copy(p, p + rows.local(), natural_local);
    METAROM_PETSC(VecRestoreArrayRead(natural, &p));
  }
};

HeatModel::HeatModel(MPI_Comm comm, const HeatConfig& config) : impl_(std::make_unique<Impl>()) {
  check_config(config);
  Impl& m = *impl_;
  m.comm = comm;
  m.config = config;
  if (config.dim == 1)
    METAROM_PETSC(DMDACreate1d(comm, DM_BOUNDARY_NONE, config.nx, 1, 1, nullptr, m.da.address()));
  else
    METAROM_PETSC(DMDACreate2d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, config.nx, config.ny,
                               PETSC_DECIDE, PETSC_DECIDE, 1, 1, nullptr, nullptr, m.da.address()));
  METAROM_PETSC(DMSetUp(m.da));
  METAROM_PETSC(DMDACreateNaturalVector(m.da, m.natural.address()));
  METAROM_PETSC(DMCreateGlobalVector(m.da, m.global.address()));
  PetscInt lo, hi;
  METAROM_PETSC(VecGetOwnershipRange(m.natural, &lo, &hi));
  m.rows.comm = comm;
  m.rows.global = static_cast<long long>(config.nx) * (config.dim == 2 ? config.ny : 1);
  m.rows.begin = lo;
  m.rows.end = hi;
  m.assemble();
  m.structure = std::make_unique<LinearStructure>(*this, m.rows);
}

HeatModel::~HeatModel() = default;

const RowPartition& HeatModel::rows() const { return impl_->rows; }
const HeatConfig& HeatModel::config() const { return impl_->config; }
const TimeGrid& HeatModel::time_grid() const { return impl_->config.time; }
Mat HeatModel::matrix() const { return impl_->A; }
const QuadraticStructure* HeatModel::quadratic_structure() const { return impl_->structure.get(); }
double HeatModel::solve_seconds() const { return impl_->seconds; }

FieldLayout HeatModel::layout() const {
  const HeatConfig& c = impl_->config;
  FieldLayout l;
  l.fields = {"u"};
  if (c.dim == 1) {
    l.dims = {c.nx};
    l.lower = {impl_->h(0)};
    l.upper = {1.0 - impl_->h(0)};
  } else {
    l.dims = {c.nx, c.ny};
    l.lower = {impl_->h(0), impl_->h(1)};
    l.upper = {1.0 - impl_->h(0), 1.0 - impl_->h(1)};
  }
  return l;
}

Attributes HeatModel::provenance() const {
  Attributes a = impl_->config.to_attributes();
  a.set("metarom_version", std::string(version_string));
  a.set("created", iso_time_now());
  a.set("mpi_ranks", impl_->rows.size());
  if (!impl_->ts_type.empty()) {
    a.set("ts_type", impl_->ts_type);
    a.set("ksp_type", impl_->ksp_type);
    a.set("pc_type", impl_->pc_type);
  }
  return a;
}

Vector HeatModel::exact_solution(double t) const {
  Vector u(impl_->rows.local());
  for (Index r = 0; r < u.size(); ++r) u(r) = impl_->exact(t, impl_->rows.begin + r);
  return u;
}

Vector HeatModel::initial_state() const { return exact_solution(impl_->config.time.t0); }

Matrix HeatModel::apply(const Matrix& V) const {
  const Impl& m = *impl_;
  if (V.rows() != m.rows.local())
    throw Error(fmt::format("heat: the operator got {} local rows, the model owns {}", V.rows(), m.rows.local()));
  Matrix out(V.rows(), V.cols());
  VecHandle y;
  METAROM_PETSC(VecDuplicate(m.global, y.address()));
  for (Index j = 0; j < V.cols(); ++j) {
    m.to_global(V.col(j).data(), m.global);
    METAROM_PETSC(MatMult(m.A, m.global, y));
    m.to_natural(y, out.col(j).data());
  }
  return out;
}

Matrix HeatModel::rhs(double, const Matrix& X) const { return apply(X); }

namespace {
// κΔ_h u at sample rows (natural ordering i + nx j, the snapshots'), from each row's point
// and its neighbours; the 1-D grid is one row of points (no y-neighbours, cy = 0).
class HeatSample : public SampledRhs {
 public:
  HeatSample(const HeatConfig& c, double hx, double hy, const std::vector<long long>& rows)
      : cx_(c.kappa / (hx * hx)), cy_(c.dim == 2 ? c.kappa / (hy * hy) : 0.0),
        grid_(c.nx, c.dim == 2 ? c.ny : 1, 1, rows, "heat") {
    rows_ = rows;
    stencil_ = grid_.stencil();
  }
  Vector rhs(double, const Vector& x) const override {
    Vector f(static_cast<Index>(rows_.size()));
    for (size_t k = 0; k < rows_.size(); ++k) f(static_cast<Index>(k)) = grid_.laplacian(x, k, 0, cx_, cy_);
    return f;
  }

 private:
  auto entries() const {
    return [this](auto&& add) {
      for (size_t k = 0; k < rows_.size(); ++k) grid_.add_laplacian(add, static_cast<Index>(k), k, 0, cx_, cy_);
    };
  }

 public:
  Matrix jacobian(double, const Vector&) const override { return dense_from_entries(entries()); }
  Matrix jacobian_product_transposed(double, const Vector&, const Matrix& Wt) const override {
    return product_from_entries(Wt, entries());
  }

 private:
  double cx_, cy_;
  FivePointSample grid_;
};
}  // namespace

std::unique_ptr<SampledRhs> HeatModel::sampled_rhs(const std::vector<long long>& rows) const {
  return std::make_unique<HeatSample>(impl_->config, impl_->h(0), impl_->h(1), rows);
}

SnapshotSet HeatModel::simulate_from(const Vector& x0, bool progress) {
  Impl& m = *impl_;
  const TimeGrid& tg = m.config.time;
  SnapshotRecorder recorder("heat", m.rows);
  Vector natural(m.rows.local());
  int last_tenth = -1;
  auto record = [&](PetscInt step, PetscReal t, Vec x) {
    if (step % tg.stride == 0) {
      m.to_natural(x, natural.data());
      recorder.keep(step, t, natural.data());
    }
    const int tenth = static_cast<int>(10 * step / tg.steps);
    if (progress && tenth != last_tenth) {
      last_tenth = tenth;
      METAROM_PETSC(PetscFPrintf(m.comm, PETSC_STDERR, "  heat: step %" PetscInt_FMT "/%d  t = %.6g\n", step,
                                 tg.steps, (double)t));
    }
  };
  LinearOdeTs ode(m.A, nullptr, tg, "", TSCN, record);
  SNES snes;
  KSP ksp;
  PC pc;
  METAROM_PETSC(TSGetSNES(ode.ts(), &snes));
  METAROM_PETSC(SNESGetKSP(snes, &ksp));
  METAROM_PETSC(KSPSetType(ksp, KSPCG));  // CN/BDF systems I - a dt A are symmetric positive definite
  // Tight enough that the solver error stays far below the discretization error.
  METAROM_PETSC(KSPSetTolerances(ksp, 1e-10, 1e-50, PETSC_DEFAULT, PETSC_DEFAULT));
  ode.set_from_options();

  VecHandle x;
  METAROM_PETSC(VecDuplicate(m.global, x.address()));
  check_initial_state(x0, m.rows, "heat");
  m.to_global(x0.data(), x);
  try {
    m.seconds = ode.solve(x);
  } catch (const Error&) {
    recorder.rethrow(layout(), provenance());
  }

  KSPType ksptype;
  PCType pctype;
  METAROM_PETSC(KSPGetType(ksp, &ksptype));
  METAROM_PETSC(KSPGetPC(ksp, &pc));
  METAROM_PETSC(PCGetType(pc, &pctype));
  m.ts_type = ode.type();
  m.ksp_type = ksptype ? ksptype : "";
  m.pc_type = pctype ? pctype : "";

  return recorder.set(layout(), provenance());
}

}  // namespace metarom
