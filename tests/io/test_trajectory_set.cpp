// tests for src/io/trajectory_set.cpp and the trajectories of snapshot sets (format version 2):
// a parametric set round-trips through HDF5; trajectories are taken out, merged (the settings
// in which runs differ become parameters) and split by time window; what cannot be merged is
// refused by name; a version-1 file reads as one trajectory; extrapolation is worded per setting.
#include "metarom/io/trajectory_set.hpp"

#include "metarom/io/hdf5_file.hpp"
#include "test_support.hpp"

using namespace metarom;
using test::require_error;
using test::ScratchDir;

namespace {

// A run of `N` snapshots of a made-up model "toy" with setting toy_a = a: states a·cos(i + t).
SnapshotSet run(double a, Index N, double t_final = 1.0, long long nx = 5) {
  SnapshotSet s;
  s.rows = RowPartition::split(PETSC_COMM_WORLD, nx);
  s.t = Vector::LinSpaced(N, 0.0, t_final);
  s.X.resize(s.rows.local(), N);
  for (Index k = 0; k < N; ++k)
    for (Index i = 0; i < s.rows.local(); ++i) s.X(i, k) = a * std::cos(static_cast<double>(s.rows.begin + i) + s.t(k));
  s.layout.dims = {nx};
  s.layout.fields = {"u"};
  s.provenance.set("model", "toy");
  s.provenance.set("toy_a", a);
  s.provenance.set("toy_steps", 10LL);
  s.provenance.set("toy_scheme", "euler");
  s.provenance.set("created", iso_time_now());
  return s;
}

}  // namespace

TEST_CASE("runs merge into a parametric set that round-trips through HDF5", "[io][trajectories][mpi]") {
  ScratchDir dir;
  std::vector<SnapshotSet> runs{run(0.5, 4), run(1.0, 6, 2.0), run(2.0, 5)};
  runs[1].provenance.set("created", "another time");  // bookkeeping: never a parameter
  const SnapshotSet s = merge_trajectories(runs, {"a.h5", "b.h5", "c.h5"});
  REQUIRE(s.count() == 15);
  REQUIRE(s.trajectory_count() == 3);
  CHECK(s.starts == std::vector<Index>{0, 4, 10});
  CHECK(s.parameter_names == std::vector<std::string>{"toy_a"});
  CHECK(s.trajectory_parameters(1)(0) == 1.0);
  CHECK(s.mu(0, 14) == 2.0);
  CHECK(s.trajectory_end(1) == 10);

  const std::string path = dir.path("set.h5");
  write_snapshots(path, s);
  const SnapshotSet back = read_snapshots(path, PETSC_COMM_WORLD);
  CHECK(back.starts == s.starts);
  CHECK(back.parameter_names == s.parameter_names);
  CHECK(back.mu == s.mu);
  CHECK(back.X == s.X);
  CHECK(back.t == s.t);
  // The header alone knows the trajectories (t without states).
  const SnapshotSet header = read_snapshot_header(path, PETSC_COMM_WORLD);
  CHECK(header.trajectory_end(2) == 15);

  // Trajectory 1 taken out is run 1 itself; its provenance rebuilds that run's model.
  const SnapshotSet one = select_trajectory(s, 1);
  CHECK(one.X == runs[1].X);
  CHECK(one.t == runs[1].t);
  CHECK(one.trajectory_count() == 1);
  CHECK(trajectory_provenance(s, 2).get_double("toy_a", "test") == 2.0);
  const SnapshotSet two = select_trajectories(s, {2, 0});
  CHECK(two.starts == std::vector<Index>{0, 5});
  CHECK(two.trajectory_parameters(1)(0) == 0.5);

  // A time window per trajectory: floor(0.5 · 4, 6, 5) = 2, 3, 2 snapshots train, the rest test.
  const auto [train, test] = split_time_window(s, 0.5);
  CHECK(train.starts == std::vector<Index>{0, 2, 5});
  CHECK(test.starts == std::vector<Index>{0, 2, 5});
  CHECK(train.count() == 7);
  CHECK(test.count() == 8);
  CHECK(test.t(2) == runs[1].t(3));
  CHECK(test.mu(0, 7) == 2.0);
  require_error([&] { split_time_window(s, 0.1); }, {"-split 0.1", "empty train or test part of trajectory 0"});

  // select_snapshots keeps the trajectories its range meets.
  const SnapshotSet mid = select_snapshots(s, 3, 12);
  CHECK(mid.starts == std::vector<Index>{0, 1, 7});

  // Ranges and extrapolation, worded per setting.
  const auto ranges = parameter_ranges(s);
  REQUIRE(ranges.size() == 1);
  CHECK(ranges[0].lo == 0.5);
  CHECK(ranges[0].hi == 2.0);
  Attributes at = s.provenance;
  at.set("toy_a", 3.0);
  at.set("toy_steps", 99LL);  // time discretization: the ROM's own choice
  CHECK(extrapolated_settings(s.provenance, ranges, at) ==
        std::vector<std::string>{"toy_a = 3 outside the trained [0.5, 2]"});
  at.set("toy_a", 1.5);
  CHECK(extrapolated_settings(s.provenance, ranges, at).empty());
  Attributes single = runs[0].provenance;
  single.set("toy_a", 0.7);
  CHECK(extrapolated_settings(runs[0].provenance, {}, single) == std::vector<std::string>{"toy_a = 0.7, trained at 0.5 only"});
}

TEST_CASE("sets that are not runs of one model are refused by name", "[io][trajectories][mpi]") {
  require_error([] { merge_trajectories({run(1, 3), run(1, 3, 1.0, 7)}, {"a.h5", "b.h5"}); },
                {"b.h5 holds states of 7 values", "a.h5 of 5"});
  SnapshotSet other = run(2, 3);
  other.provenance.set("toy_scheme", "rk4");
  require_error([&] { merge_trajectories({run(1, 3), other}, {"a.h5", "b.h5"}); },
                {"a.h5 and b.h5 differ in 'toy_scheme'", "not a number"});
  SnapshotSet named = run(2, 3);
  named.parameter_names = {"toy_b"};
  named.mu = Matrix::Constant(1, 3, 4.0);
  SnapshotSet named2 = run(2, 3);
  named2.parameter_names = {"toy_c"};
  named2.mu = Matrix::Constant(1, 3, 4.0);
  require_error([&] { merge_trajectories({named, named2}, {"a.h5", "b.h5"}); },
                {"b.h5 names the parameters [toy_c]", "a.h5 names [toy_b]"});
  SnapshotSet unnamed = run(2, 3);
  unnamed.mu = Matrix::Constant(1, 3, 4.0);
  require_error([&] { merge_trajectories({run(1, 3), unnamed}, {"a.h5", "b.h5"}); }, {"b.h5", "unnamed parameter"});
  require_error([] { with_parameters(run(1, 3).provenance, {"toy_x"}, Vector::Constant(1, 1.0), "-sweep"); },
                {"-sweep", "'toy_x' is not a numeric setting", "toy_a, toy_steps"});
  require_error([] { with_parameters(run(1, 3).provenance, {"toy_steps"}, Vector::Constant(1, 2.5), "-sweep"); },
                {"'toy_steps' is an integer setting, got 2.5"});
  CHECK(std::holds_alternative<long long>(
      with_parameters(run(1, 3).provenance, {"toy_steps"}, Vector::Constant(1, 20.0), "t").values().at("toy_steps")));
}

TEST_CASE("a format-version-1 snapshot file reads as one trajectory", "[io][trajectories][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("v1.h5");
  test::write_damaged(path, [](h5::Group& g) {
    Attributes a;
    a.set("metarom_version", 1LL);  // as every file written before version 2
    g.write_attributes(a);
  });
  const SnapshotSet s = read_snapshots(path, PETSC_COMM_WORLD);
  CHECK(s.trajectory_count() == 1);
  CHECK(s.starts.empty());
  CHECK(s.parameter_names.empty());
  CHECK(s.mu.rows() == 2);  // its unnamed parameters, as before
  CHECK(s.trajectory_end(0) == 6);
}

TEST_CASE("damaged trajectories are refused by name", "[io][trajectories][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("bad_start.h5");
  test::write_damaged(path, [](h5::Group& g) {
    h5::Group tg = g.create_group("trajectories");
    Attributes a;
    a.set("start", std::vector<long long>{0, 4, 2});
    a.set("parameter_names", std::vector<std::string>{"p", "q"});
    tg.write_attributes(a);
  });
  require_error([&] { read_snapshots(path, PETSC_COMM_WORLD); }, {"bad_start.h5", "trajectories", "increasing"});
  const std::string names = dir.path("bad_names.h5");
  test::write_damaged(names, [](h5::Group& g) {
    h5::Group tg = g.create_group("trajectories");
    Attributes a;
    a.set("start", std::vector<long long>{0, 2});
    a.set("parameter_names", std::vector<std::string>{"p"});
    tg.write_attributes(a);
  });
  require_error([&] { read_snapshots(names, PETSC_COMM_WORLD); }, {"bad_names.h5", "1 parameter", "holds 2"});
}
