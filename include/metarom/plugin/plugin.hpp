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

}  // namespace metarom

extern "C" PetscErrorCode PetscDLLibraryRegister_metarom(void);
