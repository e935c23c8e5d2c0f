// tests for src/io/petsc_import.cpp: Vecs written by PETSc's own VecView to HDF5 — a plain
// Vec as a time series (timestepping) and a 2-D, 2-field DMDA Vec as one state — read back
// value for value, in the DMDA's natural ordering (x fastest, fields interleaved), on any
// number of ranks.
#include <petscdmda.h>
#include <petscviewerhdf5.h>

#include "metarom/error.hpp"
#include "metarom/io/petsc_import.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;

TEST_CASE("a VecView time series imports as snapshots", "[io][petsc-import][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("series.h5");
  const PetscInt n = 13, steps = 4;
  Vec x;
  REQUIRE(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n, &x) == 0);
  REQUIRE(PetscObjectSetName(reinterpret_cast<PetscObject>(x), "state") == 0);
  PetscViewer v;
  REQUIRE(PetscViewerHDF5Open(PETSC_COMM_WORLD, path.c_str(), FILE_MODE_WRITE, &v) == 0);
  REQUIRE(PetscViewerHDF5PushTimestepping(v) == 0);
  PetscInt lo, hi;
  REQUIRE(VecGetOwnershipRange(x, &lo, &hi) == 0);
  for (PetscInt k = 0; k < steps; ++k) {
    for (PetscInt i = lo; i < hi; ++i) REQUIRE(VecSetValue(x, i, 100.0 * k + i, INSERT_VALUES) == 0);
    REQUIRE(VecAssemblyBegin(x) == 0);
    REQUIRE(VecAssemblyEnd(x) == 0);
    REQUIRE(PetscViewerHDF5SetTimestep(v, k) == 0);
    REQUIRE(VecView(x, v) == 0);
  }
  REQUIRE(PetscViewerDestroy(&v) == 0);
  REQUIRE(VecDestroy(&x) == 0);

  PetscImportSettings s;
  s.t0 = 1.0;
  s.dt = 0.5;
  const SnapshotSet set = import_petsc_vec(path, s, PETSC_COMM_WORLD);
  REQUIRE(set.n() == n);
  REQUIRE(set.count() == steps);
  for (Index k = 0; k < steps; ++k) {
    CHECK(set.t(k) == 1.0 + 0.5 * k);
    for (Index i = 0; i < set.rows.local(); ++i) CHECK(set.X(i, k) == 100.0 * k + (set.rows.begin + i));
  }
  CHECK(set.provenance.get_int("timestepping", "") == 1);
  s.dataset = "nope";
  require_error([&] { import_petsc_vec(path, s, PETSC_COMM_WORLD); }, {"series.h5:/nope", "no such data set", "/state"});
  s.dataset.clear();
  s.grid = {5};
  require_error([&] { import_petsc_vec(path, s, PETSC_COMM_WORLD); }, {"states of 13 values", "grid 5"});
  require_error([&] { import_petsc_vec(dir.path("none.h5"), {}, PETSC_COMM_WORLD); }, {"none.h5", "no such file"});
}

TEST_CASE("a DMDA Vec imports in the grid's natural ordering", "[io][petsc-import][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("da.h5");
  const PetscInt M = 6, N = 5, dof = 2;
  const test::DmdaField w(M, N, dof, [](PetscInt i, PetscInt j, PetscInt c) { return i + 10.0 * j + 1000.0 * c; });
  REQUIRE(PetscObjectSetName(reinterpret_cast<PetscObject>(w.x), "w") == 0);
  PetscViewer v;
  REQUIRE(PetscViewerHDF5Open(PETSC_COMM_WORLD, path.c_str(), FILE_MODE_WRITE, &v) == 0);
  REQUIRE(VecView(w.x, v) == 0);
  REQUIRE(PetscViewerDestroy(&v) == 0);

  PetscImportSettings s;
  s.grid = {M, N};
  s.fields = {"p", "q"};
  const SnapshotSet set = import_petsc_vec(path, s, PETSC_COMM_WORLD);
  REQUIRE(set.n() == M * N * dof);
  REQUIRE(set.count() == 1);
  CHECK(set.layout.fields == std::vector<std::string>{"p", "q"});
  for (Index r = 0; r < set.rows.local(); ++r) CHECK(set.X(r, 0) == w.natural_value(set.rows.begin + r));
}
