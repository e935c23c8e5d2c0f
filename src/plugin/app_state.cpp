#include "plugin/app_state.hpp"

#include <fmt/format.h>
#include <petscdmda.h>

#include <string>

#include "metarom/error.hpp"

namespace metarom {

AppState::AppState(TS ts, Vec x) {
  PetscInt n, lo, hi;
  METAROM_PETSC(VecGetSize(x, &n));
  METAROM_PETSC(VecGetOwnershipRange(x, &lo, &hi));
  MPI_Comm comm;
  METAROM_PETSC(PetscObjectGetComm(reinterpret_cast<PetscObject>(x), &comm));
  rows_ = RowPartition{comm, n, lo, hi};
  DM dm = nullptr;
  METAROM_PETSC(TSGetDM(ts, &dm));
  PetscBool isda = PETSC_FALSE;
  if (dm) METAROM_PETSC(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(dm), DMDA, &isda));
  if (!isda) return;
  PetscInt dim, M, N, P, dof;
  METAROM_PETSC(DMDAGetInfo(dm, &dim, &M, &N, &P, nullptr, nullptr, nullptr, &dof, nullptr, nullptr, nullptr, nullptr,
                            nullptr));
  const long long points = static_cast<long long>(M) * (dim > 1 ? N : 1) * (dim > 2 ? P : 1);
  if (points * dof != n) return;  // the DM does not describe this Vec: plain ordering
  da_ = dm;
  METAROM_PETSC(DMDACreateNaturalVector(dm, natural_.address()));
  layout_.dims = {M};
  if (dim > 1) layout_.dims.push_back(N);
  if (dim > 2) layout_.dims.push_back(P);
  for (PetscInt f = 0; f < dof; ++f) {
    const char* name = nullptr;
    METAROM_PETSC(DMDAGetFieldName(dm, f, &name));
    layout_.fields.push_back(name && *name ? std::string(name) : fmt::format("u{}", f));
  }
}

VecHandle state_vec(TS ts) {
  Vec sol = nullptr;
  METAROM_PETSC(TSGetSolution(ts, &sol));
  VecHandle v;
  if (sol) {
    METAROM_PETSC(VecDuplicate(sol, v.address()));
    return v;
  }
  DM dm = nullptr;
  METAROM_PETSC(TSGetDM(ts, &dm));
  METAROM_PETSC(DMCreateGlobalVector(dm, v.address()));
  return v;
}

PetscErrorCode option_string(PetscOptionItems* PetscOptionsObject, const char* name, const char* text,
                             const char* manual, std::string& value) {
  char buf[PETSC_MAX_PATH_LEN];
  PetscBool set;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsString(name, text, manual, value.c_str(), buf, sizeof buf, &set));
  if (set) value = buf;
  PetscFunctionReturn(0);
}

Vector AppState::to_rows(Vec x) const {
  Vec src = x;
  if (da_) {
    METAROM_PETSC(DMDAGlobalToNaturalBegin(da_, x, INSERT_VALUES, natural_));
    METAROM_PETSC(DMDAGlobalToNaturalEnd(da_, x, INSERT_VALUES, natural_));
    src = natural_;
  }
  const PetscScalar* p;
  METAROM_PETSC(VecGetArrayRead(src, &p));
  Vector v = Eigen::Map<const Vector>(p, rows_.local());
  METAROM_PETSC(VecRestoreArrayRead(src, &p));
  return v;
}

void AppState::from_rows(const Vector& v, Vec x) const {
  if (v.size() != rows_.local())
    throw Error("metarom plugin: a state with " + std::to_string(v.size()) + " local rows, the Vec has " +
                std::to_string(rows_.local()));
  Vec dst = da_ ? natural_.get() : x;
  PetscScalar* p;
  METAROM_PETSC(VecGetArray(dst, &p));
  Eigen::Map<Vector>(p, rows_.local()) = v;
  METAROM_PETSC(VecRestoreArray(dst, &p));
  if (da_) {
    METAROM_PETSC(DMDANaturalToGlobalBegin(da_, natural_, INSERT_VALUES, x));
    METAROM_PETSC(DMDANaturalToGlobalEnd(da_, natural_, INSERT_VALUES, x));
  }
}

}  // namespace metarom
