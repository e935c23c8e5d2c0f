#pragma once
// RAII ownership of PETSc objects and the bridge between PETSc error codes and C++
// exceptions. Only files that talk to PETSc include this header.
#include <petscdm.h>
#include <petscts.h>
#include <petsctao.h>

#include <algorithm>
#include <exception>
#include <string>
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

using VecHandle = PetscHandle<Vec, VecDestroy>;
using MatHandle = PetscHandle<Mat, MatDestroy>;
using DMHandle = PetscHandle<DM, DMDestroy>;
using KSPHandle = PetscHandle<KSP, KSPDestroy>;
using TSHandle = PetscHandle<TS, TSDestroy>;
using TaoHandle = PetscHandle<Tao, TaoDestroy>;

// An object's options prefix as PETSc's calls take it (nullptr: none).
inline const char* petsc_prefix(const std::string& prefix) { return prefix.empty() ? nullptr : prefix.c_str(); }

// The other direction, inside callbacks PETSc calls (TS, TSTrajectory, Tao and Mat
// implementations): runs f and turns a C++ exception into a PETSc error code. By default
// the error is raised on `comm` with the exception's text (PETSc prints and propagates it);
// with `message`, the text is stored there and the code returned without PETSc printing,
// for callers that expect failures and report them themselves (a latent ROM blowing up
// inside a parameter search).
template <class F>
PetscErrorCode petsc_guard(MPI_Comm comm, F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const std::exception& e) {
    if (message) {
      *message = e.what();
      return PETSC_ERR_LIB;
    }
    SETERRQ(comm, PETSC_ERR_LIB, "%s", e.what());
  }
  return 0;
}

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
