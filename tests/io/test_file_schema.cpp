// tests for src/io/file_schema.cpp: the one validation the readers and `info -check` share.
// Each damaged file is checked both ways: check_file reports the fault (structure or values),
// and the reader of the kind refuses the file with the same object named — a file passes the
// check exactly when the reader accepts it.
#include <hdf5.h>
#include <petscsys.h>

#include <limits>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/snapshots.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::replace_with_doubles;
using metarom::test::require_error;
using metarom::test::ScratchDir;
using metarom::test::write_damaged;

namespace {

// The report's problems as one text (each names its file and object).
std::string problems(const FileCheck& c) {
  std::string s;
  for (const auto& p : c.problems) s += p + "\n";
  return s;
}

// check_file finds `parts` in one problem, and read_snapshots refuses the file naming them too.
void both_refuse(const std::string& path, const std::vector<std::string>& parts) {
  const FileCheck c = check_file(path, PETSC_COMM_WORLD);
  INFO(path << ":\n" << problems(c));
  CHECK_FALSE(c.conforms());
  bool found = false;
  for (const auto& p : c.problems) {
    bool all = p.find(path) != std::string::npos;
    for (const auto& part : parts) all = all && p.find(part) != std::string::npos;
    found = found || all;
  }
  CHECK(found);
  std::vector<std::string> with_file{path};
  with_file.insert(with_file.end(), parts.begin(), parts.end());
  require_error([&] { read_snapshots(path, PETSC_COMM_WORLD); }, with_file);
}

}  // namespace

TEST_CASE("a file every writer makes conforms, with no notes", "[io][schema][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("good.h5");
  write_damaged(path, [](h5::Group&) {});
  const FileCheck c = check_file(path, PETSC_COMM_WORLD);
  INFO(problems(c));
  CHECK(c.kind == "snapshots");
  CHECK(c.conforms());
  CHECK(c.notes.empty());
  h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
  CHECK(h5::check_structure(f.root(), "snapshots") == "snapshots");
  require_error([&] { h5::check_structure(f.root(), "model"); }, {path, "holds a 'snapshots', expected a 'model'"});
}

TEST_CASE("structural faults: the check and the reader refuse alike, never crash", "[io][schema][mpi]") {
  ScratchDir dir;
  // A scalar /states crashed `info -check` (an empty shape indexed): issue 35.
  const std::string scalar = dir.path("scalar.h5");
  write_damaged(scalar, [](h5::Group& g) { replace_with_doubles(g, "states", {}, 1.0); });
  both_refuse(scalar, {"/states", "has rank 0, expected a 2-D data set"});

  const std::string rank3 = dir.path("rank3.h5");
  write_damaged(rank3, [](h5::Group& g) { replace_with_doubles(g, "time", {6, 1, 1}, 0.0); });
  both_refuse(rank3, {"/time", "has rank 3, expected a 1-D data set"});

  const std::string f32 = dir.path("float32.h5");
  write_damaged(f32, [](h5::Group& g) {
    H5Ldelete(g.id(), "time", H5P_DEFAULT);
    const hsize_t dims = 6;
    hid_t space = H5Screate_simple(1, &dims, nullptr);
    hid_t ds = H5Dcreate2(g.id(), "time", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const float t[6] = {0, 1, 2, 3, 4, 5};
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t);
    H5Dclose(ds);
    H5Sclose(space);
  });
  both_refuse(f32, {"/time", "32-bit floating-point values, expected 64-bit"});

  const std::string soft = dir.path("soft.h5");
  write_damaged(soft, [](h5::Group& g) {
    H5Lmove(g.id(), "time", g.id(), "t_real", H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_soft("/t_real", g.id(), "time", H5P_DEFAULT, H5P_DEFAULT);
  });
  both_refuse(soft, {"/time", "is a soft link"});

  const std::string loop = dir.path("loop.h5");
  write_damaged(loop, [](h5::Group& g) { H5Lcreate_soft("/layout/self", g.id(), "layout/self", H5P_DEFAULT, H5P_DEFAULT); });
  both_refuse(loop, {"/layout/self", "is not in the documented schema"});

  const std::string extra = dir.path("extra_group.h5");
  write_damaged(extra, [](h5::Group& g) { g.create_group("extra"); });
  both_refuse(extra, {"/extra", "is not a data set"});

  const std::string derived = dir.path("derived_shape.h5");
  write_damaged(derived, [](h5::Group& g) { replace_with_doubles(g, "vorticity", {6, 5}, 0.0); });
  both_refuse(derived, {"/vorticity", "has shape [6, 5], expected [6, 12]"});
}

TEST_CASE("values: NaN and Inf are found by the check where the reader finds them", "[io][schema][mpi]") {
  ScratchDir dir;
  // The NaN in the last snapshot's last value: on 2 ranks, in the second rank's block.
  const std::string nan = dir.path("nan.h5");
  write_damaged(nan, [](h5::Group& g) {
    Matrix x = Matrix::Constant(12, 6, 1.0);
    x(11, 5) = std::numeric_limits<double>::quiet_NaN();
    H5Ldelete(g.id(), "states", H5P_DEFAULT);
    g.write_matrix("states", x);
  });
  both_refuse(nan, {"/states", "contains NaN or Inf"});

  const std::string inf = dir.path("inf_params.h5");
  write_damaged(inf, [](h5::Group& g) {
    replace_with_doubles(g, "parameters", {6, 2}, std::numeric_limits<double>::infinity());
  });
  both_refuse(inf, {"/parameters", "contains NaN or Inf"});

  // A derived field's values are read by the commands that use it (read_derived_field), not
  // by fit: the check passes the file as fit does, and read_derived_field refuses the field.
  const std::string derived = dir.path("nan_derived.h5");
  write_damaged(derived, [](h5::Group& g) {
    replace_with_doubles(g, "rhs", {6, 12}, std::numeric_limits<double>::quiet_NaN());
  });
  CHECK(check_file(derived, PETSC_COMM_WORLD).conforms());
  CHECK_NOTHROW(read_snapshots(derived, PETSC_COMM_WORLD));
  require_error([&] { read_derived_field(derived, "rhs", RowPartition::split(PETSC_COMM_WORLD, 12)); },
                {derived, "/rhs", "contains NaN or Inf"});
}

TEST_CASE("undocumented attributes are notes: readers ignore them", "[io][schema]") {
  ScratchDir dir;
  const std::string path = dir.path("annotated.h5");
  write_damaged(path, [](h5::Group& g) {
    Attributes a;
    a.set("author", "someone with h5py");
    g.write_attributes(a);
  });
  const FileCheck c = check_file(path, PETSC_COMM_WORLD);
  CHECK(c.conforms());
  REQUIRE(c.notes.size() == 1);
  CHECK(c.notes[0].find("attribute 'author' is not in the documented schema") != std::string::npos);
  CHECK_NOTHROW(read_snapshots(path, PETSC_COMM_WORLD));
}
