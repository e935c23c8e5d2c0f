#include "metarom/models/qg.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <optional>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/poisson.hpp"
#include "models/five_point_sample.hpp"
#include "metarom/version.hpp"

namespace metarom {


namespace {

PetscErrorCode qg_options(MPI_Comm comm, const char* prefix, QgConfig* c) {
  PetscInt nx = c->nx, ny = c->ny, stride = c->stride;
  PetscReal re = c->re, ro = c->ro, dt = c->dt, spin = c->spinup_time, window = c->window;
  char poisson[64], file[PETSC_MAX_PATH_LEN];
  PetscBool set;
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "Quasi-geostrophic double-gyre model (metarom)", "QgModel");
  PetscCall(PetscOptionsInt("-qg_nx", "Interior grid points in x (on [0, 1])", "QgModel", nx, &nx, nullptr));
  PetscCall(PetscOptionsInt("-qg_ny", "Interior grid points in y (on [0, 2])", "QgModel", ny, &ny, nullptr));
  PetscCall(PetscOptionsReal("-qg_re", "Reynolds number Re", "QgModel", re, &re, nullptr));
  PetscCall(PetscOptionsReal("-qg_ro", "Rossby number Ro", "QgModel", ro, &ro, nullptr));
  PetscCall(PetscOptionsReal("-qg_dt", "Time step", "QgModel", dt, &dt, nullptr));
  PetscCall(PetscOptionsReal("-qg_spinup_time", "Spin-up time from rest (1 day = 0.0109)", "QgModel", spin, &spin,
                             nullptr));
  PetscCall(PetscOptionsReal("-qg_window", "Length of the recorded window", "QgModel", window, &window, nullptr));
  PetscCall(PetscOptionsInt("-qg_snapshot_stride", "Time steps between snapshots", "QgModel", stride, &stride,
                            nullptr));
  PetscCall(PetscOptionsString("-qg_poisson", "Poisson solver: dst (FFTW sine transform) or ksp (CG + GAMG)",
                               "QgModel", c->poisson.c_str(), poisson, sizeof poisson, &set));
  if (set) c->poisson = poisson;
  PetscCall(PetscOptionsString("-qg_spinup_file", "Keep the spun-up state in this file and start from it",
                               "QgModel", c->spinup_file.c_str(), file, sizeof file, &set));
  if (set) c->spinup_file = file;
  PetscOptionsEnd();
  c->nx = static_cast<int>(nx);
  c->ny = static_cast<int>(ny);
  c->stride = static_cast<int>(stride);
  c->re = re;
  c->ro = ro;
  c->dt = dt;
  c->spinup_time = spin;
  c->window = window;
  PetscFunctionReturn(0);
}

void check_config(const QgConfig& c) {
  if (c.nx < 3 || c.ny < 3) throw Error(fmt::format("qg: grid {} x {} is too small (at least 3 x 3)", c.nx, c.ny));
  if (!(c.re > 0) || !(c.ro > 0)) throw Error(fmt::format("qg: Re and Ro must be positive, got {} and {}", c.re, c.ro));
  if (!(c.dt > 0)) throw Error(fmt::format("qg: -qg_dt must be positive, got {}", c.dt));
  if (c.spinup_time < 0) throw Error(fmt::format("qg: -qg_spinup_time must be >= 0, got {}", c.spinup_time));
  if (!(c.window > 0)) throw Error(fmt::format("qg: -qg_window must be positive, got {}", c.window));
  if (c.stride < 1) throw Error(fmt::format("qg: -qg_snapshot_stride must be >= 1, got {}", c.stride));
  if (c.poisson != "dst" && c.poisson != "ksp")
    throw Error(fmt::format("qg: -qg_poisson must be dst or ksp, got '{}'", c.poisson));
}

int steps_for(double span, double dt) { return static_cast<int>(std::lround(span / dt)); }

}  // namespace

void QgConfig::set_from_options(MPI_Comm comm, const std::string& prefix) {
  METAROM_PETSC(qg_options(comm, petsc_prefix(prefix), this));
  check_config(*this);
}

Attributes QgConfig::to_attributes() const {
  Attributes a;
  a.set("model", "qg");
  a.set("qg_nx", nx);
  a.set("qg_ny", ny);
  a.set("qg_re", re);
  a.set("qg_ro", ro);
  a.set("qg_dt", dt);
  a.set("qg_spinup_time", spinup_time);
  a.set("qg_window", window);
  a.set("qg_snapshot_stride", stride);
  a.set("qg_poisson", poisson);
  if (!spinup_file.empty()) a.set("qg_spinup_file", spinup_file);
  return a;
}

QgConfig QgConfig::from_attributes(const Attributes& a, const std::string& ctx) {
  if (!a.has("model") || a.get_string("model", ctx) != "qg")
    throw Error(ctx + ": the provenance does not describe a QG run (attribute 'model' is not \"qg\")");
  QgConfig c;
  c.nx = static_cast<int>(a.get_int("qg_nx", ctx));
  c.ny = static_cast<int>(a.get_int("qg_ny", ctx));
  c.re = a.get_double("qg_re", ctx);
  c.ro = a.get_double("qg_ro", ctx);
  c.dt = a.get_double("qg_dt", ctx);
  c.spinup_time = a.get_double("qg_spinup_time", ctx);
  c.window = a.get_double("qg_window", ctx);
  c.stride = static_cast<int>(a.get_int("qg_snapshot_stride", ctx));
  c.poisson = a.get_string("qg_poisson", ctx);
  if (a.has("qg_spinup_file")) c.spinup_file = a.get_string("qg_spinup_file", ctx);
  check_config(c);
  return c;
}

TimeGrid QgConfig::window_grid() const {
  const int steps = steps_for(window, dt);
  return TimeGrid{spinup_time, spinup_time + steps * dt, steps, stride};
}

struct QgModel::Impl {
  MPI_Comm comm;
  QgConfig config;
  TimeGrid grid;
  DMHandle da;
  std::unique_ptr<PoissonSolver> poisson;
  VecHandle psi_local, omega, omega_local, q, work;  // work vectors for f
  VecHandle w_local;                                 // second argument of B(v, w)
  std::vector<double> forcing;                  // Ro⁻¹ F at the owned rows' y
  RowPartition rows;
  double hx, hy, seconds = 0;
  double poisson_seconds = 0;  // wall time inside the Poisson solver, accumulated
  mutable std::optional<Vector> spun_up;

  // Global Vec <-> local rows in snapshot ordering: the slab DMDA's global ordering is
  // the natural one, so these are plain copies.
  void to_vec(const double* x, Vec v) const { copy_to_vec(x, v); }
  void from_vec(Vec v, double* x) const { copy_from_vec(v, x); }

  // omega = -Δ_h ψ on owned points, from a ghosted ψ (zero outside the domain).
  void negative_laplacian(Vec in_local, Vec out) const {
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const PetscScalar** p;
    PetscScalar** o;
    METAROM_PETSC(DMDAVecGetArrayRead(da, in_local, &p));
    METAROM_PETSC(DMDAVecGetArray(da, out, &o));
    const double cx = 1 / (hx * hx), cy = 1 / (hy * hy);
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i)
        o[j][i] = -(cx * (p[j][i - 1] - 2 * p[j][i] + p[j][i + 1]) + cy * (p[j - 1][i] - 2 * p[j][i] + p[j + 1][i]));
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, in_local, &p));
    METAROM_PETSC(DMDAVecRestoreArray(da, out, &o));
  }

  void to_local(Vec global, Vec local) const {
    METAROM_PETSC(DMGlobalToLocalBegin(da, global, INSERT_VALUES, local));
    METAROM_PETSC(DMGlobalToLocalEnd(da, global, INSERT_VALUES, local));
  }

  // Arakawa (1966): J_A(a, b) = (J++ + J+x + Jx+)/3 ≈ a_x b_y - a_y b_x, conserving
  // Σ a J_A(a, b) and Σ b J_A(a, b) (energy and enstrophy). a, b ghosted arrays.
  static double arakawa_at(const PetscScalar* const* a, const PetscScalar* const* b, PetscInt i, PetscInt j,
                           double inv4hxhy) {
    const double jpp = (a[j][i + 1] - a[j][i - 1]) * (b[j + 1][i] - b[j - 1][i]) -
                       (a[j + 1][i] - a[j - 1][i]) * (b[j][i + 1] - b[j][i - 1]);
    const double jpx = a[j][i + 1] * (b[j + 1][i + 1] - b[j - 1][i + 1]) -
                       a[j][i - 1] * (b[j + 1][i - 1] - b[j - 1][i - 1]) -
                       a[j + 1][i] * (b[j + 1][i + 1] - b[j + 1][i - 1]) +
                       a[j - 1][i] * (b[j - 1][i + 1] - b[j - 1][i - 1]);
    const double jxp = b[j + 1][i] * (a[j + 1][i + 1] - a[j + 1][i - 1]) -
                       b[j - 1][i] * (a[j - 1][i + 1] - a[j - 1][i - 1]) -
                       b[j][i + 1] * (a[j + 1][i + 1] - a[j - 1][i + 1]) +
                       b[j][i - 1] * (a[j + 1][i - 1] - a[j - 1][i - 1]);
    return (jpp + jpx + jxp) * inv4hxhy / 3.0;
  }

  // out = (-Δ_h)⁻¹ q with q = tendency(...) below. With v = w = ψ and all weights 1 this is
  // f(ψ). w may be null (w = v).
  void combine(Vec v, Vec w, double a_lin, double a_quad, double a_force, Vec out) {
    tendency(v, w, a_lin, a_quad, a_force);
    const double start = MPI_Wtime();
    poisson->solve(q, out);
    poisson_seconds += MPI_Wtime() - start;
  }

  // q = a_quad (-J_A(ω(v), w)) + a_lin (Ro⁻¹ D_x v + Re⁻¹ Δ_h ω(v)) + a_force Ro⁻¹ F: the
  // vorticity tendency g before the Poisson solve.
  void tendency(Vec v, Vec w, double a_lin, double a_quad, double a_force) {
    to_local(v, psi_local);
    negative_laplacian(psi_local, omega);
    to_local(omega, omega_local);
    Vec wl = psi_local;
    if (w) {
      to_local(w, w_local);
      wl = w_local;
    }
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(da, &info));
    const PetscScalar **p, **o, **wa;
    PetscScalar** r;
    METAROM_PETSC(DMDAVecGetArrayRead(da, psi_local, &p));
    METAROM_PETSC(DMDAVecGetArrayRead(da, omega_local, &o));
    METAROM_PETSC(DMDAVecGetArrayRead(da, wl, &wa));
    METAROM_PETSC(DMDAVecGetArray(da, q, &r));
    const double cx = 1 / (hx * hx), cy = 1 / (hy * hy), inv4 = 1 / (4 * hx * hy);
    const double rox = 1 / (config.ro * 2 * hx), ire = 1 / config.re;
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j) {
      const double f = a_force * forcing[j - info.ys];
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) {
        double val = f;
        if (a_quad != 0) val -= a_quad * arakawa_at(o, wa, i, j, inv4);
        if (a_lin != 0) {
          const double lap = cx * (o[j][i - 1] - 2 * o[j][i] + o[j][i + 1]) + cy * (o[j - 1][i] - 2 * o[j][i] + o[j + 1][i]);
          val += a_lin * (rox * (p[j][i + 1] - p[j][i - 1]) + ire * lap);
        }
        r[j][i] = val;
      }
    }
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, psi_local, &p));
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, omega_local, &o));
    METAROM_PETSC(DMDAVecRestoreArrayRead(da, wl, &wa));
    METAROM_PETSC(DMDAVecRestoreArray(da, q, &r));
  }

  // Applies `op(in, out)` on PETSc Vecs to each column of X (snapshot ordering).
  template <class Op>
  Matrix columns(const Matrix& X, Op op) const {
    if (X.rows() != rows.local())
      throw Error(fmt::format("qg: got {} local rows, the model owns {}", X.rows(), rows.local()));
    Matrix out(X.rows(), X.cols());
    VecHandle in, res;
    METAROM_PETSC(DMCreateGlobalVector(da, in.address()));
    METAROM_PETSC(VecDuplicate(in, res.address()));
    for (Index k = 0; k < X.cols(); ++k) {
      to_vec(X.col(k).data(), in);
      op(in, res, k);
      from_vec(res, out.col(k).data());
    }
    return out;
  }

  double energy(const Vector& psi) const {
    // Kinetic energy ½∫|∇ψ|² = ½∫ψω (zero boundary values), by the midpoint rule.
    Impl& self = const_cast<Impl&>(*this);
    to_vec(psi.data(), self.work);
    to_local(work, psi_local);
    negative_laplacian(psi_local, omega);
    const PetscScalar* w;
    METAROM_PETSC(VecGetArrayRead(omega, &w));
    double e = 0;
    for (Index k = 0; k < psi.size(); ++k) e += psi(k) * w[k];
    METAROM_PETSC(VecRestoreArrayRead(omega, &w));
    return 0.5 * allreduce_sum(comm, e) * hx * hy;
  }
};

QgModel::QgModel(MPI_Comm comm, const QgConfig& config) : impl_(std::make_unique<Impl>()) {
  check_config(config);
  Impl& m = *impl_;
  m.comm = comm;
  m.config = config;
  m.grid = config.window_grid();
  m.hx = 1.0 / (config.nx + 1);
  m.hy = 2.0 / (config.ny + 1);
  m.da = create_slab_dmda(comm, config.nx, config.ny);
  m.poisson = create_poisson_solver(config.poisson, m.da, m.hx, m.hy);
  METAROM_PETSC(DMCreateLocalVector(m.da, m.psi_local.address()));
  METAROM_PETSC(VecDuplicate(m.psi_local, m.omega_local.address()));
  METAROM_PETSC(VecDuplicate(m.psi_local, m.w_local.address()));
  // Ghosts outside the domain are the zero boundary values: set once, never written.
  METAROM_PETSC(VecZeroEntries(m.psi_local));
  METAROM_PETSC(VecZeroEntries(m.omega_local));
  METAROM_PETSC(VecZeroEntries(m.w_local));
  METAROM_PETSC(DMCreateGlobalVector(m.da, m.omega.address()));
  METAROM_PETSC(VecDuplicate(m.omega, m.q.address()));
  METAROM_PETSC(VecDuplicate(m.omega, m.work.address()));
  PetscInt lo, hi, ys, ym;
  METAROM_PETSC(VecGetOwnershipRange(m.omega, &lo, &hi));
  m.rows = RowPartition{comm, static_cast<long long>(config.nx) * config.ny, lo, hi};
  METAROM_PETSC(DMDAGetCorners(m.da, nullptr, &ys, nullptr, nullptr, &ym, nullptr));
  for (PetscInt j = ys; j < ys + ym; ++j)
    m.forcing.push_back(std::sin(std::numbers::pi * ((j + 1) * m.hy - 1.0)) / config.ro);
}

QgModel::~QgModel() = default;

const RowPartition& QgModel::rows() const { return impl_->rows; }
const TimeGrid& QgModel::time_grid() const { return impl_->grid; }
const QgConfig& QgModel::config() const { return impl_->config; }
double QgModel::solve_seconds() const { return impl_->seconds; }
double QgModel::poisson_seconds() const { return impl_->poisson_seconds; }

FieldLayout QgModel::layout() const {
  FieldLayout l;
  l.dims = {impl_->config.nx, impl_->config.ny};
  l.fields = {"psi"};
  l.lower = {impl_->hx, impl_->hy};
  l.upper = {1.0 - impl_->hx, 2.0 - impl_->hy};
  return l;
}

Attributes QgModel::provenance() const {
  Attributes a = impl_->config.to_attributes();
  a.set("metarom_version", std::string(version_string));
  a.set("created", iso_time_now());
  a.set("mpi_ranks", impl_->rows.size());
  a.set("state", "psi");
  return a;
}

Matrix QgModel::rhs(double, const Matrix& X) const {
  Impl& m = *impl_;
  return m.columns(X, [&](Vec in, Vec out, Index) { m.combine(in, nullptr, 1, 1, 1, out); });
}

Matrix QgModel::local_rhs(double, const Matrix& X) const {
  Impl& m = *impl_;
  return m.columns(X, [&](Vec in, Vec out, Index) {
    m.tendency(in, nullptr, 1, 1, 1);
    METAROM_PETSC(VecCopy(m.q, out));
  });
}

namespace {
// g at sample rows (row = i + nx j): ψ on the 5 × 5 box around the point less its corners
// (offsets below), ω = −Δ_h ψ on the 3 × 3 box (zero on the boundary), and the full model's
// formula for g there (Impl::tendency, the same operations in the same order).
class QgSample : public SampledRhs {
 public:
  QgSample(const QgConfig& c, double hx, double hy, const std::vector<long long>& rows)
      : nx_(c.nx), ny_(c.ny), cx_(1 / (hx * hx)), cy_(1 / (hy * hy)), inv4_(1 / (4 * hx * hy)),
        rox_(1 / (c.ro * 2 * hx)), ire_(1 / c.re), hy_(hy), ro_(c.ro) {
    const long long n = static_cast<long long>(nx_) * ny_;
    std::vector<long long> neighbour;
    for (const long long row : rows) {
      if (row < 0 || row >= n) throw Error(fmt::format("qg: sample row {} is outside the state's {} rows", row, n));
      const long long i = row % nx_, j = row / nx_;
      for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx) {
          if (std::abs(dx) == 2 && std::abs(dy) == 2) continue;
          const long long ii = i + dx, jj = j + dy;
          neighbour.push_back(ii < 0 || jj < 0 || ii >= nx_ || jj >= ny_ ? -1 : ii + nx_ * jj);
        }
    }
    rows_ = rows;
    index_stencil(neighbour, stencil_, at_);
  }

  Vector rhs(double, const Vector& x) const override {
    Vector g(static_cast<Index>(rows_.size()));
    Box psi;
    for (size_t k = 0; k < rows_.size(); ++k) {
      gather(k, [&](int q) { return x(q); }, psi);
      g(static_cast<Index>(k)) = evaluate(k, psi, psi, 1, 1, 1);
    }
    return g;
  }
  // (∂g W)ᵀ: g is quadratic, g(ψ) = F + Lψ − J_A(ω(ψ), ψ), so ∂g[w] = Lw − J_A(ω(w), ψ) −
  // J_A(ω(ψ), w), evaluated per column of W on each sample's box.
  Matrix jacobian_product_transposed(double, const Vector& x, const Matrix& Wt) const override {
    Matrix P(Wt.rows(), static_cast<Index>(rows_.size()));
    Box psi, w;
    for (size_t k = 0; k < rows_.size(); ++k) {
      gather(k, [&](int q) { return x(q); }, psi);
      for (Index c = 0; c < Wt.rows(); ++c) {
        gather(k, [&](int q) { return Wt(c, q); }, w);
        P(c, static_cast<Index>(k)) = evaluate(k, w, psi, 1, 1, 0) + evaluate(k, psi, w, 0, 1, 0);
      }
    }
    return P;
  }
  Matrix jacobian(double t, const Vector& x) const override {
    const Index s = static_cast<Index>(stencil_.size());
    return jacobian_product_transposed(t, x, Matrix::Identity(s, s)).transpose();
  }

 private:
  static constexpr int box_points = 21;  // the 5 × 5 box less its corners
  using Box = double[5][5];              // [dy + 2][dx + 2]; corners unused

  template <class Value>
  void gather(size_t k, Value&& value, Box& b) const {
    int o = 0;
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx) {
        if (std::abs(dx) == 2 && std::abs(dy) == 2) {
          b[dy + 2][dx + 2] = 0;
          continue;
        }
        const int q = at_[k * box_points + static_cast<size_t>(o++)];
        b[dy + 2][dx + 2] = q < 0 ? 0.0 : value(q);
      }
  }

  // a_force Ro⁻¹F − a_quad J_A(ω(v), w) + a_lin (Ro⁻¹ D_x v + Re⁻¹ Δ_h ω(v)) at sample k.
  double evaluate(size_t k, const Box& v, const Box& w, double a_lin, double a_quad, double a_force) const {
    const long long i = rows_[k] % nx_, j = rows_[k] / nx_;
    double om[3][3];  // ω(v) on the 3 × 3 box, zero on the boundary
    for (int ey = -1; ey <= 1; ++ey)
      for (int ex = -1; ex <= 1; ++ex) {
        const long long ii = i + ex, jj = j + ey;
        const int a = ey + 2, b = ex + 2;
        om[ey + 1][ex + 1] = ii < 0 || jj < 0 || ii >= nx_ || jj >= ny_
                                 ? 0.0
                                 : -(cx_ * (v[a][b - 1] - 2 * v[a][b] + v[a][b + 1]) +
                                     cy_ * (v[a - 1][b] - 2 * v[a][b] + v[a + 1][b]));
      }
    const double* orow[3] = {&om[0][1], &om[1][1], &om[2][1]};
    const double* wrow[3] = {&w[1][2], &w[2][2], &w[3][2]};
    double val = a_force * (std::sin(std::numbers::pi * ((j + 1) * hy_ - 1.0)) / ro_);
    if (a_quad != 0) val -= a_quad * QgModel::Impl::arakawa_at(orow + 1, wrow + 1, 0, 0, inv4_);
    if (a_lin != 0) {
      const double lap = cx_ * (om[1][0] - 2 * om[1][1] + om[1][2]) + cy_ * (om[0][1] - 2 * om[1][1] + om[2][1]);
      val += a_lin * (rox_ * (v[2][3] - v[2][1]) + ire_ * lap);
    }
    return val;
  }

  long long nx_, ny_;
  double cx_, cy_, inv4_, rox_, ire_, hy_, ro_;
  std::vector<int> at_;
};
}  // namespace

std::unique_ptr<SampledRhs> QgModel::sampled_rhs(const std::vector<long long>& rows) const {
  return std::make_unique<QgSample>(impl_->config, impl_->hx, impl_->hy, rows);
}

Vector QgModel::constant_term() const {
  Impl& m = *impl_;
  return m.columns(Matrix::Zero(m.rows.local(), 1), [&](Vec in, Vec out, Index) { m.combine(in, nullptr, 0, 0, 1, out); })
      .col(0);
}

Matrix QgModel::apply_linear_term(const Matrix& V) const {
  Impl& m = *impl_;
  return m.columns(V, [&](Vec in, Vec out, Index) { m.combine(in, nullptr, 1, 0, 0, out); });
}

Matrix QgModel::apply_quadratic_term(const Matrix& V, const Matrix& W) const {
  Impl& m = *impl_;
  if (W.cols() != V.cols() || W.rows() != V.rows()) throw Error("qg: B(V, W) needs V and W of the same shape");
  VecHandle w;
  METAROM_PETSC(VecDuplicate(m.work, w.address()));
  return m.columns(V, [&](Vec in, Vec out, Index k) {
    m.to_vec(W.col(k).data(), w);
    m.combine(in, w, 0, 1, 0, out);
  });
}

Matrix QgModel::arakawa(const Matrix& A, const Matrix& B) const {
  Impl& m = *impl_;
  if (B.cols() != A.cols() || B.rows() != A.rows()) throw Error("qg: J(A, B) needs A and B of the same shape");
  return m.columns(A, [&](Vec in, Vec out, Index k) {
    m.to_local(in, m.psi_local);
    m.to_vec(B.col(k).data(), m.work);
    m.to_local(m.work, m.w_local);
    DMDALocalInfo info;
    METAROM_PETSC(DMDAGetLocalInfo(m.da, &info));
    const PetscScalar **a, **b;
    PetscScalar** r;
    METAROM_PETSC(DMDAVecGetArrayRead(m.da, m.psi_local, &a));
    METAROM_PETSC(DMDAVecGetArrayRead(m.da, m.w_local, &b));
    METAROM_PETSC(DMDAVecGetArray(m.da, out, &r));
    for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
      for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) r[j][i] = Impl::arakawa_at(a, b, i, j, 1 / (4 * m.hx * m.hy));
    METAROM_PETSC(DMDAVecRestoreArrayRead(m.da, m.psi_local, &a));
    METAROM_PETSC(DMDAVecRestoreArrayRead(m.da, m.w_local, &b));
    METAROM_PETSC(DMDAVecRestoreArray(m.da, out, &r));
  });
}

Matrix QgModel::vorticity(const Matrix& Psi) const {
  Impl& m = *impl_;
  return m.columns(Psi, [&](Vec in, Vec out, Index) {
    m.to_local(in, m.psi_local);
    m.negative_laplacian(m.psi_local, out);
  });
}

Matrix QgModel::energy_enstrophy(const Matrix& Psi) const {
  const Impl& m = *impl_;
  const Matrix W = vorticity(Psi);
  Matrix EZ(2, Psi.cols());
  EZ.row(0) = Psi.cwiseProduct(W).colwise().sum();
  EZ.row(1) = W.colwise().squaredNorm();
  allreduce_sum(m.comm, EZ.data(), EZ.size());
  return 0.5 * m.hx * m.hy * EZ;
}

Matrix QgModel::poisson(const Matrix& Omega) const {
  Impl& m = *impl_;
  return m.columns(Omega, [&](Vec in, Vec out, Index) { m.poisson->solve(in, out); });
}

namespace {
struct TsContext {
  QgModel::Impl* model;
  std::function<void(int, double, const Vector&)> record;
  Vector buffer;
};

PetscErrorCode qg_rhs(TS, PetscReal, Vec psi, Vec f, void* ctx) {
  auto* c = static_cast<TsContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCallCXX(c->model->combine(psi, nullptr, 1, 1, 1, f));
  PetscFunctionReturn(0);
}

PetscErrorCode qg_monitor(TS, PetscInt step, PetscReal t, Vec psi, void* ctx) {
  auto* c = static_cast<TsContext*>(ctx);
  PetscFunctionBeginUser;
  PetscCallCXX(c->model->from_vec(psi, c->buffer.data()));
  PetscCallCXX(c->record(static_cast<int>(step), t, c->buffer));
  PetscFunctionReturn(0);
}
}  // namespace

double QgModel::advance(Vector& psi, double t0, int steps,
                        const std::function<void(int, double, const Vector&)>& record) const {
  Impl& m = *impl_;
  if (psi.size() != m.rows.local()) throw Error("qg: state of the wrong local size");
  TsContext ctx{&m, record, Vector(m.rows.local())};
  TSHandle ts;
  METAROM_PETSC(TSCreate(m.comm, ts.address()));
  METAROM_PETSC(TSSetDM(ts, m.da));
  METAROM_PETSC(TSSetProblemType(ts, TS_NONLINEAR));
  METAROM_PETSC(TSSetRHSFunction(ts, nullptr, qg_rhs, &ctx));
  METAROM_PETSC(TSSetType(ts, TSRK));
  METAROM_PETSC(TSRKSetType(ts, TSRK4));
  TSAdapt adapt;
  METAROM_PETSC(TSGetAdapt(ts, &adapt));
  METAROM_PETSC(TSAdaptSetType(adapt, TSADAPTNONE));
  METAROM_PETSC(TSSetTime(ts, t0));
  METAROM_PETSC(TSSetTimeStep(ts, m.config.dt));
  METAROM_PETSC(TSSetMaxSteps(ts, steps));
  METAROM_PETSC(TSSetMaxTime(ts, t0 + steps * m.config.dt));
  METAROM_PETSC(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  if (record) METAROM_PETSC(TSMonitorSet(ts, qg_monitor, &ctx, nullptr));
  METAROM_PETSC(TSSetFromOptions(ts));
  VecHandle x;
  METAROM_PETSC(DMCreateGlobalVector(m.da, x.address()));
  m.to_vec(psi.data(), x);
  METAROM_PETSC(TSSetSolution(ts, x));
  METAROM_PETSC(TSSetUp(ts));
  MPI_Barrier(m.comm);
  const double start = MPI_Wtime();
  METAROM_PETSC(TSSolve(ts, x));
  MPI_Barrier(m.comm);
  const double seconds = MPI_Wtime() - start;
  PetscInt done;
  METAROM_PETSC(TSGetStepNumber(ts, &done));
  m.from_vec(x, psi.data());
  if (!every_rank(m.comm, psi.allFinite()))
    throw Error(fmt::format("qg: the solution blew up (NaN/Inf) before t = {:.4g}; reduce -qg_dt (now {})",
                            t0 + done * m.config.dt, m.config.dt));
  return seconds;
}

namespace {
// Progress lines every 10 %: step, model time, kinetic energy, elapsed and remaining time.
class Progress {
 public:
  Progress(bool on, MPI_Comm comm, std::string what, int steps) : on_(on), comm_(comm), what_(std::move(what)), steps_(steps) {
    start_ = MPI_Wtime();
  }
  void operator()(int step, double t, const std::function<double()>& energy) {
    if (!on_) return;
    const int tenth = static_cast<int>(10L * step / std::max(steps_, 1));
    if (tenth == last_ && step != steps_) return;
    last_ = tenth;
    const double elapsed = MPI_Wtime() - start_;
    const double left = step > 0 ? elapsed * (steps_ - step) / step : 0.0;
    const double e = energy();
    METAROM_PETSC(PetscFPrintf(comm_, PETSC_STDERR,
                               "  qg %s: step %d/%d  t = %.4f (day %.0f)  energy %.6e  %.1f s elapsed, ~%.1f s left\n",
                               what_.c_str(), step, steps_, t, t / QgConfig::day, e, elapsed, left));
  }

 private:
  bool on_;
  MPI_Comm comm_;
  std::string what_;
  int steps_, last_ = -1;
  double start_;
};

bool spinup_matches(const Attributes& a, const QgConfig& c) {
  try {
    const QgConfig s = QgConfig::from_attributes(a, "spin-up");
    return s.nx == c.nx && s.ny == c.ny && s.re == c.re && s.ro == c.ro && s.dt == c.dt &&
           s.spinup_time == c.spinup_time;
  } catch (const Error&) {
    return false;
  }
}
}  // namespace

Vector QgModel::spin_up(bool progress) const {
  Impl& m = *impl_;
  if (m.spun_up) return *m.spun_up;
  const QgConfig& c = m.config;
  const std::string& file = c.spinup_file;
  std::error_code ec;
  if (!file.empty() && std::filesystem::exists(file, ec)) {
    const SnapshotSet s = read_snapshots(file, m.rows);
    if (spinup_matches(s.provenance, c) && s.count() == 1) {
      if (progress)
        METAROM_PETSC(PetscFPrintf(m.comm, PETSC_STDERR, "  qg spin-up: starting from the saved state in %s\n",
                                   file.c_str()));
      m.spun_up = s.X.col(0);
      return *m.spun_up;
    }
    if (progress)
      METAROM_PETSC(PetscFPrintf(m.comm, PETSC_STDERR,
                                 "  qg spin-up: %s was made with other settings; spinning up again\n", file.c_str()));
  }
  Vector psi = Vector::Zero(m.rows.local());  // from rest
  const int steps = steps_for(c.spinup_time, c.dt);
  if (steps > 0) {
    Progress p(progress, m.comm, "spin-up", steps);
    advance(psi, 0.0, steps, [&](int step, double t, const Vector& x) { p(step, t, [&] { return m.energy(x); }); });
  }
  if (!file.empty()) {
    SnapshotSet s;
    s.rows = m.rows;
    s.X = psi;
    s.t = Vector::Constant(1, steps * c.dt);
    s.layout = layout();
    s.provenance = provenance();
    s.provenance.set("qg_spinup_state", 1);
    write_snapshots(file, s);
  }
  m.spun_up = psi;
  return psi;
}

Vector QgModel::initial_state() const { return spin_up(progress_); }

SnapshotSet QgModel::simulate(bool progress) {
  progress_ = progress;
  return simulate_from(spin_up(progress), progress);
}

SnapshotSet QgModel::simulate_from(const Vector& x0, bool progress) {
  Impl& m = *impl_;
  check_initial_state(x0, m.rows, "qg");
  Vector psi = x0;
  const TimeGrid& g = m.grid;
  SnapshotRecorder recorder("qg", m.rows);
  Progress p(progress, m.comm, "window", g.steps);
  try {
    m.seconds = advance(psi, g.t0, g.steps, [&](int step, double t, const Vector& x) {
      if (step % g.stride == 0) recorder.keep(step, t, x.data());
      p(step, t, [&] { return m.energy(x); });
    });
  } catch (const Error&) {
    recorder.rethrow(layout(), provenance());
  }
  return recorder.set(layout(), provenance());
}

}  // namespace metarom
