// tests for src/plugin/ts_trajectory_metarom.cpp (and app_state.cpp): a TS on a 2-D,
// 2-field DMDA recorded through the options database alone; the file holds every k-th
// state in the natural ordering with the grid's layout, equal to the exact solution of
// the linear ODE it integrates, on any number of ranks.
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>

#include "metarom/plugin/plugin.hpp"
#include "metarom/io/snapshots.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
PetscErrorCode decay(TS, PetscReal, Vec u, Vec f, void*) {
  PetscFunctionBeginUser;
  PetscCall(VecCopy(u, f));
  PetscCall(VecScale(f, -2.0));  // u' = -2u: u(t) = e^{-2t} u(0)
  PetscFunctionReturn(0);
}
}  // namespace

TEST_CASE("TSTrajectory metarom records a DMDA run as snapshots", "[plugin][trajectory][mpi]") {
  test::ScratchDir dir;
  const std::string path = dir.path("rec.h5");
  REQUIRE(register_petsc_types() == 0);
  const PetscInt M = 7, N = 4, dof = 2, steps = 20, stride = 5;
  // u(0) = 1 + i + 10 j + 100 c; TSSolve advances the field's Vec in place.
  const test::DmdaField u(M, N, dof, [](PetscInt i, PetscInt j, PetscInt c) { return 1 + i + 10.0 * j + 100.0 * c; });
  REQUIRE(DMDASetFieldName(u.da, 0, "a") == 0);
  REQUIRE(DMDASetFieldName(u.da, 1, "b") == 0);

  {
    // PETSc 3.18 reads a TSTrajectory's options without the TS's prefix.
    const std::string stride_value = std::to_string(stride);
    const test::ScopedOptions record{{"-rec_ts_save_trajectory", nullptr},
                                     {"-ts_trajectory_type", "metarom"},
                                     {"-ts_trajectory_metarom_file", path.c_str()},
                                     {"-ts_trajectory_metarom_stride", stride_value.c_str()}};
    TS ts;
    REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
    REQUIRE(TSSetOptionsPrefix(ts, "rec_") == 0);
    REQUIRE(TSSetDM(ts, u.da) == 0);
    REQUIRE(TSSetRHSFunction(ts, nullptr, decay, nullptr) == 0);
    REQUIRE(TSSetType(ts, TSRK) == 0);
    REQUIRE(TSRKSetType(ts, TSRK4) == 0);
    REQUIRE(TSSetTimeStep(ts, 0.01) == 0);
    REQUIRE(TSSetMaxSteps(ts, steps) == 0);
    REQUIRE(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP) == 0);
    REQUIRE(TSSetFromOptions(ts) == 0);
    REQUIRE(TSSolve(ts, u.x) == 0);
    REQUIRE(TSDestroy(&ts) == 0);  // the file is written here
  }

  const SnapshotSet s = read_snapshots(path, PETSC_COMM_WORLD);
  REQUIRE(s.count() == steps / stride + 1);
  CHECK(s.layout.dims == std::vector<long long>{M, N});
  CHECK(s.layout.fields == std::vector<std::string>{"a", "b"});
  CHECK(s.provenance.get_string("model", "") == "petsc-ts");
  for (Index k = 0; k < s.count(); ++k) {
    CHECK(s.t(k) == Approx(0.01 * stride * k).epsilon(1e-12));
    const double factor = std::exp(-2.0 * s.t(k));
    for (Index r = 0; r < s.rows.local(); ++r)  // RK4 at h = 0.01
      CHECK(s.X(r, k) == Approx(u.natural_value(s.rows.begin + r) * factor).epsilon(1e-9));
  }
}
