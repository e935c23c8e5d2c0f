#include "metarom/models/burgers.hpp"

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

struct Velocity {
  PetscScalar u, v;
};

PetscErrorCode burgers_options(MPI_Comm comm, const char* prefix, BurgersConfig* c) {
  PetscInt nx = c->nx, ny = c->ny;
  PetscReal re = c->re, a = c->amplitude, w = c->width;
  const char* const initials[] = {"sine", "gaussian", "BurgersInitial", "BURGERS_", nullptr};
  PetscEnum initial = static_cast<PetscEnum>(c->initial);
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "2-D viscous Burgers' equations (metarom)", "BurgersModel");
  PetscCall(PetscOptionsInt("-burgers_nx", "Grid points in x, boundary included (NM-ROM: 60)", "BurgersModel", nx, &nx,
                            nullptr));
  PetscCall(PetscOptionsInt("-burgers_ny", "Grid points in y, boundary included", "BurgersModel", ny, &ny, nullptr));
  PetscCall(PetscOptionsReal("-burgers_re", "Reynolds number Re", "BurgersModel", re, &re, nullptr));
  PetscCall(PetscOptionsReal("-burgers_amplitude", "Amplitude a of the initial condition", "BurgersModel", a, &a,
                             nullptr));
  PetscCall(PetscOptionsEnum("-burgers_initial",
                             "Initial condition and domain: sine (NM-ROM, unit square) or gaussian (LaSDI, [-3, 3]^2)",
                             "BurgersModel", initials, initial, &initial, nullptr));
  PetscCall(PetscOptionsReal("-burgers_width", "Width w of the Gaussian initial condition a exp(-(x^2 + y^2)/w)",
                             "BurgersModel", w, &w, nullptr));
  PetscOptionsEnd();
  c->nx = static_cast<int>(nx);
  c->ny = static_cast<int>(ny);
  c->re = re;
  c->amplitude = a;
  c->initial = static_cast<BurgersInitial>(initial);
  c->width = w;
  PetscFunctionReturn(0);
}

void check_config(const BurgersConfig& c) {
  if (c.nx < 5 || c.ny < 5)
    throw Error(fmt::format("burgers: the grid needs at least 5 points per direction (3 interior), got {} x {}", c.nx,
                            c.ny));
  if (!(c.re > 0)) throw Error(fmt::format("burgers: -burgers_re must be positive, got {}", c.re));
  if (!std::isfinite(c.amplitude)) throw Error("burgers: -burgers_amplitude must be finite");
  if (!(c.width > 0) || !std::isfinite(c.width))
    throw Error(fmt::format("burgers: -burgers_width must be positive, got {}", c.width));
  c.time.check("burgers");
}

}  // namespace

void BurgersConfig::set_from_options(MPI_Comm comm, const std::string& prefix) {
  METAROM_PETSC(burgers_options(comm, petsc_prefix(prefix), this));
  time.set_from_options(comm, "burgers", prefix);
  check_config(*this);
}

Attributes BurgersConfig::to_attributes() const {
  Attributes a;
  a.set("model", "burgers");
  a.set("burgers_nx", nx);
  a.set("burgers_ny", ny);
  a.set("burgers_re", re);
  a.set("burgers_amplitude", amplitude);
  if (initial == BurgersInitial::gaussian) {
    a.set("burgers_initial", "gaussian");
    a.set("burgers_width", width);
  }
  time.to_attributes(a, "burgers");
  return a;
}

BurgersConfig BurgersConfig::from_attributes(const Attributes& a, const std::string& ctx) {
  if (!a.has("model") || a.get_string("model", ctx) != "burgers")
    throw Error(ctx + ": the provenance does not describe a Burgers run (attribute 'model' is not \"burgers\")");
  BurgersConfig c;
  c.nx = static_cast<int>(a.get_int("burgers_nx", ctx));
  c.ny = static_cast<int>(a.get_int("burgers_ny", ctx));
  c.re = a.get_double("burgers_re", ctx);
  c.amplitude = a.get_double("burgers_amplitude", ctx);
  if (a.has("burgers_initial")) {
    const std::string initial = a.get_string("burgers_initial", ctx);
    if (initial != "sine" && initial != "gaussian")
      throw Error(fmt::format("{}: burgers_initial is '{}' (known: sine, gaussian)", ctx, initial));
    c.initial = initial == "gaussian" ? BurgersInitial::gaussian : BurgersInitial::sine;
  }
  if (a.has("burgers_width")) c.width = a.get_double("burgers_width", ctx);
  c.time = TimeGrid::from_attributes(a, "burgers", ctx);
  check_config(c);
  return c;
}

struct BurgersModel::Impl {
  MPI_Comm comm;
  BurgersConfig config;
  DMHandle da;
  VecHandle in_local, second_local;  // ghosted work vectors (ghosts outside the domain stay 0)
  MatHandle jacobian;
  RowPartition rows;
  double hx, hy, seconds = 0;
  long long newton = 0;
  std::string ts_type;

  int mx() const { return config.nx - 2; }
  int my() const { return config.ny - 2; }

  void to_local(Vec global, Vec local) const {
    METAROM_PETSC(DMGlobalToLocalBegin(da, global, INSERT_VALUES, local));
    METAROM_PETSC(DMGlobalToLocalEnd(da, global, INSERT_VALUES, local));
  }

  // Loops over the owned points with ghosted reads of `a` (and `b`) and writes to `out`:
  // kernel(a, b, i, j) returns the two components at (i, j).
  template <class Kernel>
  void stencil(Vec a, Vec b, Vec out, Kernel kernel) const {
    to_local(a, in_local);
    if (b) to_local(b, second_local);
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const Velocity **pa, **pb;
    Velocity** o;
    METAROM_PETSC(DMDAVecGetArrayRead(da, in_local, &pa));
    METAROM_PETSC(DMDAVecGetArrayRead(da, b ? second_local.get() : in_local.get(), &pb));
    METAROM_PETSC(DMDAVecGetArray(da, out, &o));
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) o[j][i] = kernel(pa, pb, i, j);
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, in_local, &pa));
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, b ? second_local.get() : in_local.get(), &pb));
    METAROM_PETSC(DMDAVecRestoreArray(da, out, &o));
  }

  // f(x) at the point (i, j), written out directly: upwind convection and diffusion.
  Velocity rhs_at(const Velocity* const* x, PetscInt i, PetscInt j) const {
    const Velocity c = x[j][i], w = x[j][i - 1], e = x[j][i + 1], s = x[j - 1][i], n = x[j + 1][i];
    const double nu = 1 / config.re, cx = nu / (hx * hx), cy = nu / (hy * hy);
    return {-c.u * (c.u - w.u) / hx - c.v * (c.u - s.u) / hy + cx * (w.u - 2 * c.u + e.u) + cy * (s.u - 2 * c.u + n.u),
            -c.u * (c.v - w.v) / hx - c.v * (c.v - s.v) / hy + cx * (w.v - 2 * c.v + e.v) + cy * (s.v - 2 * c.v + n.v)};
  }

  void rhs(Vec x, Vec f) const {
    stencil(x, nullptr, f, [&](const Velocity* const* a, const Velocity* const*, PetscInt i, PetscInt j) {
      return rhs_at(a, i, j);
    });
  }

  // ∂f/∂x at x, assembled (PETSc's global ordering is the snapshot ordering).
  void assemble_jacobian(Vec x, Mat J) const {
    to_local(x, in_local);
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const Velocity** p;
    METAROM_PETSC(DMDAVecGetArrayRead(da, in_local, &p));
    METAROM_PETSC(MatZeroEntries(J));
    const double nu = 1 / config.re, cx = nu / (hx * hx), cy = nu / (hy * hy);
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) {
        const Velocity c = p[j][i], w = p[j][i - 1], s = p[j - 1][i];
        // Row (i, j, u) and row (i, j, v); columns at the point and its four neighbours.
        for (PetscInt f = 0; f < 2; ++f) {
          MatStencil row{0, j, i, f};
          MatStencil cols[6];
          PetscScalar vals[6];
          int k = 0;
          auto add = [&](PetscInt jj, PetscInt ii, PetscInt ff, double v) {
            if (ii < 0 || jj < 0 || ii >= mx() || jj >= my()) return;  // Dirichlet boundary: no unknown
            cols[k] = MatStencil{0, jj, ii, ff};
            vals[k++] = v;
          };
          const double own = f == 0 ? c.u : c.v, west = f == 0 ? w.u : w.v, south = f == 0 ? s.u : s.v;
          // f_q = −u (q − q_W)/hx − v (q − q_S)/hy + ν Δq for q = u or v.
          const double dq_u = -(own - west) / hx, dq_v = -(own - south) / hy;  // ∂/∂u_c and ∂/∂v_c from the coefficients
          const double diag = -c.u / hx - c.v / hy - 2 * cx - 2 * cy;
          add(j, i, f, diag + (f == 0 ? dq_u : dq_v));
          add(j, i, 1 - f, f == 0 ? dq_v : dq_u);
          add(j, i - 1, f, c.u / hx + cx);
          add(j - 1, i, f, c.v / hy + cy);
          add(j, i + 1, f, cx);
          add(j + 1, i, f, cy);
          METAROM_PETSC(MatSetValuesStencil(J, 1, &row, k, cols, vals, INSERT_VALUES));
        }
      }
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, in_local, &p));
    METAROM_PETSC(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    METAROM_PETSC(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  }

  // Applies op(in, out[, second]) to each column (snapshot ordering = global ordering).
  template <class Op>
  Matrix columns(const Matrix& X, const Matrix* W, Op op) const {
    if (X.rows() != rows.local())
      throw Error(fmt::format("burgers: got {} local rows, the model owns {}", X.rows(), rows.local()));
    if (W && (W->rows() != X.rows() || W->cols() != X.cols()))
      throw Error("burgers: B(V, W) needs V and W of the same shape");
    Matrix out(X.rows(), X.cols());
    VecHandle in, second, res;
    METAROM_PETSC(DMCreateGlobalVector(da, in.address()));
    METAROM_PETSC(VecDuplicate(in, second.address()));
    METAROM_PETSC(VecDuplicate(in, res.address()));
    for (Index k = 0; k < X.cols(); ++k) {
      copy_to_vec(X.col(k).data(), in);
      if (W) copy_to_vec(W->col(k).data(), second);
      op(in, W ? second.get() : nullptr, res);
      copy_from_vec(res, out.col(k).data());
    }
    return out;
  }
};

BurgersModel::BurgersModel(MPI_Comm comm, const BurgersConfig& config) : impl_(std::make_unique<Impl>()) {
  check_config(config);
  Impl& m = *impl_;
  m.comm = comm;
  m.config = config;
  m.hx = config.domain_length() / (config.nx - 1);
  m.hy = config.domain_length() / (config.ny - 1);
  // Split in y only: each rank owns whole grid rows, so the global ordering is the natural one.
  METAROM_PETSC(DMDACreate2d(comm, DM_BOUNDARY_GHOSTED, DM_BOUNDARY_GHOSTED, DMDA_STENCIL_STAR, m.mx(), m.my(), 1,
                             PETSC_DECIDE, 2, 1, nullptr, nullptr, m.da.address()));
  METAROM_PETSC(DMSetUp(m.da));
  METAROM_PETSC(DMDASetFieldName(m.da, 0, "u"));
  METAROM_PETSC(DMDASetFieldName(m.da, 1, "v"));
  METAROM_PETSC(DMCreateLocalVector(m.da, m.in_local.address()));
  METAROM_PETSC(VecSet(m.in_local, 0.0));  // the Dirichlet ghosts: never written again
  METAROM_PETSC(VecDuplicate(m.in_local, m.second_local.address()));
  METAROM_PETSC(VecSet(m.second_local, 0.0));
  METAROM_PETSC(DMSetMatType(m.da, MATAIJ));
  METAROM_PETSC(DMCreateMatrix(m.da, m.jacobian.address()));
  METAROM_PETSC(MatSetOption(m.jacobian, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  VecHandle g;
  METAROM_PETSC(DMCreateGlobalVector(m.da, g.address()));
  PetscInt lo, hi;
  METAROM_PETSC(VecGetOwnershipRange(g, &lo, &hi));
  m.rows.comm = comm;
  m.rows.global = 2LL * m.mx() * m.my();
  m.rows.begin = lo;
  m.rows.end = hi;
}

BurgersModel::~BurgersModel() = default;

const RowPartition& BurgersModel::rows() const { return impl_->rows; }
bool BurgersModel::transport_dominated() const {
  const BurgersConfig& c = impl_->config;
  return std::abs(c.amplitude) * std::max(impl_->hx, impl_->hy) * c.re > 2.0;
}

const BurgersConfig& BurgersModel::config() const { return impl_->config; }
const TimeGrid& BurgersModel::time_grid() const { return impl_->config.time; }
double BurgersModel::solve_seconds() const { return impl_->seconds; }
long long BurgersModel::newton_iterations() const { return impl_->newton; }

FieldLayout BurgersModel::layout() const {
  const Impl& m = *impl_;
  FieldLayout l;
  l.fields = {"u", "v"};
  l.dims = {m.mx(), m.my()};
  const double lo = m.config.domain_lower(), hi = lo + m.config.domain_length();
  l.lower = {lo + m.hx, lo + m.hy};
  l.upper = {hi - m.hx, hi - m.hy};
  return l;
}

Attributes BurgersModel::provenance() const {
  Attributes a = impl_->config.to_attributes();
  a.set("metarom_version", std::string(version_string));
  a.set("created", iso_time_now());
  a.set("mpi_ranks", impl_->rows.size());
  if (!impl_->ts_type.empty()) a.set("ts_type", impl_->ts_type);
  return a;
}

Vector BurgersModel::initial_state() const {
  const Impl& m = *impl_;
  Vector x(m.rows.local());
  const double pi = std::numbers::pi, a = m.config.amplitude, w = m.config.width, lo = m.config.domain_lower();
  const bool gaussian = m.config.initial == BurgersInitial::gaussian;
  for (Index r = 0; r < x.size(); ++r) {
    const long long idx = m.rows.begin + r, point = idx / 2;
    const double px = lo + (point % m.mx() + 1) * m.hx, py = lo + (point / m.mx() + 1) * m.hy;
    if (gaussian) x(r) = a * std::exp(-(px * px + py * py) / w);
    else x(r) = px <= 0.5 && py <= 0.5 ? a * std::sin(2 * pi * px) * std::sin(2 * pi * py) : 0.0;
  }
  return x;
}

Matrix BurgersModel::rhs(double, const Matrix& X) const {
  const Impl& m = *impl_;
  return m.columns(X, nullptr, [&](Vec in, Vec, Vec out) { m.rhs(in, out); });
}

namespace {
// f at sample rows (row = field + 2(i + (nx−2) j)): field q at the point, its west and south
// neighbours (upwind convection with the point's velocity) and the 5-point Laplacian.
class BurgersSample : public SampledRhs {
 public:
  BurgersSample(const BurgersConfig& c, double hx, double hy, const std::vector<long long>& rows)
      : hx_(hx), hy_(hy), cx_(1 / c.re / (hx * hx)), cy_(1 / c.re / (hy * hy)),
        grid_(c.nx - 2, c.ny - 2, 2, rows, "burgers") {
    rows_ = rows;
    stencil_ = grid_.stencil();
  }
  Vector rhs(double, const Vector& x) const override {
    Vector f(static_cast<Index>(rows_.size()));
    for (size_t k = 0; k < rows_.size(); ++k) {
      const int q = grid_.field(k);
      const double u = grid_.value(x, k, FivePointSample::centre, 0), v = grid_.value(x, k, FivePointSample::centre, 1);
      const double own = grid_.value(x, k, FivePointSample::centre, q);
      f(static_cast<Index>(k)) = -u * (own - grid_.value(x, k, FivePointSample::west, q)) / hx_ -
                                 v * (own - grid_.value(x, k, FivePointSample::south, q)) / hy_ +
                                 grid_.laplacian(x, k, q, cx_, cy_);
    }
    return f;
  }

 private:
  auto entries(const Vector& x) const {
    return [this, &x](auto&& add) {
      for (size_t k = 0; k < rows_.size(); ++k) {
        const Index row = static_cast<Index>(k);
        const int q = grid_.field(k);
        const double u = grid_.value(x, k, FivePointSample::centre, 0),
                     v = grid_.value(x, k, FivePointSample::centre, 1);
        const double own = grid_.value(x, k, FivePointSample::centre, q);
        grid_.add_laplacian(add, row, k, q, cx_, cy_);
        add(row, grid_.at(k, FivePointSample::centre, q), -u / hx_ - v / hy_);
        add(row, grid_.at(k, FivePointSample::centre, 0), -(own - grid_.value(x, k, FivePointSample::west, q)) / hx_);
        add(row, grid_.at(k, FivePointSample::centre, 1), -(own - grid_.value(x, k, FivePointSample::south, q)) / hy_);
        if (const int w = grid_.at(k, FivePointSample::west, q); w >= 0) add(row, w, u / hx_);
        if (const int s = grid_.at(k, FivePointSample::south, q); s >= 0) add(row, s, v / hy_);
      }
    };
  }

 public:
  Matrix jacobian(double, const Vector& x) const override { return dense_from_entries(entries(x)); }
  Matrix jacobian_product_transposed(double, const Vector& x, const Matrix& Wt) const override {
    return product_from_entries(Wt, entries(x));
  }

 private:
  double hx_, hy_, cx_, cy_;
  FivePointSample grid_;
};
}  // namespace

std::unique_ptr<SampledRhs> BurgersModel::sampled_rhs(const std::vector<long long>& rows) const {
  return std::make_unique<BurgersSample>(impl_->config, impl_->hx, impl_->hy, rows);
}

Vector BurgersModel::constant_term() const { return Vector::Zero(impl_->rows.local()); }

Matrix BurgersModel::apply_linear_term(const Matrix& V) const {
  const Impl& m = *impl_;
  const double nu = 1 / m.config.re, cx = nu / (m.hx * m.hx), cy = nu / (m.hy * m.hy);
  return m.columns(V, nullptr, [&](Vec in, Vec, Vec out) {
    m.stencil(in, nullptr, out, [&](const Velocity* const* p, const Velocity* const*, PetscInt i, PetscInt j) {
      const Velocity c = p[j][i], w = p[j][i - 1], e = p[j][i + 1], s = p[j - 1][i], n = p[j + 1][i];
      return Velocity{cx * (w.u - 2 * c.u + e.u) + cy * (s.u - 2 * c.u + n.u),
                      cx * (w.v - 2 * c.v + e.v) + cy * (s.v - 2 * c.v + n.v)};
    });
  });
}

Matrix BurgersModel::apply_quadratic_term(const Matrix& V, const Matrix& W) const {
  const Impl& m = *impl_;
  return m.columns(V, &W, [&](Vec a, Vec b, Vec out) {
    m.stencil(a, b, out, [&](const Velocity* const* pa, const Velocity* const* pb, PetscInt i, PetscInt j) {
      const Velocity c = pa[j][i], q = pb[j][i], w = pb[j][i - 1], s = pb[j - 1][i];
      return Velocity{-c.u * (q.u - w.u) / m.hx - c.v * (q.u - s.u) / m.hy,
                      -c.u * (q.v - w.v) / m.hx - c.v * (q.v - s.v) / m.hy};
    });
  });
}

Matrix BurgersModel::apply_jacobian(double, const Vector& x, const Matrix& V) const {
  const Impl& m = *impl_;
  VecHandle xv;
  METAROM_PETSC(DMCreateGlobalVector(m.da, xv.address()));
  copy_to_vec(x.data(), xv);
  m.assemble_jacobian(xv, m.jacobian);
  return m.columns(V, nullptr, [&](Vec in, Vec, Vec out) { METAROM_PETSC(MatMult(m.jacobian, in, out)); });
}

SnapshotSet BurgersModel::simulate_from(const Vector& x0, bool progress) {
  Impl& m = *impl_;
  SnapshotRecorder recorder("burgers", m.rows);
  VecHandle x;
  METAROM_PETSC(DMCreateGlobalVector(m.da, x.address()));
  check_initial_state(x0, m.rows, "burgers");
  copy_to_vec(x0.data(), x);
  NonlinearOde ode;
  ode.model = "burgers";
  ode.da = m.da;
  ode.jacobian = m.jacobian;
  ode.default_type = TSBEULER;
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
