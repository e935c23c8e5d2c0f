// tests for src/io/snapshots.cpp: the snapshot-set schema (data/FORMAT.md) round-trips on
// any number of ranks, and every malformed input gives an error naming file and object.
#include <hdf5.h>
#include <petscsys.h>

#include <cmath>
#include <functional>
#include <fstream>
#include <iterator>
#include <limits>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/snapshots.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;
using metarom::test::replace_with_doubles;
using metarom::test::sample_set;
using metarom::test::write_damaged;

TEST_CASE("snapshot sets round-trip bit for bit", "[io][snapshots][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("snaps.h5");
  const SnapshotSet s = sample_set(PETSC_COMM_WORLD, 6, 5, 7);
  write_snapshots(path, s);
  const SnapshotSet r = read_snapshots(path, PETSC_COMM_WORLD);
  CHECK(r.n() == 30);
  CHECK(r.count() == 7);
  CHECK(r.rows.begin == s.rows.begin);
  CHECK((r.X - s.X).norm() == 0.0);
  CHECK((r.t - s.t).norm() == 0.0);
  CHECK((r.mu - s.mu).norm() == 0.0);
  CHECK(r.layout.dims == s.layout.dims);
  CHECK(r.layout.fields == s.layout.fields);
  CHECK(r.layout.upper == s.layout.upper);
  CHECK(r.provenance.get_double("kappa", "t") == 0.5);

  // The whole matrix, read serially, has the snapshots as rows of /states.
  const SnapshotSet whole = read_snapshots(path, MPI_COMM_SELF);
  CHECK(whole.X.rows() == 30);
  CHECK(whole.X(s.rows.begin, 3) == s.X(0, 3));
}

TEST_CASE("malformed snapshot files give errors naming file and object", "[io][snapshots][errors]") {
  ScratchDir dir;
  auto read = [](const std::string& p) { return [p] { read_snapshots(p, PETSC_COMM_WORLD); }; };

  const std::string no_states = dir.path("no_states.h5");
  write_damaged(no_states, [](h5::Group& g) { H5Ldelete(g.id(), "states", H5P_DEFAULT); });
  require_error(read(no_states), {no_states, "/states", "data set is missing"});

  const std::string no_time = dir.path("no_time.h5");
  write_damaged(no_time, [](h5::Group& g) { H5Ldelete(g.id(), "time", H5P_DEFAULT); });
  require_error(read(no_time), {no_time, "/time", "data set is missing"});

  const std::string rank1 = dir.path("rank1.h5");
  write_damaged(rank1, [](h5::Group& g) { replace_with_doubles(g, "states", {72}, 1.0); });
  require_error(read(rank1), {rank1, "/states", "rank 1", "expected a 2-D data set"});

  const std::string group = dir.path("group.h5");
  write_damaged(group, [](h5::Group& g) {
    H5Ldelete(g.id(), "states", H5P_DEFAULT);
    g.create_group("states");
  });
  require_error(read(group), {group, "/states"});

  const std::string ints = dir.path("ints.h5");
  write_damaged(ints, [](h5::Group& g) {
    H5Ldelete(g.id(), "states", H5P_DEFAULT);
    hsize_t dims[2] = {6, 12};
    hid_t space = H5Screate_simple(2, dims, nullptr);
    hid_t ds = H5Dcreate2(g.id(), "states", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<int> data(72, 1);
    H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    H5Dclose(ds);
    H5Sclose(space);
  });
  require_error(read(ints), {ints, "/states", "has type integer, expected floating point"});

  const std::string short_time = dir.path("short_time.h5");
  write_damaged(short_time, [](h5::Group& g) { replace_with_doubles(g, "time", {5}, 0.0); });
  require_error(read(short_time), {short_time, "/time", "5 times", "6 snapshots"});

  const std::string bad_params = dir.path("bad_params.h5");
  write_damaged(bad_params, [](h5::Group& g) { replace_with_doubles(g, "parameters", {4, 2}, 0.0); });
  require_error(read(bad_params), {bad_params, "/parameters", "has shape [4, 2]"});

  const std::string nan = dir.path("nan.h5");
  write_damaged(nan, [](h5::Group& g) {
    replace_with_doubles(g, "states", {6, 12}, std::numeric_limits<double>::quiet_NaN());
  });
  require_error(read(nan), {nan, "/states", "NaN or Inf"});

  const std::string inf = dir.path("inf.h5");
  write_damaged(inf, [](h5::Group& g) { replace_with_doubles(g, "time", {6}, std::numeric_limits<double>::infinity()); });
  require_error(read(inf), {inf, "/time", "NaN or Inf"});

  const std::string layout = dir.path("layout.h5");
  write_damaged(layout, [](h5::Group& g) {
    h5::Group lg = g.open_group("layout");
    Attributes a;
    a.set("dims", std::vector<long long>{5, 3});
    lg.write_attributes(a);
  });
  require_error(read(layout), {layout, "/layout", "describes 15 values per state", "has 12"});

  const std::string model = dir.path("model.h5");
  if (test::world_rank() == 0) {
    h5::File f = h5::File::create(model, MPI_COMM_SELF);
    h5::write_header(f.root(), "model");
    f.commit();
  }
  test::barrier();
  require_error(read(model), {model, "holds a 'model'", "expected a 'snapshots' or 'trajectory'"});
}

TEST_CASE("inconsistent snapshot sets are refused before writing", "[io][snapshots][errors]") {
  ScratchDir dir;
  SnapshotSet s = sample_set(PETSC_COMM_WORLD, 4, 4, 3);
  s.t.resize(2);
  require_error([&] { write_snapshots(dir.path("x.h5"), s); }, {"2 times for 3 snapshots"});
  s = sample_set(PETSC_COMM_WORLD, 4, 4, 3);
  s.layout.dims = {4, 5};
  require_error([&] { write_snapshots(dir.path("x.h5"), s); }, {"describes 20 values per state"});
}

TEST_CASE("XDMF side files describe every snapshot of a gridded set", "[io][snapshots][xdmf]") {
  ScratchDir dir;
  const SnapshotSet s = sample_set(PETSC_COMM_WORLD, 6, 5, 4);
  const std::string path = dir.path("grid.h5");
  write_snapshots(path, s, {DerivedField{"vorticity", 2 * s.X}});
  write_xdmf(path, s, {"vorticity"});
  test::barrier();
  std::ifstream in(dir.path("grid.xmf"));
  REQUIRE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("<Time Value=") == 4);
  CHECK(count("grid.h5:/states") == 4);
  CHECK(count("grid.h5:/vorticity") == 4);
  CHECK(count("Dimensions=\"5 6\"") == 12);  // topology and two attributes per time
  CHECK(text.find("<DataItem Dimensions=\"3 2\" Format=\"XML\">3 0 1 1 1 30</DataItem>") != std::string::npos);
  // The derived field is stored with the states' shape.
  h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
  CHECK(f.root().shape("vorticity") == std::vector<long long>{4, 30});
  CHECK((f.root().read_rows("vorticity", s.rows) - 2 * s.X).norm() == 0.0);
}

TEST_CASE("selecting snapshots keeps times, parameters and rows", "[io][snapshots]") {
  const SnapshotSet s = sample_set(PETSC_COMM_WORLD, 4, 4, 6);
  const SnapshotSet part = select_snapshots(s, 2, 5);
  CHECK(part.count() == 3);
  CHECK(part.t(0) == s.t(2));
  CHECK(part.mu.cols() == 3);
  CHECK((part.X - s.X.middleCols(2, 3)).norm() == 0.0);
  require_error([&] { select_snapshots(s, 4, 7); }, {"[4, 7)", "[0, 6)"});
}

TEST_CASE("a snapshot view reads states held elsewhere, with the parts of a header", "[io][snapshots]") {
  const SnapshotSet s = sample_set(PETSC_COMM_WORLD, 4, 4, 6);
  const Matrix outside = s.X;  // states a caller holds (a NumPy array in Python)
  const SnapshotSet rest = SnapshotView(s).header();
  CHECK(rest.X.rows() == s.X.rows());
  CHECK(rest.X.cols() == 0);  // a header: no states
  CHECK(rest.t == s.t);
  CHECK(rest.mu == s.mu);
  CHECK(rest.starts == s.starts);
  CHECK(rest.provenance.get_string("model", "header") == "test");
  const SnapshotView v(outside, rest);
  CHECK(v.X.data() == outside.data());  // read in place
  CHECK(v.count() == 6);
  CHECK(v.n() == s.n());
  v.validate("view");
  const Matrix short_one = outside.leftCols(5);
  require_error([&] { SnapshotView(short_one, rest).validate("view"); }, {"view", "6 times for 5 snapshots"});
}
