#include "plugin/dmda_patches.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/row_partition.hpp"

namespace metarom {

namespace {

// PETSc 3.18's private record of a DMDA's local callbacks (DMTS_DA in src/ts/utils/dmdats.c),
// which DMDATSSetRHSFunctionLocal hands to DMTSSetRHSFunction as the context of its
// dispatcher. PETSc has no getter for it; its layout is checked on a probe DMDA before any
// program's is read (callback_probe), so a PETSc that keeps it otherwise is refused, not misread.
struct PetscDmdaTsCallbacks {
  PetscErrorCode (*ifunctionlocal)(DMDALocalInfo*, PetscReal, void*, void*, void*, void*);
  PetscErrorCode (*rhsfunctionlocal)(DMDALocalInfo*, PetscReal, void*, void*, void*);
  PetscErrorCode (*ijacobianlocal)(DMDALocalInfo*, PetscReal, void*, void*, PetscReal, Mat, Mat, void*);
  PetscErrorCode (*rhsjacobianlocal)(DMDALocalInfo*, PetscReal, void*, Mat, Mat, void*);
  void* ifunctionlocalctx;
  void* ijacobianlocalctx;
  void* rhsfunctionlocalctx;
  void* rhsjacobianlocalctx;
  InsertMode ifunctionlocalimode;
  InsertMode rhsfunctionlocalimode;
};

PetscErrorCode probe_rhs_local(DMDALocalInfo*, PetscReal, void*, void*, void*) { return 0; }
PetscErrorCode probe_ifunction_local(DMDALocalInfo*, PetscReal, void*, void*, void*, void*) { return 0; }

// PETSc's dispatchers of DMDA local callbacks (static functions of PETSc's, found as what
// DMDATSSetRHSFunctionLocal and DMDATSSetIFunctionLocal install on a probe), and whether the
// record they are given has the layout above.
struct CallbackProbe {
  TSRHSFunction rhs_dispatcher = nullptr;
  TSIFunction ifunction_dispatcher = nullptr;
  bool layout_known = false;
};

const CallbackProbe& callback_probe() {
  static const CallbackProbe probe = [] {
    CallbackProbe p;
    DMHandle da;
    int marker = 0, imarker = 0;
    METAROM_PETSC(DMDACreate(PETSC_COMM_SELF, da.address()));
    METAROM_PETSC(DMSetDimension(da, 1));
    METAROM_PETSC(DMDASetSizes(da, 4, 1, 1));
    METAROM_PETSC(DMDASetDof(da, 1));
    METAROM_PETSC(DMDASetStencilWidth(da, 1));
    METAROM_PETSC(DMSetUp(da));
    METAROM_PETSC(DMDATSSetRHSFunctionLocal(da, ADD_VALUES, probe_rhs_local, &marker));
    METAROM_PETSC(DMDATSSetIFunctionLocal(da, INSERT_VALUES, probe_ifunction_local, &imarker));
    void* record = nullptr;
    void* irecord = nullptr;
    METAROM_PETSC(DMTSGetRHSFunction(da, &p.rhs_dispatcher, &record));
    METAROM_PETSC(DMTSGetIFunction(da, &p.ifunction_dispatcher, &irecord));
    const auto* c = static_cast<const PetscDmdaTsCallbacks*>(record);
    p.layout_known = c && record == irecord && c->rhsfunctionlocal == probe_rhs_local &&
                     c->rhsfunctionlocalctx == &marker && c->rhsfunctionlocalimode == ADD_VALUES &&
                     c->ifunctionlocal == probe_ifunction_local && c->ifunctionlocalctx == &imarker &&
                     c->ifunctionlocalimode == INSERT_VALUES;
    return p;
  }();
  return probe;
}

// Empty when every boundary of the grid is one a one-point patch reproduces: none (no ghost
// points beyond the edge) or periodic (ghosts wrap).
std::string unsupported_boundary(const DMDALocalInfo& info) {
  const std::array<DMBoundaryType, 3> b = {info.bx, info.by, info.bz};
  for (int a = 0; a < info.dim; ++a)
    if (b[a] != DM_BOUNDARY_NONE && b[a] != DM_BOUNDARY_PERIODIC)
      return fmt::format("the DMDA's boundary type {} in direction {} (patches reproduce none and periodic only)",
                         DMBoundaryTypes[b[a]], "xyz"[a]);
  return "";
}

}  // namespace

namespace {
// The DMDA of ts and PETSc's record of its local callbacks when `dispatcher` (what the DM's
// function is) is PETSc's DMDA dispatcher; null with `why` otherwise.
const PetscDmdaTsCallbacks* dmda_record(TS ts, void (*function)(), void* record, void (*dispatcher)(),
                                        const char* what, const char* global, const char* local, std::string& why) {
  DM dm = nullptr;
  METAROM_PETSC(TSGetDM(ts, &dm));
  PetscBool isda = PETSC_FALSE;
  METAROM_PETSC(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(dm), DMDA, &isda));
  if (!isda) {
    why = "the program's TS has no DMDA";
    return nullptr;
  }
  if (!function) {
    why = fmt::format("the program sets no {}", what);
    return nullptr;
  }
  if (function != dispatcher) {
    why = fmt::format("the program's {} is a global function ({}), not a DMDA local callback ({}) that can be called "
                      "on patches",
                      what, global, local);
    return nullptr;
  }
  if (!callback_probe().layout_known) {
    why = "this PETSc keeps DMDA local callbacks in a form metarom does not know (it reads PETSc 3.18's)";
    return nullptr;
  }
  DMDALocalInfo info;
  METAROM_PETSC(DMDAGetLocalInfo(dm, &info));
  why = unsupported_boundary(info);
  return why.empty() ? static_cast<const PetscDmdaTsCallbacks*>(record) : nullptr;
}

// A function pointer of any type as one comparable type.
template <class F>
void (*as_plain_function(F f))() {
  return reinterpret_cast<void (*)()>(f);
}
}  // namespace

std::optional<DmdaLocalRhs> DmdaLocalRhs::find(TS ts, std::string& why) {
  DM dm = nullptr;
  METAROM_PETSC(TSGetDM(ts, &dm));
  TSRHSFunction f = nullptr;
  void* record = nullptr;
  METAROM_PETSC(DMTSGetRHSFunction(dm, &f, &record));
  const PetscDmdaTsCallbacks* c =
      dmda_record(ts, as_plain_function(f), record, as_plain_function(callback_probe().rhs_dispatcher),
                  "right-hand side", "TSSetRHSFunction", "DMDATSSetRHSFunctionLocal", why);
  if (!c) return std::nullopt;
  if (c->rhsfunctionlocalimode != INSERT_VALUES) {
    why = "the program's DMDA local right-hand side adds into ghost points (ADD_VALUES), so a patch would hold partial "
          "sums";
    return std::nullopt;
  }
  return DmdaLocalRhs{c->rhsfunctionlocal, c->rhsfunctionlocalctx};
}

std::optional<DmdaLocalIFunction> DmdaLocalIFunction::find(TS ts, std::string& why) {
  DM dm = nullptr;
  METAROM_PETSC(TSGetDM(ts, &dm));
  TSIFunction f = nullptr;
  void* record = nullptr;
  METAROM_PETSC(DMTSGetIFunction(dm, &f, &record));
  const PetscDmdaTsCallbacks* c =
      dmda_record(ts, as_plain_function(f), record, as_plain_function(callback_probe().ifunction_dispatcher),
                  "implicit function", "TSSetIFunction", "DMDATSSetIFunctionLocal", why);
  if (!c) return std::nullopt;
  if (c->ifunctionlocalimode != INSERT_VALUES) {
    why = "the program's DMDA local implicit function adds into ghost points (ADD_VALUES), so a patch would hold "
          "partial sums";
    return std::nullopt;
  }
  return DmdaLocalIFunction{c->ifunctionlocal, c->ifunctionlocalctx};
}

DmdaPatches::DmdaPatches(TS ts, const std::vector<long long>& rows, int inputs) {
  DM da = nullptr;
  METAROM_PETSC(TSGetDM(ts, &da));
  comm_ = PetscObjectComm(reinterpret_cast<PetscObject>(da));
  DMDALocalInfo whole;
  METAROM_PETSC(DMDAGetLocalInfo(da, &whole));
  const std::string bad = unsupported_boundary(whole);
  if (!bad.empty()) throw Error("TS rom: hyper-reduction: " + bad);
  dim_ = whole.dim;
  dof_ = whole.dof;
  const int sw = whole.sw;
  const std::array<long long, 3> size = {whole.mx, dim_ > 1 ? whole.my : 1, dim_ > 2 ? whole.mz : 1};
  const std::array<bool, 3> periodic = {whole.bx == DM_BOUNDARY_PERIODIC, whole.by == DM_BOUNDARY_PERIODIC,
                                        whole.bz == DM_BOUNDARY_PERIODIC};
  const std::array<long long, 3> lo = {whole.xs, whole.ys, whole.zs}, count = {whole.xm, whole.ym, whole.zm};
  const long long points = size[0] * size[1] * size[2];
  rows_ = rows;

  // The offsets a point's value reads: the star's arms or the box, within the stencil width.
  std::vector<std::array<long long, 3>> offsets;
  const int reach[3] = {sw, dim_ > 1 ? sw : 0, dim_ > 2 ? sw : 0};
  for (int dz = -reach[2]; dz <= reach[2]; ++dz)
    for (int dy = -reach[1]; dy <= reach[1]; ++dy)
      for (int dx = -reach[0]; dx <= reach[0]; ++dx) {
        const int nonzero = (dx != 0) + (dy != 0) + (dz != 0);
        if (whole.st == DMDA_STENCIL_STAR && nonzero > 1) continue;
        offsets.push_back({dx, dy, dz});
      }
  // Where a point's neighbour lies, wrapped on periodic axes; false beyond a non-periodic edge.
  auto neighbour = [&](const std::array<long long, 3>& p, const std::array<long long, 3>& d,
                       std::array<long long, 3>& q) {
    for (int a = 0; a < 3; ++a) {
      q[a] = p[a] + d[a];
      if (q[a] < 0 || q[a] >= size[a]) {
        if (!periodic[a]) return false;
        q[a] = ((q[a] % size[a]) + size[a]) % size[a];
      }
    }
    return true;
  };
  auto natural = [&](const std::array<long long, 3>& q) { return q[0] + size[0] * (q[1] + size[1] * q[2]); };

  // The sample points (several fields of one point share its patch) and the stencil.
  std::map<long long, std::vector<std::pair<int, int>>> at_point;  // point -> (field, position in rows)
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] < 0 || rows[k] >= points * dof_)
      throw Error(fmt::format("TS rom: hyper-reduction: sample row {} is not a row of the program's {} values", rows[k],
                              points * dof_));
    at_point[rows[k] / dof_].emplace_back(static_cast<int>(rows[k] % dof_), static_cast<int>(k));
  }
  auto coordinates = [&](long long point) {
    return std::array<long long, 3>{point % size[0], (point / size[0]) % size[1], point / (size[0] * size[1])};
  };
  for (const auto& [point, fields] : at_point) {
    const auto p = coordinates(point);
    std::array<long long, 3> q;
    for (const auto& d : offsets)
      if (neighbour(p, d, q))
        for (int c = 0; c < dof_; ++c) stencil_.push_back(natural(q) * dof_ + c);
  }
  std::sort(stencil_.begin(), stencil_.end());
  stencil_.erase(std::unique(stencil_.begin(), stencil_.end()), stencil_.end());
  auto stencil_position = [&](long long row) {
    return static_cast<int>(std::lower_bound(stencil_.begin(), stencil_.end(), row) - stencil_.begin());
  };

  // This rank's patches: a one-point owned box, ghosted by the stencil width as the DMDA's
  // local arrays are (clipped at non-periodic edges).
  size_t largest = 0;
  for (const auto& [point, fields] : at_point) {
    const auto p = coordinates(point);
    bool mine = true;
    for (int a = 0; a < dim_; ++a) mine = mine && p[a] >= lo[a] && p[a] < lo[a] + count[a];
    if (!mine) continue;
    Patch patch;
    patch.info = whole;
    std::array<long long, 3> glo{}, gcount{};
    for (int a = 0; a < 3; ++a) {
      const long long r = a < dim_ ? sw : 0;
      glo[a] = periodic[a] ? p[a] - r : std::max(p[a] - r, 0LL);
      const long long hi = periodic[a] ? p[a] + r : std::min(p[a] + r, size[a] - 1);
      gcount[a] = hi - glo[a] + 1;
    }
    DMDALocalInfo& in = patch.info;
    in.xs = static_cast<PetscInt>(p[0]), in.ys = static_cast<PetscInt>(p[1]), in.zs = static_cast<PetscInt>(p[2]);
    in.xm = in.ym = in.zm = 1;
    in.gxs = static_cast<PetscInt>(glo[0]), in.gys = static_cast<PetscInt>(glo[1]), in.gzs = static_cast<PetscInt>(glo[2]);
    in.gxm = static_cast<PetscInt>(gcount[0]), in.gym = static_cast<PetscInt>(gcount[1]),
    in.gzm = static_cast<PetscInt>(gcount[2]);
    std::array<long long, 3> q;
    for (const auto& d : offsets) {
      if (!neighbour(p, d, q)) continue;
      const long long ux = p[0] + d[0] - glo[0], uy = p[1] + d[1] - glo[1], uz = p[2] + d[2] - glo[2];
      const long long cell = (uz * gcount[1] + uy) * gcount[0] + ux;
      for (int c = 0; c < dof_; ++c)
        patch.in.emplace_back(static_cast<int>(cell * dof_ + c), stencil_position(natural(q) * dof_ + c));
    }
    patch.out = fields;
    largest = std::max(largest, static_cast<size_t>(gcount[0] * gcount[1] * gcount[2] * dof_));
    patches_.push_back(std::move(patch));
  }
  x_.assign(static_cast<size_t>(inputs), std::vector<PetscScalar>(largest, 0.0));
  x_rows_.resize(static_cast<size_t>(inputs));
  x_planes_.resize(static_cast<size_t>(inputs));
  in_.resize(static_cast<size_t>(inputs));
  f_.assign(static_cast<size_t>(dof_), 0.0);
}

void DmdaPatches::load(const Patch& p, const std::vector<const Vector*>& inputs) const {
  const DMDALocalInfo& in = p.info;
  const size_t size = static_cast<size_t>(in.gxm) * in.gym * in.gzm * dof_;
  for (size_t a = 0; a < x_.size(); ++a) {
    std::fill(x_[a].begin(), x_[a].begin() + static_cast<std::ptrdiff_t>(size), 0.0);  // star corners stay 0
    for (const auto& [b, q] : p.in) x_[a][static_cast<size_t>(b)] = (*inputs[a])(q);
  }
}

void DmdaPatches::call(const Patch& p, const Call& f) const {
  // Arrays indexed by global grid indices, as DMDAVecGetArray makes them: x[j][i*dof + c] on
  // the ghosted patch, f[j][i*dof + c] on its one owned point.
  const DMDALocalInfo& in = p.info;
  const std::ptrdiff_t gx = in.gxm, gy = dim_ > 1 ? in.gym : 1, gz = dim_ > 2 ? in.gzm : 1;
  PetscScalar* fb = f_.data();
  void* out = nullptr;
  for (size_t a = 0; a < x_.size(); ++a) {
    PetscScalar* xb = x_[a].data();
    if (dim_ == 1) {
      in_[a] = xb - static_cast<std::ptrdiff_t>(in.gxs) * dof_;
      continue;
    }
    std::vector<PetscScalar*>& rows = x_rows_[a];
    rows.resize(static_cast<size_t>(gy * gz));
    for (std::ptrdiff_t k = 0; k < gz; ++k)
      for (std::ptrdiff_t j = 0; j < gy; ++j) rows[k * gy + j] = xb + ((k * gy + j) * gx - in.gxs) * dof_;
    if (dim_ == 2) {
      in_[a] = rows.data() - in.gys;
    } else {
      std::vector<PetscScalar**>& planes = x_planes_[a];
      planes.resize(static_cast<size_t>(gz));
      for (std::ptrdiff_t k = 0; k < gz; ++k) planes[k] = rows.data() + k * gy - in.gys;
      in_[a] = planes.data() - in.gzs;
    }
  }
  if (dim_ == 1) {
    out = fb - static_cast<std::ptrdiff_t>(in.xs) * dof_;
  } else {
    f_rows_.assign(1, fb - static_cast<std::ptrdiff_t>(in.xs) * dof_);
    if (dim_ == 2) {
      out = f_rows_.data() - in.ys;
    } else {
      f_planes_.assign(1, f_rows_.data() - in.ys);
      out = f_planes_.data() - in.zs;
    }
  }
  DMDALocalInfo info = in;  // the callback takes it by non-const pointer
  METAROM_PETSC(f(&info, in_.data(), out));
}

Vector DmdaPatches::evaluate(const std::vector<const Vector*>& inputs, const Call& f) const {
  Vector out = Vector::Zero(static_cast<Index>(rows_.size()));
  for (const Patch& p : patches_) {
    load(p, inputs);
    call(p, f);
    for (const auto& [c, k] : p.out) out(k) = f_[static_cast<size_t>(c)];
  }
  allreduce_sum(comm_, out.data(), out.size());  // each sample row has one owner
  return out;
}

Matrix DmdaPatches::jacobian(const std::vector<const Vector*>& inputs, int which, const Call& f) const {
  Matrix J = Matrix::Zero(static_cast<Index>(rows_.size()), static_cast<Index>(stencil_.size()));
  std::vector<PetscScalar> plus(static_cast<size_t>(dof_));
  std::vector<PetscScalar>& x = x_[static_cast<size_t>(which)];
  for (const Patch& p : patches_) {
    load(p, inputs);
    for (const auto& [b, q] : p.in) {
      // Central differences with h ~ ε^(1/3)|x|: truncation and round-off both ~ ε^(2/3).
      const double x0 = x[static_cast<size_t>(b)], h = 6e-6 * std::max(1.0, std::abs(x0));
      x[static_cast<size_t>(b)] = x0 + h;
      call(p, f);
      plus = f_;
      x[static_cast<size_t>(b)] = x0 - h;
      call(p, f);
      x[static_cast<size_t>(b)] = x0;
      for (const auto& [c, k] : p.out) J(k, q) += (plus[static_cast<size_t>(c)] - f_[static_cast<size_t>(c)]) / (2 * h);
    }
  }
  allreduce_sum(comm_, J.data(), J.size());
  return J;
}

DmdaPatchRhs::DmdaPatchRhs(TS ts, const DmdaLocalRhs& callback, const std::vector<long long>& rows, long long* calls)
    : callback_(callback), patches_(ts, rows, 1), calls_(calls) {
  rows_ = patches_.rows();
  stencil_ = patches_.stencil();
}

Vector DmdaPatchRhs::rhs(double t, const Vector& x_stencil) const {
  if (calls_) ++*calls_;
  return patches_.evaluate({&x_stencil}, [&](DMDALocalInfo* info, void** in, void* out) {
    return callback_.function(info, t, in[0], out, callback_.context);
  });
}

Matrix DmdaPatchRhs::jacobian(double t, const Vector& x_stencil) const {
  return patches_.jacobian({&x_stencil}, 0, [&](DMDALocalInfo* info, void** in, void* out) {
    return callback_.function(info, t, in[0], out, callback_.context);
  });
}

DmdaPatchIFunction::DmdaPatchIFunction(TS ts, const DmdaLocalIFunction& callback, const std::vector<long long>& rows)
    : callback_(callback), patches_(ts, rows, 2) {}

DmdaPatches::Call DmdaPatchIFunction::bind(double t) const {
  return [this, t](DMDALocalInfo* info, void** in, void* out) {
    return callback_.function(info, t, in[0], in[1], out, callback_.context);
  };
}

Vector DmdaPatchIFunction::residual(double t, const Vector& x_stencil, const Vector& xdot_stencil) const {
  ++calls_;
  return patches_.evaluate({&x_stencil, &xdot_stencil}, bind(t));
}

Matrix DmdaPatchIFunction::jacobian_x(double t, const Vector& x_stencil, const Vector& xdot_stencil) const {
  return patches_.jacobian({&x_stencil, &xdot_stencil}, 0, bind(t));
}

Matrix DmdaPatchIFunction::jacobian_xdot(double t, const Vector& x_stencil, const Vector& xdot_stencil) const {
  return patches_.jacobian({&x_stencil, &xdot_stencil}, 1, bind(t));
}

}  // namespace metarom
