#include "metarom/models/poisson.hpp"

#include <fftw3-mpi.h>
#include <fmt/format.h>
#include <petscdmda.h>
#include <petscksp.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "metarom/error.hpp"
#include "models/laplacian.hpp"

namespace metarom {

namespace {

void init_fftw_mpi() {
  static bool done = false;
  if (!done) {
    fftw_mpi_init();
    done = true;
  }
}

int comm_size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

// DST-I based solver. Data layout: row-major [ny][nx] (x fastest), rows split in slabs.
class DstPoisson : public PoissonSolver {
 public:
  DstPoisson(DM da, double hx, double hy) {
    MPI_Comm comm;
    METAROM_PETSC(PetscObjectGetComm(reinterpret_cast<PetscObject>(da), &comm));
    PetscInt nx, ny, xs, ys, xm, ym;
    METAROM_PETSC(DMDAGetInfo(da, nullptr, &nx, &ny, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                              nullptr, nullptr, nullptr));
    METAROM_PETSC(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
    if (xs != 0 || xm != nx)
      throw Error("DST Poisson solver: the DMDA must be split in y only (use create_slab_dmda)");
    nx_ = nx;
    local_rows_ = ym;
    ys_ = ys;
    const bool parallel = comm_size(comm) > 1;
    ptrdiff_t alloc = static_cast<ptrdiff_t>(ym) * nx;
    if (parallel) {
      init_fftw_mpi();
      ptrdiff_t local_n0, start0;
      alloc = fftw_mpi_local_size_2d(ny, nx, comm, &local_n0, &start0);
      if (local_n0 != ym || start0 != ys)
        throw Error(fmt::format("DST Poisson solver: rank owns rows {}..{}, FFTW's slab is {}..{} (use "
                                "create_slab_dmda)",
                                ys, ys + ym, start0, start0 + local_n0));
    }
    buf_ = fftw_alloc_real(std::max<ptrdiff_t>(alloc, 1));
    // FFTW_ESTIMATE: the same plan every run, so results are reproducible bit for bit.
    plan_ = parallel ? fftw_mpi_plan_r2r_2d(ny, nx, buf_, buf_, comm, FFTW_RODFT00, FFTW_RODFT00, FFTW_ESTIMATE)
                     : fftw_plan_r2r_2d(ny, nx, buf_, buf_, FFTW_RODFT00, FFTW_RODFT00, FFTW_ESTIMATE);
    if (!plan_) throw Error("DST Poisson solver: FFTW could not plan the transform");
    // Inverse eigenvalues with the normalization of two unnormalized DST-Is folded in.
    const double pi = std::numbers::pi, scale = 4.0 * (nx + 1) * (ny + 1);
    inv_lambda_.resize(static_cast<size_t>(ym) * nx);
    for (PetscInt j = 0; j < ym; ++j) {
      const double sy = std::sin((ys + j + 1) * pi / (2.0 * (ny + 1)));
      for (PetscInt i = 0; i < nx; ++i) {
        const double sx = std::sin((i + 1) * pi / (2.0 * (nx + 1)));
        inv_lambda_[j * nx + i] = 1.0 / (scale * (4 * sx * sx / (hx * hx) + 4 * sy * sy / (hy * hy)));
      }
    }
  }
  ~DstPoisson() override {
    if (plan_) fftw_destroy_plan(plan_);
    if (buf_) fftw_free(buf_);
  }
  std::string type() const override { return "dst"; }

  void solve(Vec omega, Vec psi) override {
    const PetscScalar* w;
    METAROM_PETSC(VecGetArrayRead(omega, &w));
    const size_t n = inv_lambda_.size();
    std::copy(w, w + n, buf_);
    METAROM_PETSC(VecRestoreArrayRead(omega, &w));
    fftw_execute(plan_);
    for (size_t k = 0; k < n; ++k) buf_[k] *= inv_lambda_[k];
    fftw_execute(plan_);
    PetscScalar* p;
    METAROM_PETSC(VecGetArray(psi, &p));
    std::copy(buf_, buf_ + n, p);
    METAROM_PETSC(VecRestoreArray(psi, &p));
  }

 private:
  PetscInt nx_ = 0, local_rows_ = 0, ys_ = 0;
  double* buf_ = nullptr;
  fftw_plan plan_ = nullptr;
  std::vector<double> inv_lambda_;
};

class KspPoisson : public PoissonSolver {
 public:
  KspPoisson(DM da, double hx, double hy, const std::string& pc_type) : A_(assemble_negative_laplacian(da, hx, hy)) {
    MPI_Comm comm;
    METAROM_PETSC(PetscObjectGetComm(reinterpret_cast<PetscObject>(da), &comm));
    METAROM_PETSC(KSPCreate(comm, ksp_.address()));
    METAROM_PETSC(KSPSetOptionsPrefix(ksp_, "qg_poisson_"));
    METAROM_PETSC(KSPSetOperators(ksp_, A_, A_));
    METAROM_PETSC(KSPSetType(ksp_, KSPCG));
    PC pc;
    METAROM_PETSC(KSPGetPC(ksp_, &pc));
    METAROM_PETSC(PCSetType(pc, pc_type.c_str()));
    METAROM_PETSC(KSPSetTolerances(ksp_, 1e-12, 1e-50, PETSC_DEFAULT, 10000));
    // Start from the previous solution: in time stepping consecutive solves are close.
    METAROM_PETSC(KSPSetInitialGuessNonzero(ksp_, PETSC_TRUE));
    METAROM_PETSC(KSPSetFromOptions(ksp_));
    METAROM_PETSC(KSPSetUp(ksp_));
  }
  std::string type() const override { return "ksp"; }

  void solve(Vec omega, Vec psi) override {
    METAROM_PETSC(KSPSolve(ksp_, omega, psi));
    KSPConvergedReason reason;
    METAROM_PETSC(KSPGetConvergedReason(ksp_, &reason));
    if (reason < 0) throw Error(fmt::format("KSP Poisson solver diverged (reason {})", static_cast<int>(reason)));
  }

 private:
  MatHandle A_;
  KSPHandle ksp_;
};

}  // namespace

MatHandle assemble_negative_laplacian(DM da, double hx, double hy) {
  const double h[2] = {hx, hy};
  return assemble_laplacian(da, h, -1.0);
}

DMHandle create_slab_dmda(MPI_Comm comm, int nx, int ny) {
  const int size = comm_size(comm);
  std::vector<PetscInt> ly(size, 0);
  if (size > 1) {
    init_fftw_mpi();
    ptrdiff_t local_n0, start0;
    fftw_mpi_local_size_2d(ny, nx, comm, &local_n0, &start0);
    PetscInt mine = static_cast<PetscInt>(local_n0);
    MPI_Allgather(&mine, 1, MPIU_INT, ly.data(), 1, MPIU_INT, comm);
    for (PetscInt rows : ly)
      if (rows < 2)
        throw Error(fmt::format("a {} x {} grid is too small for {} ranks (FFTW gives a rank {} rows)", nx, ny, size,
                                rows));
  } else {
    ly[0] = ny;
  }
  PetscInt lx = nx;
  DMHandle da;
  METAROM_PETSC(DMDACreate2d(comm, DM_BOUNDARY_GHOSTED, DM_BOUNDARY_GHOSTED, DMDA_STENCIL_BOX, nx, ny, 1, size, 1, 1,
                             &lx, ly.data(), da.address()));
  METAROM_PETSC(DMSetUp(da));
  return da;
}

std::unique_ptr<PoissonSolver> create_poisson_solver(const std::string& type, DM da, double hx, double hy,
                                                     const std::string& ksp_pc_type) {
  if (type == "dst") return std::make_unique<DstPoisson>(da, hx, hy);
  if (type == "ksp") return std::make_unique<KspPoisson>(da, hx, hy, ksp_pc_type);
  throw Error("unknown Poisson solver '" + type + "' (known: dst, ksp)");
}

}  // namespace metarom
