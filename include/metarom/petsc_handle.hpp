#pragma once
// RAII ownership of PETSc objects and the bridge between PETSc error codes and C++
// exceptions. Only files that talk to PETSc include this header.
#include <petscvec.h>

#include <algorithm>
#include <utility>

namespace metarom {

// Throws metarom::Error naming the failed call when a PETSc call returns non-zero.
[[noreturn]] void throw_petsc_error(PetscErrorCode code, const char* call, const char* file, int line);

#define METAROM_PETSC(...)                                                             \
  do {                                                                                 \
    PetscErrorCode metarom_ierr_ = (__VA_ARGS__);                                      \
    if (metarom_ierr_) ::metarom::throw_petsc_error(metarom_ierr_, #__VA_ARGS__, __FILE__, __LINE__); \
  } while (0)

// Owns one PETSc object (Vec, Mat, TS, DM, ...) and destroys it once.
template <class T, PetscErrorCode (*Destroy)(T*)>
class PetscHandle {
 public:
  PetscHandle() = default;
  explicit PetscHandle(T h) : h_(h) {}
  PetscHandle(const PetscHandle&) = delete;
  PetscHandle& operator=(const PetscHandle&) = delete;
  PetscHandle(PetscHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  PetscHandle& operator=(PetscHandle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~PetscHandle() { reset(); }

  void reset() {
    if (h_) (void)Destroy(&h_);
    h_ = nullptr;
  }
  T get() const { return h_; }
  operator T() const { return h_; }  // NOLINT: handles pass straight into PETSc calls
  T* address() {  // for PETSc's XCreate(..., &obj) out-parameters
    reset();
    return &h_;
  }

 private:
  T h_ = nullptr;
};

// Copies between a Vec's local part and plain storage of the same length: the bridge for
// models whose PETSc global ordering is the snapshot ordering (slab DMDAs).
inline void copy_to_vec(const double* x, Vec v) {
  PetscScalar* p;
  PetscInt n;
  METAROM_PETSC(VecGetLocalSize(v, &n));
  METAROM_PETSC(VecGetArray(v, &p));
  std::copy(x, x + n, p);
  METAROM_PETSC(VecRestoreArray(v, &p));
}
inline void copy_from_vec(Vec v, double* x) {
  const PetscScalar* p;
  PetscInt n;
  METAROM_PETSC(VecGetLocalSize(v, &n));
  METAROM_PETSC(VecGetArrayRead(v, &p));
  std::copy(p, p + n, x);
  METAROM_PETSC(VecRestoreArrayRead(v, &p));
}

}  // namespace metarom
