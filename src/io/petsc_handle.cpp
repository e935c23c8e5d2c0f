#include <string>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

void throw_petsc_error(PetscErrorCode code, const char* call, const char* file, int line) {
  const char* text = nullptr;
  PetscErrorMessage(code, &text, nullptr);
  throw Error(std::string("PETSc error ") + std::to_string(code) + (text ? std::string(" (") + text + ")" : "") +
              " in " + call + " at " + file + ":" + std::to_string(line));
}

}  // namespace metarom
