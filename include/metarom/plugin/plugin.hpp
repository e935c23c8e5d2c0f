#pragma once
// The PETSc plugin (src/plugin): types PETSc creates by name once libmetarom.so is loaded,
// e.g. with `-dll_append /path/to/libmetarom.so` (PETSc then calls the exported
// PetscDLLibraryRegister_metarom at PetscInitialize):
//   TSTrajectory "metarom"  records a TS run into a snapshot file (ts_trajectory_metarom.cpp)
//   TS "rom"                runs the application on a saved reduced model (ts_rom.cpp)
// Programs linked against libmetarom may call register_petsc_types() instead.
#include <petscts.h>

namespace metarom {

PetscErrorCode TSTrajectoryCreate_Metarom(TSTrajectory tj, TS ts);
PetscErrorCode TSCreate_Rom(TS ts);
// Registers both types with PETSc (idempotent).
PetscErrorCode register_petsc_types();

// Their settings in code, as PETSc's own TS*Set* functions (no-ops on other types; the
// options -ts_trajectory_metarom_file, -ts_trajectory_metarom_stride and -ts_rom_model
// given at run time override them at TSSetFromOptions):
PetscErrorCode TSTrajectoryMetaromSetFile(TSTrajectory tj, const char* file);
PetscErrorCode TSTrajectoryMetaromSetStride(TSTrajectory tj, PetscInt stride);
PetscErrorCode TSRomSetModel(TS ts, const char* file);

}  // namespace metarom

extern "C" PetscErrorCode PetscDLLibraryRegister_metarom(void);
