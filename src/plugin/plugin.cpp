#include "metarom/plugin/plugin.hpp"

namespace metarom {

namespace {
bool registered = false;
PetscErrorCode forget_registration() {
  registered = false;  // PetscFinalize frees PETSc's type lists
  return 0;
}
}  // namespace

PetscErrorCode register_petsc_types() {
  PetscFunctionBeginUser;
  if (registered) PetscFunctionReturn(0);
  PetscCall(TSTrajectoryRegister("metarom", TSTrajectoryCreate_Metarom));
  PetscCall(TSRegister("rom", TSCreate_Rom));
  PetscCall(PetscRegisterFinalize(forget_registration));
  registered = true;
  PetscFunctionReturn(0);
}

}  // namespace metarom

// PETSc looks this symbol up by the library's name (libmetarom.so -> "metarom") when the
// library is loaded with -dll_append or -dll_prepend.
extern "C" PetscErrorCode PetscDLLibraryRegister_metarom(void) { return metarom::register_petsc_types(); }
