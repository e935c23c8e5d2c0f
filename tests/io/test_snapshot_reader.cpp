// tests for src/io/snapshot_reader.cpp: windows of a snapshot file equal the columns of the
// whole file read at once, the header matches, and windows outside the file are refused.
#include <petscsys.h>

#include "metarom/io/snapshot_reader.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::ScratchDir;

TEST_CASE("snapshot windows are the file's columns", "[io][reader][mpi]") {
  ScratchDir dir;
  SnapshotSet s = distribute(test::random_matrix(23, 17, 3), PETSC_COMM_WORLD);
  s.t = Vector::LinSpaced(17, 0, 1.6);
  s.layout.dims = {23};
  s.layout.fields = {"u"};
  s.provenance.set("model", "test");
  write_snapshots(dir.path("s.h5"), s);
  const SnapshotReader reader(dir.path("s.h5"), PETSC_COMM_WORLD);
  CHECK(reader.n() == 23);
  CHECK(reader.count() == 17);
  CHECK(reader.rows().begin == s.rows.begin);
  CHECK(reader.header().t == s.t);
  CHECK(reader.header().X.cols() == 0);
  CHECK(reader.header().provenance.get_string("model", "test") == "test");
  CHECK(reader.header().layout.dims == s.layout.dims);
  for (const auto& [first, count] : std::vector<std::pair<Index, Index>>{{0, 17}, {0, 1}, {5, 7}, {16, 1}, {9, 0}})
    CHECK(reader.read(first, count) == s.X.middleCols(first, count));
  CHECK_THROWS_WITH(reader.read(10, 8), Catch::Contains("columns [10, 18) asked of a matrix with 17"));
  CHECK_THROWS_WITH(reader.read(-1, 2), Catch::Contains("asked of a matrix with 17"));
}
