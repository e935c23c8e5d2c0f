#pragma once
// How a PETSc application's state Vec maps onto metarom's rows (src/plugin): for a TS
// whose DM is a DMDA, the DMDA's natural ordering (so files and models do not depend on
// the number of ranks, and the layout is the grid's: x fastest, fields interleaved); for
// any other TS, the Vec's own global ordering. Rows are split as the Vec is (a natural
// Vec has the global Vec's local sizes).
#include <petscts.h>

#include <string>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom {

class AppState {
 public:
  // `x`: a state Vec of the application (the TS solution).
  AppState(TS ts, Vec x);
  const RowPartition& rows() const { return rows_; }
  const FieldLayout& layout() const { return layout_; }  // empty without a DMDA
  // Local rows of x in metarom's ordering, and back into an application Vec.
  Vector to_rows(Vec x) const;
  void from_rows(const Vector& v, Vec x) const;

 private:
  DM da_ = nullptr;  // borrowed from the TS when it is a DMDA of the right size
  VecHandle natural_;
  RowPartition rows_;
  FieldLayout layout_;
};

// A new Vec shaped like the TS's state: its solution's duplicate, or (before a solution is
// set, as when the TS reads its options) its DM's global Vec.
VecHandle state_vec(TS ts);

// A string option inside a type's SetFromOptions block: `value` keeps its current text
// unless the option is given.
PetscErrorCode option_string(PetscOptionItems* PetscOptionsObject, const char* name, const char* text,
                             const char* manual, std::string& value);

}  // namespace metarom
