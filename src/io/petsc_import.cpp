#include "metarom/io/petsc_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/version.hpp"

namespace metarom {

namespace {

// Every data set below `group`, by path, through hard links only and each group once: a
// link cycle (a group linked below itself, a soft link to an ancestor) recursed without end
// (found by the malformed-file corpus).
void list_datasets(hid_t file, const std::string& group, std::vector<std::string>& out, std::set<haddr_t>& seen) {
  H5G_info_t info;
  if (H5Gget_info_by_name(file, group.c_str(), &info, H5P_DEFAULT) < 0) return;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(file, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) continue;
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(file, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    const std::string path = (group == "/" ? "/" : group + "/") + name;
    H5L_info_t linfo;
    if (H5Lget_info(file, path.c_str(), &linfo, H5P_DEFAULT) < 0 || linfo.type != H5L_TYPE_HARD) continue;
    H5O_info_t oinfo;
#if H5_VERSION_GE(1, 12, 0)
    if (H5Oget_info_by_name(file, path.c_str(), &oinfo, H5O_INFO_BASIC, H5P_DEFAULT) < 0) continue;
#else
    if (H5Oget_info_by_name(file, path.c_str(), &oinfo, H5P_DEFAULT) < 0) continue;
#endif
    if (oinfo.type == H5O_TYPE_DATASET) out.push_back(path);
    else if (oinfo.type == H5O_TYPE_GROUP && seen.insert(oinfo.addr).second) list_datasets(file, path, out, seen);
  }
}

}  // namespace

SnapshotSet import_petsc_vec(const std::string& path, const PetscImportSettings& s, MPI_Comm comm) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path + ": not an HDF5 file");
  h5::Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw Error(path + ": cannot open");
  std::vector<std::string> sets;
  std::set<haddr_t> seen;
  H5O_info_t root;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name(file.get(), "/", &root, H5O_INFO_BASIC, H5P_DEFAULT) >= 0) seen.insert(root.addr);
#else
  if (H5Oget_info_by_name(file.get(), "/", &root, H5P_DEFAULT) >= 0) seen.insert(root.addr);
#endif
  list_datasets(file.get(), "/", sets, seen);
  std::string name = s.dataset;
  if (name.empty()) {
    if (sets.size() != 1)
      throw Error(fmt::format("{}: {} data sets ({}); name the Vec's with -name", path, sets.size(),
                              sets.empty() ? std::string("none") : fmt::format("{}", fmt::join(sets, ", "))));
    name = sets[0];
  }
  if (name.front() != '/') name = "/" + name;
  const std::string where = path + ":" + name;
  if (std::find(sets.begin(), sets.end(), name) == sets.end())
    throw Error(fmt::format("{}: no such data set (the file holds {})", where, fmt::join(sets, ", ")));
  h5::Id ds(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Id type(H5Dget_type(ds.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_FLOAT)
    throw Error(where + ": not floating-point data (import reads real Vecs written by VecView)");
  h5::Id space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 1) throw Error(where + ": a scalar, not a Vec");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  // PETSc marks data sets written with timestepping by an integer attribute.
  bool timestepping = false;
  if (H5Aexists(ds.get(), "timestepping") > 0) {
    h5::Id a(H5Aopen(ds.get(), "timestepping", H5P_DEFAULT), H5Aclose);
    int v = 0;
    if (H5Aread(a.get(), H5T_NATIVE_INT, &v) >= 0) timestepping = v != 0;
  }
  if (timestepping && rank < 2) throw Error(where + ": timestepping data need a time and a state dimension");
  long double values = 1;  // in long double: absurd dimensions must not overflow before the check
  for (int d = 0; d < rank; ++d) values *= static_cast<long double>(dims[d]);
  h5::check_stored(ds, where, values);  // found by fuzzing: 2^51 values declared, allocated unchecked
  const long long steps = timestepping ? static_cast<long long>(dims[0]) : 1;
  long long n = 1;
  for (int d = timestepping ? 1 : 0; d < rank; ++d) n *= static_cast<long long>(dims[d]);
  if (steps < 1 || n < 1) throw Error(where + ": empty data set");
  std::vector<double> all(static_cast<size_t>(steps * n));
  if (H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data()) < 0)
    throw Error(where + ": read failed");

  SnapshotSet out;
  out.rows = RowPartition::split(comm, n);
  const Eigen::Map<const Matrix> whole(all.data(), n, steps);  // column k: state k
  out.X = whole.middleRows(out.rows.begin, out.rows.local());
  if (!out.X.allFinite()) throw Error(where + ": NaN or Inf in the data");
  out.t = Vector::LinSpaced(steps, s.t0, s.t0 + s.dt * static_cast<double>(steps - 1));
  if (steps == 1) out.t(0) = s.t0;
  if (!s.grid.empty()) {
    out.layout.dims = s.grid;
    out.layout.fields = s.fields.empty() ? std::vector<std::string>{"u"} : s.fields;
    if (out.layout.size() != n)
      throw Error(fmt::format("{}: states of {} values, but the grid {} with {} field(s) has {}", where, n,
                              fmt::join(s.grid, " x "), out.layout.fields.size(), out.layout.size()));
  }
  out.provenance.set("model", "petsc-vecview");
  out.provenance.set("source", path);
  out.provenance.set("dataset", name);
  out.provenance.set("timestepping", timestepping ? 1LL : 0LL);
  out.provenance.set("metarom_version", std::string(version_string));
  out.provenance.set("created", iso_time_now());
  return out;
}

}  // namespace metarom
