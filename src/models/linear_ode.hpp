#pragma once
// A PETSc TS set up for the linear ODE du/dt = A u + c with a constant matrix A (a
// full-order operator or a reduced r x r one). Implicit TS types get the implicit form
// F(t, u, u') = u' - A u - c with Jacobian shift·I - A, assembled only when the shift
// changes: with a fixed step PETSc then keeps the factorization (or preconditioner) of the
// first step instead of rebuilding it every step. Explicit types get the right-hand side.
#include <petscts.h>

#include <functional>
#include <string>

#include "metarom/models/model.hpp"

namespace metarom {

// Whether a PETSc TS type is explicit (euler, rk, ssp, mprk).
bool explicit_ts_type(const char* type);

// Newton steps of a TS whose Jacobian is a small dense (latent r x r) matrix: one direct LU
// solve (KSP preonly, PC lu) instead of a Krylov method. Options given later override it.
void use_direct_solves(TS ts);

class LinearOdeTs {
 public:
  // The TS is created on A's communicator with options prefix `prefix` and default type
  // `default_type`; `record(step, t, u)` is called at step 0 and after every step.
  LinearOdeTs(Mat A, Vec c, const TimeGrid& grid, const std::string& prefix, TSType default_type,
              std::function<void(PetscInt, PetscReal, Vec)> record);
  ~LinearOdeTs();
  LinearOdeTs(const LinearOdeTs&) = delete;
  LinearOdeTs& operator=(const LinearOdeTs&) = delete;

  TS ts() const { return ts_; }
  // Configures from the options database (after any defaults set on ts()); call once.
  void set_from_options();
  // Advances u in place over the grid; returns the wall time of TSSolve.
  double solve(Vec u);
  std::string type() const;

  struct Context;

 private:
  TS ts_ = nullptr;
  Mat J_ = nullptr;
  Context* ctx_ = nullptr;
};

}  // namespace metarom
