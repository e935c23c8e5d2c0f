// tests for src/plugin/ts_rom.cpp: TS type "rom" run in-process on a linear program
// (TSComputeRHSFunctionLinear with a constant RHS Jacobian A), whose Galerkin route projects A
// once and keeps that set-up between solves. With A = −I and a POD basis holding the initial
// state's direction, the reduced run is exact: x(1) = e^{−1} x0; after the program reassembles
// A = −2I, the next solve must project the new operator (x(1) = e^{−2} x0), not reuse the old.
#include <petscdmda.h>
#include <petscts.h>

#include <cmath>

#include "metarom/plugin/plugin.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/model_file.hpp"
#include "plugin/app_state.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("TS rom projects a linear program's operator anew after it is reassembled", "[plugin][rom][mpi]") {
  test::ScratchDir dir;
  REQUIRE(register_petsc_types() == 0);
  const PetscInt M = 6, N = 5, dof = 2;
  const test::DmdaField u(M, N, dof, [](PetscInt i, PetscInt j, PetscInt c) { return 1 + 0.1 * i - 0.2 * j + c; });
  TS ts;
  Mat A;
  Vec x;
  REQUIRE(TSCreate(PETSC_COMM_WORLD, &ts) == 0);
  REQUIRE(TSSetDM(ts, u.da) == 0);
  REQUIRE(DMCreateMatrix(u.da, &A) == 0);
  REQUIRE(MatZeroEntries(A) == 0);
  REQUIRE(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY) == 0);
  REQUIRE(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY) == 0);
  REQUIRE(MatShift(A, -1.0) == 0);
  REQUIRE(VecDuplicate(u.x, &x) == 0);
  {
    // The model: POD of x0 and 2 x0 in metarom's (natural) rows, one mode.
    const AppState state(ts, u.x);
    SnapshotSet train;
    train.rows = state.rows();
    const Vector x0 = state.to_rows(u.x);
    train.X.resize(x0.size(), 2);
    train.X << x0, 2 * x0;
    train.t = Vector::LinSpaced(2, 0, 1);
    train.layout.dims = {M, N};
    train.layout.fields = {"a", "b"};
    Pod pod;
    auto settings = pod.settings();
    settings.latent_dim = 1;
    pod.set_settings(settings);
    pod.fit(train);
    const std::string path = dir.path("pod.h5");
    save_model(path, pod, train, "train.h5", 0.0);

    REQUIRE(TSSetProblemType(ts, TS_LINEAR) == 0);
    REQUIRE(TSSetRHSFunction(ts, nullptr, TSComputeRHSFunctionLinear, nullptr) == 0);
    REQUIRE(TSSetRHSJacobian(ts, A, A, TSComputeRHSJacobianConstant, nullptr) == 0);
    REQUIRE(TSSetType(ts, "rom") == 0);
    REQUIRE(TSRomSetModel(ts, path.c_str()) == 0);
    REQUIRE(TSSetTimeStep(ts, 0.01) == 0);
    REQUIRE(TSSetMaxTime(ts, 1.0) == 0);
    REQUIRE(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP) == 0);
    REQUIRE(TSSetFromOptions(ts) == 0);  // reads the model and builds the Galerkin set-up
    // The latent step is chosen by an error estimate at relative tolerance 1e-7 (the default):
    // 1e-5 leaves a hundredfold margin, while a stale operator misses by e^{-1} − e^{-2}.
    for (const double rate : {1.0, 2.0}) {
      INFO("A = -" << rate << " I");
      if (rate == 2.0) REQUIRE(MatScale(A, 2.0) == 0);  // the program reassembles its operator
      REQUIRE(VecCopy(u.x, x) == 0);
      REQUIRE(TSSetTime(ts, 0.0) == 0);
      REQUIRE(TSSetStepNumber(ts, 0) == 0);
      REQUIRE(TSSolve(ts, x) == 0);
      const Vector got = state.to_rows(x), want = std::exp(-rate) * x0;
      const double error = std::sqrt(allreduce_sum(train.rows.comm, (got - want).squaredNorm()) /
                                     allreduce_sum(train.rows.comm, want.squaredNorm()));
      CHECK(error <= 1e-5);
    }
  }
  REQUIRE(VecDestroy(&x) == 0);
  REQUIRE(MatDestroy(&A) == 0);
  REQUIRE(TSDestroy(&ts) == 0);
}
