#pragma once
// Hyper-reduction of unmodified PETSc programs (docs/plugin.md, "Hyper-reduced runs"): a
// program that gives its right-hand side as a DMDA local callback (DMDATSSetRHSFunctionLocal,
// as many of PETSc's tutorials do) has it evaluated at a few sample rows only, by calling the
// program's own local function on a one-point patch around each sample point, ghosted by the
// DMDA's stencil width, instead of on the whole grid. The patch's values come from the decoded
// state at the stencil rows, so no state of size n is formed.
#include <petscdmda.h>
#include <petscts.h>

#include <optional>
#include <string>
#include <vector>

#include "metarom/models/model.hpp"

namespace metarom {

// The local callback of a TS's DMDA as DMDATSSetRHSFunctionLocal stored it.
struct DmdaLocalRhs {
  DMDATSRHSFunctionLocal function = nullptr;
  void* context = nullptr;

  // The callback of ts's DM, or nothing with `why` saying why there is none: no DMDA, a
  // global right-hand side (TSSetRHSFunction), an insert mode other than INSERT_VALUES, a
  // boundary type other than none or periodic.
  static std::optional<DmdaLocalRhs> find(TS ts, std::string& why);
};

// f at sample rows of the DMDA's natural ordering (metarom's rows of a DMDA program: field
// fastest, then x, y, z) from the state at their stencil rows. Each rank calls the local
// function on the patches of the sample points it owns, so the callback indexes only within
// its own ghosted box (as in a full evaluation: coefficient arrays and coordinates it reads
// stay valid); the values are then summed over the ranks, one reduction of s numbers.
// Collective: every rank calls rhs() and jacobian() together.
class DmdaPatchRhs : public SampledRhs {
 public:
  // `calls` (may be null) counts the sampled evaluations.
  DmdaPatchRhs(TS ts, const DmdaLocalRhs& callback, const std::vector<long long>& rows, long long* calls = nullptr);
  Vector rhs(double t, const Vector& x_stencil) const override;
  // Central differences on each patch (2 local calls per stencil value of the patch).
  Matrix jacobian(double t, const Vector& x_stencil) const override;
  Index patch_count() const { return static_cast<Index>(patches_.size()); }  // this rank's

 private:
  struct Patch {
    DMDALocalInfo info;                    // the whole grid's, with the owned and ghost box of one point
    std::vector<std::pair<int, int>> in;   // (position in the patch buffer, position in the stencil)
    std::vector<std::pair<int, int>> out;  // (field, position in rows())
  };
  // The local function on patch p with the patch buffer x_; its dof values land in f_.
  void call(const Patch& p, double t) const;
  void load(const Patch& p, const Vector& x_stencil) const;

  DmdaLocalRhs callback_;
  MPI_Comm comm_;
  int dim_ = 1, dof_ = 1;
  std::vector<Patch> patches_;  // the sample points this rank owns
  long long* calls_;
  // Work arrays of one patch and the row (and plane) pointers that index it by global grid
  // indices as DMDAVecGetArray's arrays do.
  mutable std::vector<PetscScalar> x_, f_;
  mutable std::vector<PetscScalar*> x_rows_, f_rows_;
  mutable std::vector<PetscScalar**> x_planes_, f_planes_;
};

}  // namespace metarom
