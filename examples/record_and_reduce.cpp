// A PETSc TS program recorded by metarom's TSTrajectory, reduced by POD, run again as TS "rom".
#include <metarom/metarom.hpp>
#include <cmath>
using namespace metarom;

// u_t = Au (periodic 1-D advection–diffusion ν u_xx − u_x), 500 fixed steps: recorded or reduced.
void run(Mat A, Vec u, bool reduced) {
  TSHandle ts;
  METAROM_PETSC(TSCreate(PETSC_COMM_WORLD, ts.address()));
  METAROM_PETSC(TSSetRHSFunction(ts, nullptr, TSComputeRHSFunctionLinear, nullptr));
  METAROM_PETSC(TSSetRHSJacobian(ts, A, A, TSComputeRHSJacobianConstant, nullptr));
  METAROM_PETSC(TSSetType(ts, reduced ? "rom" : TSSSP));  // SSP Runge–Kutta: fixed steps
  METAROM_PETSC(TSSetTimeStep(ts, 1e-3));
  METAROM_PETSC(TSSetMaxSteps(ts, 500));
  if (reduced) METAROM_PETSC(TSRomSetModel(ts, "pod.h5"));
  else {  // every state into snaps.h5, written at TSDestroy
    TSTrajectory tj;
    METAROM_PETSC(TSSetSaveTrajectory(ts));
    METAROM_PETSC(TSGetTrajectory(ts, &tj));
    METAROM_PETSC(TSTrajectorySetType(tj, ts, "metarom"));
    METAROM_PETSC(TSTrajectoryMetaromSetFile(tj, "snaps.h5"));
  }
  METAROM_PETSC(TSSetFromOptions(ts));
  METAROM_PETSC(TSSolve(ts, u));
}

int main(int argc, char** argv) {
  return run_program(argc, argv, "record_and_reduce", [] {
    METAROM_PETSC(register_petsc_types());
    PetscInt M = 200, lo, hi;  // grid points; ν = 0.01, h = 1/M
    MatHandle A;
    VecHandle full, rom;
    METAROM_PETSC(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, M, M, 3, nullptr, 2, nullptr, A.address()));
    METAROM_PETSC(MatCreateVecs(A, full.address(), rom.address()));
    METAROM_PETSC(MatGetOwnershipRange(A, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) {  // central differences; u(0) = exp(−50 (x − ½)²)
      const PetscInt cols[3] = {(i + M - 1) % M, i, (i + 1) % M};
      const PetscScalar v[3] = {0.01 * M * M + 0.5 * M, -0.02 * M * M, 0.01 * M * M - 0.5 * M};
      METAROM_PETSC(MatSetValues(A, 1, &i, 3, cols, v, INSERT_VALUES));
      METAROM_PETSC(VecSetValue(full, i, std::exp(-50 * std::pow((i + 0.5) / M - 0.5, 2)), INSERT_VALUES));
    }
    METAROM_PETSC(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    METAROM_PETSC(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
    METAROM_PETSC(VecAssemblyBegin(full));
    METAROM_PETSC(VecAssemblyEnd(full));
    METAROM_PETSC(VecCopy(full, rom));  // both runs start from u(0)
    run(A, full, false);
    const SnapshotSet snaps = read_snapshots("snaps.h5", PETSC_COMM_WORLD);
    Pod pod;
    pod.set_from_options();  // -reducer_latent_dim r; r by 99.99 % energy by default
    pod.fit(snaps);
    save_model("pod.h5", pod, snaps, "snaps.h5", 0);
    run(A, rom, true);
    PetscReal err, ref;
    METAROM_PETSC(VecNorm(full, NORM_2, &ref));
    METAROM_PETSC(VecAXPY(rom, -1, full));
    METAROM_PETSC(VecNorm(rom, NORM_2, &err));
    PetscPrintf(PETSC_COMM_WORLD, "POD r = %d: final-state relative error %.3e\n", pod.latent_dim(), err / ref);
  });
}
