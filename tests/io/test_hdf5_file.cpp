// tests for src/io/hdf5_file.cpp: atomic creation, distributed row blocks, attributes, and
// clear errors for files that are missing, not HDF5, truncated or not metarom's.
#include <hdf5.h>
#include <petscsys.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;

TEST_CASE("attributes round-trip with their types", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.path("attrs.h5");
  Attributes a;
  a.set("int", 42);
  a.set("real", 0.125);
  a.set("text", "heat");
  a.set("ints", std::vector<long long>{128, 64});
  a.set("reals", std::vector<double>{0.5, 1.5});
  a.set("texts", std::vector<std::string>{"u", "omega"});
  {
    h5::File f = h5::File::create(path, PETSC_COMM_WORLD);
    f.root().create_group("g").write_attributes(a);
    f.commit();
  }
  h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
  const Attributes b = f.root().open_group("g").read_attributes();
  CHECK(b.get_int("int", "t") == 42);
  CHECK(b.get_double("real", "t") == 0.125);
  CHECK(b.get_string("text", "t") == "heat");
  CHECK(b.get_ints("ints", "t") == std::vector<long long>{128, 64});
  CHECK(std::get<std::vector<double>>(b.values().at("reals")) == std::vector<double>{0.5, 1.5});
  CHECK(b.get_strings("texts", "t") == std::vector<std::string>{"u", "omega"});
  require_error([&] { b.get_int("text", "ctx"); }, {"ctx", "'text'", "expected an integer"});
  require_error([&] { b.get_int("absent", "ctx"); }, {"ctx", "'absent'", "missing"});
}

TEST_CASE("row blocks written by every rank read back bit for bit in any distribution", "[io][hdf5][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("rows.h5");
  const long long n = 37;
  const Index N = 5;
  Matrix full(n, N);
  for (Index j = 0; j < N; ++j)
    for (Index i = 0; i < n; ++i) full(i, j) = std::sin(1.0 + i * 0.37 + j * 1.1) / (1 + j);
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  {
    h5::File f = h5::File::create(path, PETSC_COMM_WORLD);
    f.root().write_rows("X", full.middleRows(rows.begin, rows.local()), rows);
    f.commit();
  }
  // Read in the writer's split and, serially, in one piece.
  {
    h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
    CHECK(f.root().shape("X") == std::vector<long long>{N, n});
    const Matrix local = f.root().read_rows("X", rows, N);
    CHECK((local - full.middleRows(rows.begin, rows.local())).norm() == 0.0);
  }
  h5::File f = h5::File::open(path, MPI_COMM_SELF);
  CHECK((f.root().read_rows("X", RowPartition::serial(n)) - full).norm() == 0.0);
  require_error([&] { f.root().read_rows("X", RowPartition::serial(n), N + 1); },
                {path, "/X", "has shape [5, 37], expected [6, 37]"});
  require_error([&] { f.root().read_rows("X", RowPartition::serial(n + 1)); }, {path, "/X", "expected [N, 38]"});
}

TEST_CASE("an aborted write leaves no file and keeps an existing one", "[io][hdf5]") {
  ScratchDir dir;
  const std::string path = dir.path("atomic.h5");
  {
    h5::File f = h5::File::create(path, PETSC_COMM_WORLD);
    f.root().write_vector("v", Vector::Constant(3, 1.0));
    f.commit();
  }
  try {
    h5::File f = h5::File::create(path, PETSC_COMM_WORLD);
    f.root().write_vector("v", Vector::Constant(3, 2.0));
    throw std::runtime_error("interrupted");  // before commit()
  } catch (const std::runtime_error&) {
  }
  metarom::test::barrier();
  h5::File f = h5::File::open(path, PETSC_COMM_WORLD);
  CHECK(f.root().read_vector("v", 3)(0) == 1.0);
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);  // no temporary file left behind
}

namespace {
std::vector<std::string> names_in(const std::string& directory) {
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(directory)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

TEST_CASE("a partial file appears under its name only once it is a readable HDF5 file", "[io][hdf5][mpi]") {
  ScratchDir dir;
  const std::string path = dir.path("rec.h5");
  const std::string where = std::filesystem::path(path).parent_path().string();
  {
    h5::File f = h5::File::create_partial(path, PETSC_COMM_WORLD);
    f.root().write_vector("v", Vector::Constant(3, 1.0));
    metarom::test::barrier();
    // Before publish_partial() (a process killed here): no rec.h5.partial, one staging file.
    const auto staged = names_in(where);
    REQUIRE(staged.size() == 1);
    CHECK(staged[0].rfind("rec.h5.partial.new", 0) == 0);
    f.publish_partial();
    metarom::test::barrier();
    CHECK(names_in(where) == std::vector<std::string>{"rec.h5.partial"});
    // Readable by another process while still open for writing (a reader after a kill).
    CHECK(H5Fis_hdf5((path + ".partial").c_str()) > 0);
  }  // never committed: the published partial file stays
  metarom::test::barrier();
  CHECK(names_in(where) == std::vector<std::string>{"rec.h5.partial"});
  CHECK(h5::File::open(path + ".partial", PETSC_COMM_WORLD).root().read_vector("v", 3)(2) == 1.0);
  if (metarom::test::world_rank() == 0) std::filesystem::remove(path + ".partial");
  metarom::test::barrier();
  {
    h5::File f = h5::File::create_partial(path, PETSC_COMM_WORLD);
  }  // abandoned before publish_partial(): nothing left behind
  metarom::test::barrier();
  CHECK(names_in(where).empty());
}

TEST_CASE("opening bad files gives errors that name the file", "[io][hdf5][errors]") {
  ScratchDir dir;
  const std::string missing = dir.path("missing.h5");
  require_error([&] { h5::File::open(missing, PETSC_COMM_WORLD); }, {missing, "no such file"});

  const std::string text = dir.path("text.h5");
  if (test::world_rank() == 0) std::ofstream(text) << "this is not HDF5\n";
  test::barrier();
  require_error([&] { h5::File::open(text, PETSC_COMM_WORLD); }, {text, "not an HDF5 file"});

  require_error([&] { h5::File::open(dir.path(""), PETSC_COMM_WORLD); }, {"is a directory"});

  // A valid file cut short: its superblock survives, its data does not.
  const std::string good = dir.path("good.h5"), truncated = dir.path("truncated.h5");
  {
    h5::File f = h5::File::create(good, PETSC_COMM_WORLD);
    h5::write_header(f.root(), "snapshots");
    f.root().write_vector("v", Vector::LinSpaced(5000, 0, 1));
    f.commit();
  }
  if (test::world_rank() == 0) {
    std::filesystem::copy_file(good, truncated);
    std::filesystem::resize_file(truncated, std::filesystem::file_size(good) / 2);
  }
  test::barrier();
  require_error(
      [&] {
        h5::File f = h5::File::open(truncated, PETSC_COMM_WORLD);
        f.root().read_vector("v");
      },
      {truncated});

  const std::string plain = dir.path("plain.h5");
  {
    h5::File f = h5::File::create(plain, PETSC_COMM_WORLD);
    f.root().write_vector("v", Vector::Zero(2));
    f.commit();
  }
  h5::File f = h5::File::open(plain, PETSC_COMM_WORLD);
  require_error([&] { h5::check_header(f.root(), "snapshots"); }, {plain, "not a metarom file", "metarom_format"});
  h5::File g = h5::File::open(good, PETSC_COMM_WORLD);
  require_error([&] { h5::check_header(g.root(), "model"); }, {good, "holds a 'snapshots', expected a 'model'"});

  require_error([&] { h5::File::create(dir.path("no/such/dir/x.h5"), PETSC_COMM_WORLD); },
                {"x.h5", "cannot create", "does not exist"});
}
