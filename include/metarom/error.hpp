#pragma once
// Errors inside metarom are exceptions carrying their context (file, object, value);
// the PETSc boundary converts them to PetscErrorCode (see petsc_handle.hpp).
#include <stdexcept>
#include <string>

namespace metarom {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace metarom
