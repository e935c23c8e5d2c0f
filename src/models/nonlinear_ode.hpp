#pragma once
// The full-order time integration of the DMDA models whose f is nonlinear, with an assembled
// Jacobian (Burgers, reaction–diffusion): a PETSc TS on the model's DM, every `stride`-th
// state kept by the SnapshotRecorder, a progress line every tenth of the run, Newton to a
// residual far below the time-discretization error; any -ts_*, -snes_*, -ksp_* option
// overrides the defaults.
#include <petscts.h>

#include <functional>
#include <string>

#include "metarom/models/model.hpp"

namespace metarom {

struct NonlinearOde {
  std::string model;             // names the run in progress lines and errors
  DM da = nullptr;
  Mat jacobian = nullptr;        // preallocated on da; the TS works on a duplicate
  TSType default_type = TSBEULER;
  KSPType ksp_type = nullptr;    // nullptr: PETSc's default (GMRES)
  std::function<void(Vec x, Vec f)> rhs;
  std::function<void(Vec x, Mat J)> assemble_jacobian;
};

struct NonlinearOdeRun {
  double seconds = 0;      // wall time of TSSolve
  long long newton = 0;    // Newton iterations in all
  std::string ts_type;     // the TS type that ran
};

// Advances x (a global Vec on ode.da) over `grid`, keeping every stride-th state in
// `recorder`. Throws Error when a step fails or the TS stops early; the caller rethrows it
// through the recorder (SnapshotRecorder::rethrow) so the states kept before are not lost.
NonlinearOdeRun integrate_nonlinear_ode(MPI_Comm comm, const NonlinearOde& ode, const TimeGrid& grid, Vec x,
                                        SnapshotRecorder& recorder, bool progress);

}  // namespace metarom
