#pragma once
// Hyper-reduction of unmodified PETSc programs (docs/plugin.md, "Hyper-reduced runs"): a
// program that gives its right-hand side or its implicit function as a DMDA local callback
// (DMDATSSetRHSFunctionLocal, DMDATSSetIFunctionLocal, as many of PETSc's tutorials do) has
// it evaluated at a few sample rows only, by calling the program's own local function on a
// one-point patch around each sample point, ghosted by the DMDA's stencil width, instead of
// on the whole grid. The patch's values come from the decoded state at the stencil rows, so
// no state of size n is formed.
#include <petscdmda.h>
#include <petscts.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "metarom/models/model.hpp"

namespace metarom {

// The local callbacks of a TS's DMDA as DMDATSSetRHSFunctionLocal and
// DMDATSSetIFunctionLocal stored them.
struct DmdaLocalRhs {
  DMDATSRHSFunctionLocal function = nullptr;
  void* context = nullptr;

  // The callback of ts's DM, or nothing with `why` saying why there is none: no DMDA, a
  // global right-hand side (TSSetRHSFunction), an insert mode other than INSERT_VALUES, a
  // boundary type other than none or periodic.
  static std::optional<DmdaLocalRhs> find(TS ts, std::string& why);
};

struct DmdaLocalIFunction {
  DMDATSIFunctionLocal function = nullptr;
  void* context = nullptr;

  // As DmdaLocalRhs::find, for the implicit function F(t, x, ẋ) (TSSetIFunction is global).
  static std::optional<DmdaLocalIFunction> find(TS ts, std::string& why);
};

// One-point patches around sample rows of the DMDA's natural ordering (metarom's rows of a
// DMDA program: field fastest, then x, y, z): the stencil rows their values read, and calls of
// a local callback on them. Each rank calls it on the patches of the sample points it owns, so
// the callback indexes only within its own ghosted box (as in a full evaluation: coefficient
// arrays and coordinates it reads stay valid); the values are then summed over the ranks, one
// reduction of s numbers. Collective: every rank evaluates together.
class DmdaPatches {
 public:
  // A local callback on one patch: `in` the patch arrays (x, and ẋ for an implicit
  // function), indexed by global grid indices as DMDAVecGetArray's are; `out` f's array.
  using Call = std::function<PetscErrorCode(DMDALocalInfo* info, void** in, void* out)>;

  DmdaPatches(TS ts, const std::vector<long long>& rows, int inputs);
  const std::vector<long long>& rows() const { return rows_; }
  const std::vector<long long>& stencil() const { return stencil_; }
  Index patch_count() const { return static_cast<Index>(patches_.size()); }  // this rank's

  // f at the rows from each input's values at the stencil rows (inputs.size() arrays).
  Vector evaluate(const std::vector<const Vector*>& inputs, const Call& call) const;
  // ∂f_rows/∂(input `which`)_stencil by central differences on each patch (2 local calls per
  // stencil value of the patch): rows().size() × stencil().size().
  Matrix jacobian(const std::vector<const Vector*>& inputs, int which, const Call& call) const;

 private:
  struct Patch {
    DMDALocalInfo info;                    // the whole grid's, with the owned and ghost box of one point
    std::vector<std::pair<int, int>> in;   // (position in the patch buffer, position in the stencil)
    std::vector<std::pair<int, int>> out;  // (field, position in rows())
  };
  void load(const Patch& p, const std::vector<const Vector*>& inputs) const;
  void call(const Patch& p, const Call& f) const;  // the patch buffers x_ in, f_ out

  MPI_Comm comm_;
  int dim_ = 1, dof_ = 1;
  std::vector<long long> rows_, stencil_;
  std::vector<Patch> patches_;  // the sample points this rank owns
  // Work arrays of one patch (one per input) and the row (and plane) pointers that index
  // them by global grid indices as DMDAVecGetArray's arrays do.
  mutable std::vector<std::vector<PetscScalar>> x_;
  mutable std::vector<PetscScalar> f_;
  mutable std::vector<std::vector<PetscScalar*>> x_rows_;
  mutable std::vector<std::vector<PetscScalar**>> x_planes_;
  mutable std::vector<PetscScalar*> f_rows_;
  mutable std::vector<PetscScalar**> f_planes_;
  mutable std::vector<void*> in_;
};

// f at sample rows by the program's DMDA local right-hand side (FullOrderModel's sampled
// evaluation for the plugin's hyper-reduced Galerkin route).
class DmdaPatchRhs : public SampledRhs {
 public:
  // `calls` (may be null) counts the sampled evaluations.
  DmdaPatchRhs(TS ts, const DmdaLocalRhs& callback, const std::vector<long long>& rows, long long* calls = nullptr);
  Vector rhs(double t, const Vector& x_stencil) const override;
  Matrix jacobian(double t, const Vector& x_stencil) const override;

 private:
  DmdaLocalRhs callback_;
  DmdaPatches patches_;
  long long* calls_;
};

// F(t, x, ẋ) at sample rows by the program's DMDA local implicit function.
class DmdaPatchIFunction {
 public:
  DmdaPatchIFunction(TS ts, const DmdaLocalIFunction& callback, const std::vector<long long>& rows);
  const std::vector<long long>& rows() const { return patches_.rows(); }
  const std::vector<long long>& stencil() const { return patches_.stencil(); }
  Vector residual(double t, const Vector& x_stencil, const Vector& xdot_stencil) const;
  // ∂F/∂x and ∂F/∂ẋ at the rows, by central differences on the patches.
  Matrix jacobian_x(double t, const Vector& x_stencil, const Vector& xdot_stencil) const;
  Matrix jacobian_xdot(double t, const Vector& x_stencil, const Vector& xdot_stencil) const;
  long long calls() const { return calls_; }

 private:
  DmdaPatches::Call bind(double t) const;
  DmdaLocalIFunction callback_;
  DmdaPatches patches_;
  mutable long long calls_ = 0;
};

}  // namespace metarom
