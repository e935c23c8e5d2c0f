/* Shared by the plugin's test programs (plain C, PETSc only): the final state written to an
   HDF5 file, and the relative error of a final state against such a file. The Vec's name
   is the data set's. */
#pragma once
#include <petscvec.h>
#include <petscviewerhdf5.h>

static inline PetscErrorCode WriteFinalState(Vec U, const char *file) {
  PetscViewer v;
  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(PetscObjectComm((PetscObject)U), file, FILE_MODE_WRITE, &v));
  PetscCall(VecView(U, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

/* Prints "final state relative error E" with E = |U - R| / |R|, R read from `file`. */
static inline PetscErrorCode CompareFinalState(Vec U, const char *file) {
  PetscViewer v;
  Vec R;
  PetscReal err, ref;
  const char *name;
  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(U, &R));
  PetscCall(PetscObjectGetName((PetscObject)U, &name));
  PetscCall(PetscObjectSetName((PetscObject)R, name));
  PetscCall(PetscViewerHDF5Open(PetscObjectComm((PetscObject)U), file, FILE_MODE_READ, &v));
  PetscCall(VecLoad(R, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(VecNorm(R, NORM_2, &ref));
  PetscCall(VecAXPY(R, -1.0, U));
  PetscCall(VecNorm(R, NORM_2, &err));
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)U), "final state relative error %.6e\n", (double)(err / ref)));
  PetscCall(VecDestroy(&R));
  PetscFunctionReturn(0);
}
