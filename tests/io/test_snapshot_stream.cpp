// tests for src/io/snapshot_stream.cpp: a recording streamed in pieces reads back as the
// states appended, on any number of ranks; an unfinished stream leaves a readable file marked
// incomplete, whose /time counts the states a reader takes; an existing partial file is
// never overwritten.
#include <cmath>
#include <filesystem>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/snapshot_stream.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;

namespace {

// State j at global row i: a value no other (i, j) shares, so a misplaced row shows.
double value(long long i, Index j) { return std::sin(0.37 * i + 1.3 * j) + 0.001 * j; }

Matrix states(const RowPartition& rows, Index first, Index count) {
  Matrix X(rows.local(), count);
  for (Index j = 0; j < count; ++j)
    for (Index i = 0; i < rows.local(); ++i) X(i, j) = value(rows.begin + i, first + j);
  return X;
}

FieldLayout grid(long long nx, long long ny) {
  FieldLayout l;
  l.dims = {nx, ny};
  l.fields = {"u"};
  return l;
}

Attributes provenance() {
  Attributes p;
  p.set("model", "stream-test");
  return p;
}

}  // namespace

TEST_CASE("SnapshotStream: appended pieces read back as one set, complete, under the final name", "[io][stream][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("rec.h5");
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, 7 * 5);
  {
    SnapshotStream s(path, rows, grid(7, 5), provenance(), {"rhs"});
    CHECK(std::filesystem::exists(path + ".partial"));
    CHECK_FALSE(std::filesystem::exists(path));
    Index done = 0;
    for (Index piece : {3, 1, 4}) {
      s.append(states(rows, done, piece), Vector::LinSpaced(piece, done, done + piece - 1),
               {2.0 * states(rows, done, piece)});
      done += piece;
    }
    CHECK(s.count() == 8);
    s.finish();
  }
  test::barrier();
  CHECK(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
  CHECK(std::filesystem::exists(dir.path("rec.xmf")));
  const SnapshotSet back = read_snapshots(path, rows);
  CHECK(back.complete);
  REQUIRE(back.count() == 8);
  CHECK(back.X == states(rows, 0, 8));  // bitwise: the values written are the values read
  CHECK(back.t == Vector::LinSpaced(8, 0, 7));
  CHECK(back.layout.dims == std::vector<long long>{7, 5});
  CHECK(back.provenance.get_string("model", "") == "stream-test");
  CHECK(read_derived_field(path, "rhs", rows) == 2.0 * states(rows, 0, 8));
}

TEST_CASE("SnapshotStream: a stream never finished leaves NAME.partial, readable and marked incomplete",
          "[io][stream][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("rec.h5");
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, 12);
  {
    SnapshotStream s(path, rows, FieldLayout{}, provenance());
    s.append(states(rows, 0, 2), Vector::LinSpaced(2, 0.0, 0.5));
    s.append(states(rows, 2, 3), Vector::LinSpaced(3, 1.0, 2.0));
  }  // destroyed without finish(): as a program that exits without TSDestroy
  test::barrier();
  CHECK_FALSE(std::filesystem::exists(path));
  const SnapshotSet back = read_snapshots(path + ".partial", rows);
  CHECK_FALSE(back.complete);
  REQUIRE(back.count() == 5);
  CHECK(back.X == states(rows, 0, 5));

  // A second recording to the same name refuses to overwrite the partial file.
  require_error([&] { SnapshotStream again(path, rows, FieldLayout{}, provenance()); },
                {"rec.h5.partial", "did not finish", "move or remove"});
  CHECK(read_snapshots(path + ".partial", rows).count() == 5);  // untouched
}

TEST_CASE("Snapshot files: an incomplete recording with states past its last time reads the timed ones",
          "[io][stream]") {
  // A process killed between a piece's states and its times leaves /states longer than /time.
  ScratchDir dir;
  const std::string path = dir.path("killed.h5");
  const RowPartition self = RowPartition::split(MPI_COMM_SELF, 6);
  if (test::world_rank() == 0) {
    h5::File f = h5::File::create(path, MPI_COMM_SELF);
    h5::write_header(f.root(), "snapshots");
    Attributes a;
    a.set("complete", 0LL);
    f.root().write_attributes(a);
    f.root().write_rows("states", states(self, 0, 4), self);
    f.root().write_vector("time", Vector::LinSpaced(3, 0, 2));
    f.commit();
  }
  test::barrier();
  const SnapshotSet back = read_snapshots(path, self);
  CHECK_FALSE(back.complete);
  REQUIRE(back.count() == 3);
  CHECK(back.X == states(self, 0, 3));

  // The same shapes in a file that claims to be complete are an error.
  const std::string bad = dir.path("bad.h5");
  if (test::world_rank() == 0) {
    h5::File f = h5::File::create(bad, MPI_COMM_SELF);
    h5::write_header(f.root(), "snapshots");
    f.root().write_rows("states", states(self, 0, 4), self);
    f.root().write_vector("time", Vector::LinSpaced(3, 0, 2));
    f.commit();
  }
  test::barrier();
  require_error([&] { read_snapshots(bad, self); }, {"bad.h5:/time", "3 times", "4 snapshots"});
}
