#include "metarom/io/hdf5_file.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <type_traits>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>

#include "metarom/error.hpp"
#include "metarom/io/text_file.hpp"
#include "metarom/version.hpp"

// hdf5_file.hpp holds HDF5's identifiers and sizes without including hdf5.h.
static_assert(std::is_same_v<hid_t, metarom::h5::Hid>, "hid_t");
static_assert(std::is_same_v<herr_t, metarom::h5::Herr>, "herr_t");
static_assert(std::is_same_v<hsize_t, metarom::h5::Hsize>, "hsize_t");

namespace metarom::h5 {

namespace {

int comm_size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}
int comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

// Throws `error` (the lowest failing rank's) on every rank when any rank of comm failed: the
// ranks take the next collective HDF5 call, or the file's close, together.
void agree(MPI_Comm comm, const std::string& error) {
  const std::string first = first_error(comm, error, false);  // the message names file and object
  if (!first.empty()) throw Error(first);
}

// HDF5 prints its own error stack on every failed call; metarom reports errors itself.
void silence_hdf5() {
  static bool done = false;
  if (!done) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    done = true;
  }
}

Id file_access(MPI_Comm comm) {
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_sieve_buf_size(fapl.get(), 0);
  if (comm_size(comm) > 1) H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL);
  return fapl;
}

Id transfer(MPI_Comm comm) {
  Id dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  if (comm_size(comm) > 1) H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE);
  return dxpl;
}

std::string join_path(const std::string& parent, const std::string& name) {
  if (name.empty()) return parent;
  return parent == "/" ? "/" + name : parent + "/" + name;
}

const char* type_class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "floating point";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    default: return "another non-numeric type";
  }
}

// A data set's values go to the file when written, not into HDF5's chunk cache.
Id direct_access() {
  Id dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  H5Pset_chunk_cache(dapl.get(), 0, 0, 1.0);
  return dapl;
}

// Scalar, 1-D, or (for an empty list) a null data space, which HDF5 allows for attributes.
Id attribute_space(bool scalar, size_t n) {
  if (scalar) return Id(H5Screate(H5S_SCALAR), H5Sclose);
  if (n == 0) return Id(H5Screate(H5S_NULL), H5Sclose);
  hsize_t dims = n;
  return Id(H5Screate_simple(1, &dims, nullptr), H5Sclose);
}

void write_string_attribute(hid_t loc, const std::string& key, const std::vector<std::string>& values, bool scalar) {
  size_t len = 1;
  for (auto& s : values) len = std::max(len, s.size() + 1);
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), len);
  H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
  std::vector<char> buf(len * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), buf.begin() + i * len);
  Id space = attribute_space(scalar, values.size());
  Id attr(H5Acreate2(loc, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid() || (!values.empty() && H5Awrite(attr.get(), type.get(), buf.data()) < 0))
    throw Error(fmt::format("cannot write attribute '{}'", key));
}

template <class T>
void write_numeric_attribute(hid_t loc, const std::string& key, hid_t mem_type, const T* data, size_t n, bool scalar) {
  Id space = attribute_space(scalar, n);
  Id attr(H5Acreate2(loc, key.c_str(), mem_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid() || (n > 0 && H5Awrite(attr.get(), mem_type, data) < 0))
    throw Error(fmt::format("cannot write attribute '{}'", key));
}

AttributeValue read_attribute(hid_t attr, const std::string& context) {
  Id type(H5Aget_type(attr), H5Tclose);
  Id space(H5Aget_space(attr), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
  const H5T_class_t cls = H5Tget_class(type.get());
  if (count < 0) throw Error(context + ": unreadable attribute");
  // The declared count against the bytes stored (each value takes at least one) before any
  // allocation: an absurd size in a damaged file is an error, not an allocation failure.
  if (static_cast<hsize_t>(count) > H5Aget_storage_size(attr))
    throw Error(fmt::format("{}: declares {} values but stores {} bytes (damaged file)", context, count,
                            H5Aget_storage_size(attr)));
  if (cls == H5T_INTEGER) {
    std::vector<long long> v(count);
    if (count > 0 && H5Aread(attr, H5T_NATIVE_LLONG, v.data()) < 0) throw Error(context + ": unreadable attribute");
    if (scalar) return v.at(0);
    return v;
  }
  if (cls == H5T_FLOAT) {
    std::vector<double> v(count);
    if (count > 0 && H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()) < 0) throw Error(context + ": unreadable attribute");
    if (scalar) return v.at(0);
    return v;
  }
  if (cls == H5T_STRING) {
    std::vector<std::string> v;
    if (H5Tis_variable_str(type.get()) > 0) {  // written by h5py and others
      std::vector<char*> ptrs(count, nullptr);
      Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes UTF-8: HDF5 converts no character sets
      if (H5Aread(attr, mem.get(), ptrs.data()) < 0) throw Error(context + ": unreadable attribute");
      for (char* p : ptrs) v.emplace_back(p ? p : "");
      H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    } else {
      const size_t len = H5Tget_size(type.get());
      std::vector<char> buf(len * count + 1, '\0');
      if (H5Aread(attr, type.get(), buf.data()) < 0) throw Error(context + ": unreadable attribute");
      for (hssize_t i = 0; i < count; ++i) {
        const char* s = buf.data() + i * len;
        v.emplace_back(s, strnlen(s, len));
      }
    }
    if (scalar) return v.at(0);
    return v;
  }
  throw Error(fmt::format("{}: attribute of unsupported type ({})", context, type_class_name(cls)));
}

}  // namespace

Id& Id::operator=(Id&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

void Id::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = -1;
}

// ---------------------------------------------------------------- Group

Group::Group(Id id, std::string file, std::string path, MPI_Comm comm)
    : id_(std::move(id)), file_(std::move(file)), path_(std::move(path)), comm_(comm) {}

std::string Group::where(const std::string& name) const { return file_ + ":" + join_path(path_, name); }

bool Group::has(const std::string& name) const { return H5Lexists(id_.get(), name.c_str(), H5P_DEFAULT) > 0; }

std::vector<std::string> Group::names() const {
  std::vector<std::string> out;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate(id_.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &out) < 0)
    throw Error(where() + ": cannot list the group");
  return out;
}

Group Group::open_group(const std::string& name) const {
  if (!has(name)) throw Error(fmt::format("{}: group is missing", where(name)));
  check_link(name);
  Id g(H5Gopen2(id_.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.valid()) throw Error(fmt::format("{}: is not a group", where(name)));
  return Group(std::move(g), file_, join_path(path_, name), comm_);
}

Group Group::create_group(const std::string& name) {
  Id g(H5Gcreate2(id_.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  agree(comm_, g.valid() ? "" : fmt::format("{}: cannot create group{}", where(name), write_failure(file_, errno)));
  return Group(std::move(g), file_, join_path(path_, name), comm_);
}

Attributes Group::read_attributes() const {
  Attributes out;
  H5O_info_t info;
  if (H5Oget_info2(id_.get(), &info, H5O_INFO_NUM_ATTRS) < 0) throw Error(where() + ": unreadable object");
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    Id attr(H5Aopen_by_idx(id_.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.valid()) throw Error(where() + ": unreadable attribute");
    ssize_t len = H5Aget_name(attr.get(), 0, nullptr);
    std::string key(len, '\0');
    H5Aget_name(attr.get(), len + 1, key.data());
    out.set(key, read_attribute(attr.get(), where() + " attribute '" + key + "'"));
  }
  return out;
}

void Group::write_attributes(const Attributes& attrs) {
  const hid_t loc = id_.get();
  for (const auto& [key, value] : attrs) {
    if (H5Aexists(loc, key.c_str()) > 0) H5Adelete(loc, key.c_str());
    std::string error;
    try {
      if (auto p = std::get_if<long long>(&value)) write_numeric_attribute(loc, key, H5T_NATIVE_LLONG, p, 1, true);
      else if (auto p = std::get_if<double>(&value)) write_numeric_attribute(loc, key, H5T_NATIVE_DOUBLE, p, 1, true);
      else if (auto p = std::get_if<std::string>(&value)) write_string_attribute(loc, key, {*p}, true);
      else if (auto p = std::get_if<std::vector<long long>>(&value))
        write_numeric_attribute(loc, key, H5T_NATIVE_LLONG, p->data(), p->size(), false);
      else if (auto p = std::get_if<std::vector<double>>(&value))
        write_numeric_attribute(loc, key, H5T_NATIVE_DOUBLE, p->data(), p->size(), false);
      else if (auto p = std::get_if<std::vector<std::string>>(&value)) write_string_attribute(loc, key, *p, false);
    } catch (const Error& e) {
      error = where() + ": " + e.what() + write_failure(file_, errno);
    }
    agree(comm_, error);  // attribute writes are collective
  }
}

std::vector<long long> Group::shape(const std::string& name) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, -1, dims);
  return {dims.begin(), dims.end()};
}

void Group::check_link(const std::string& name) const {
  // metarom writes hard links only: a soft link may dangle or loop, an external one reads
  // another file, so neither is followed.
  H5L_info_t info;
  if (H5Lget_info(id_.get(), name.c_str(), &info, H5P_DEFAULT) < 0)
    throw Error(fmt::format("{}: unreadable link", where(name)));
  if (info.type != H5L_TYPE_HARD)
    throw Error(fmt::format("{}: is {} link, not an object (metarom files hold no links)", where(name),
                            info.type == H5L_TYPE_SOFT ? "a soft" : info.type == H5L_TYPE_EXTERNAL ? "an external" : "a user-defined"));
}

Id Group::open_dataset(const std::string& name, int expected_rank, std::vector<hsize_t>& dims) const {
  if (!has(name)) throw Error(fmt::format("{}: data set is missing", where(name)));
  check_link(name);
  Id ds(H5Dopen2(id_.get(), name.c_str(), direct_access().get()), H5Dclose);
  if (!ds.valid()) throw Error(fmt::format("{}: is not a data set", where(name)));
  Id space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw Error(fmt::format("{}: unreadable data space", where(name)));
  dims.assign(rank, 0);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (expected_rank == -1) return ds;  // shape only
  if (expected_rank >= 0 && rank != expected_rank)
    throw Error(fmt::format("{}: has rank {}, expected a {}-D data set", where(name), rank, expected_rank));
  Id type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT)
    throw Error(fmt::format("{}: has type {}, expected floating point", where(name), type_class_name(cls)));
  // Values are doubles (data/FORMAT.md); a narrower type would be widened silently and a
  // wider one rounded, so both are refused.
  if (H5Tget_size(type.get()) != 8)
    throw Error(fmt::format("{}: has {}-bit floating-point values, expected 64-bit (double)", where(name),
                            8 * H5Tget_size(type.get())));
  Id dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  const int filters = dcpl.valid() ? H5Pget_nfilters(dcpl.get()) : 0;
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    size_t nelem = 0;
    char fname[64] = "";
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), i, &flags, &nelem, nullptr, sizeof fname, fname, nullptr);
    if (id < 0 || H5Zfilter_avail(id) <= 0)
      throw Error(fmt::format("{}: is stored with filter {} ('{}'), which this HDF5 library does not have", where(name),
                              static_cast<long long>(id), fname));
  }
  return ds;
}

std::vector<long long> Group::dataset_shape(const std::string& name) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, -2, dims);
  return {dims.begin(), dims.end()};
}

void Group::check_stored(const Id& ds, const std::string& name, long double values) const {
  h5::check_stored(ds, where(name), values);
}

void check_stored(const Id& ds, const std::string& where, long double values) {
  // Sizes come from the file: nothing is allocated for a data set before its declared size
  // is checked against the bytes the file stores for it. Uncompressed values take 8 bytes
  // each; compressed ones (h5py's gzip, say) rarely shrink a thousandfold.
  long double stored = static_cast<long double>(H5Dget_storage_size(ds.get()));
  // A damaged chunk index can claim more storage than the whole file holds (found by fuzzing:
  // a 15 KB file whose compressed data set declared 134 million values): no data set stores
  // more bytes than its file has.
  Id file(H5Iget_file_id(ds.get()), H5Fclose);
  hsize_t file_bytes = 0;
  if (file.valid() && H5Fget_filesize(file.get(), &file_bytes) >= 0)
    stored = std::min(stored, static_cast<long double>(file_bytes));
  Id dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  const bool filtered = dcpl.valid() && H5Pget_nfilters(dcpl.get()) > 0;
  if (values * 8 > (filtered ? 1000 : 1) * stored)
    throw Error(fmt::format("{}: declares {:.0f} values but the file stores {:.0f} bytes of data for it (truncated, "
                            "damaged or never written)",
                            where, static_cast<double>(values), static_cast<double>(stored)));
}

void Group::check_finite(const std::string& name, const double* data, long long count, MPI_Comm comm) const {
  long long bad = -1;
  for (long long i = 0; i < count; ++i)
    if (!std::isfinite(data[i])) {
      bad = i;
      break;
    }
  // Every rank must agree on failure, or the others would wait forever in the next collective.
  if (!every_rank(comm, bad < 0))
    throw Error(fmt::format("{}: contains NaN or Inf values{}", where(name),
                            bad >= 0 ? fmt::format(" (first at local element {})", bad) : ""));
}

void Group::reserve(const std::string& name, long double values) const {
  // Parallel HDF5 1.10 does not recover from an I/O error on one rank: the ranks part ways
  // inside its collective calls (measured: a 2-rank fit hung in H5Dcreate2 on a full disk,
  // one rank allocating chunks, the other returned). So the space is checked first, on rank
  // 0 for all, leaving 64 KiB for the metadata; a disk filled meanwhile by another program
  // still fails in HDF5.
  std::string error;
  if (comm_rank(comm_) == 0) {
    const FreeSpace free = free_space(file_);
    const long double need = values * 8 + (1 << 16);
    if (free.bytes >= 0 && static_cast<long double>(free.bytes) < need)
      error = fmt::format("{}: no space left on the file system: {:.0f} bytes needed, {} free in {}", where(name),
                          static_cast<double>(need), free.bytes, free.dir);
  }
  agree(comm_, error);
}

void Group::write_slab(const std::string& name, const std::vector<hsize_t>& dims, const std::vector<hsize_t>& start,
                       const std::vector<hsize_t>& count, const double* data, MPI_Comm comm, bool chunk_rows) {
  const int rank = static_cast<int>(dims.size());
  long double values = 1;
  for (hsize_t d : dims) values *= d;
  reserve(name, values);
  Id space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
  Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t total = 1;
  for (int d = 0; d < rank; ++d) total *= dims[d];
  if (chunk_rows && total > 0) {
    // One chunk per row (per snapshot), capped so very long states still chunk.
    std::vector<hsize_t> chunk = dims;
    chunk[0] = 1;
    chunk[rank - 1] = std::min<hsize_t>(dims[rank - 1], hsize_t(1) << 24);
    H5Pset_chunk(dcpl.get(), rank, chunk.data());
  }
  Id ds(H5Dcreate2(id_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), direct_access().get()),
        H5Dclose);
  agree(comm_, ds.valid() ? "" : fmt::format("{}: cannot create data set{}", where(name), write_failure(file_, errno)));
  write_selection(ds, name, start, count, data, comm);
}

void Group::write_selection(const Id& ds, const std::string& name, const std::vector<hsize_t>& start,
                            const std::vector<hsize_t>& count, const double* data, MPI_Comm comm) {
  const int rank = static_cast<int>(count.size());
  hsize_t mine = 1;
  for (hsize_t c : count) mine *= c;
  Id space(H5Dget_space(ds.get()), H5Sclose);
  Id mem(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
  if (mine > 0) {
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  } else {
    H5Sselect_none(space.get());
    H5Sselect_none(mem.get());
  }
  Id dxpl = transfer(comm);
  errno = 0;
  const bool ok = H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, mem.get(), space.get(), dxpl.get(), data) >= 0;
  // Every rank stops together: one that threw alone would close the file (a collective
  // call) while the others wait in their next write (measured: a 2-rank fit hung on a full disk).
  agree(comm, ok ? "" : fmt::format("{}: write failed{}", where(name), write_failure(file_, errno)));
}

void Group::create_growing_rows(const std::string& name, long long n) {
  const hsize_t dims[2] = {0, static_cast<hsize_t>(n)}, max[2] = {H5S_UNLIMITED, static_cast<hsize_t>(n)};
  // One chunk per snapshot, capped at 2^24 values as write_rows' chunks.
  const hsize_t chunk[2] = {1, std::max<hsize_t>(1, std::min<hsize_t>(dims[1], hsize_t(1) << 24))};
  Id space(H5Screate_simple(2, dims, max), H5Sclose);
  Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 2, chunk);
  Id ds(H5Dcreate2(id_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), direct_access().get()),
        H5Dclose);
  agree(comm_, ds.valid() ? "" : fmt::format("{}: cannot create data set{}", where(name), write_failure(file_, errno)));
}

void Group::create_growing_vector(const std::string& name) {
  const hsize_t dims = 0, max = H5S_UNLIMITED, chunk = 1024;
  Id space(H5Screate_simple(1, &dims, &max), H5Sclose);
  Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  Id ds(H5Dcreate2(id_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), direct_access().get()),
        H5Dclose);
  agree(comm_, ds.valid() ? "" : fmt::format("{}: cannot create data set{}", where(name), write_failure(file_, errno)));
}

hsize_t Group::grow(const Id& ds, const std::string& name, hsize_t rows) {
  Id space(H5Dget_space(ds.get()), H5Sclose);
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space.get()));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  const hsize_t old = dims.at(0);
  dims[0] += rows;
  const bool ok = H5Dset_extent(ds.get(), dims.data()) >= 0;
  agree(comm_, ok ? "" : fmt::format("{}: cannot extend the data set{}", where(name), write_failure(file_, errno)));
  return old;
}

void Group::append_rows(const std::string& name, const Matrix& local, const RowPartition& rows) {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 2, dims);
  if (local.rows() != rows.local() || static_cast<long long>(dims[1]) != rows.global)
    throw Error(fmt::format("{}: {} local rows of {} given for a data set of rows {}", where(name), local.rows(),
                            rows.global, dims[1]));
  const hsize_t cols = static_cast<hsize_t>(local.cols());
  reserve(name, static_cast<long double>(cols) * dims[1]);
  const hsize_t first = grow(ds, name, cols);
  write_selection(ds, name, {first, static_cast<hsize_t>(rows.begin)}, {cols, static_cast<hsize_t>(rows.local())},
                  local.data(), rows.comm);
}

void Group::append_vector(const std::string& name, const Vector& v) {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 1, dims);
  const hsize_t n = static_cast<hsize_t>(v.size());
  reserve(name, n);
  const hsize_t first = grow(ds, name, n);
  write_selection(ds, name, {first}, {comm_rank(comm_) == 0 ? n : 0}, v.data(), comm_);
}

void Group::read_slab(const Id& ds, const std::string& name, const std::vector<hsize_t>& start,
                      const std::vector<hsize_t>& count, double* data, MPI_Comm comm) const {
  const int rank = static_cast<int>(count.size());
  hsize_t mine = 1;
  for (hsize_t c : count) mine *= c;
  Id space(H5Dget_space(ds.get()), H5Sclose);
  Id mem(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
  if (mine > 0) {
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  } else {
    H5Sselect_none(space.get());
    H5Sselect_none(mem.get());
  }
  Id dxpl = transfer(comm);
  const bool ok = H5Dread(ds.get(), H5T_NATIVE_DOUBLE, mem.get(), space.get(), dxpl.get(), data) >= 0;
  agree(comm, ok ? "" : fmt::format("{}: read failed (truncated or corrupt file?)", where(name)));
  check_finite(name, data, static_cast<long long>(mine), comm);
}

void Group::write_rows(const std::string& name, const Matrix& local, const RowPartition& rows) {
  if (local.rows() != rows.local())
    throw Error(fmt::format("{}: {} local rows given, partition owns {}", where(name), local.rows(), rows.local()));
  const hsize_t cols = static_cast<hsize_t>(local.cols());
  write_slab(name, {cols, static_cast<hsize_t>(rows.global)}, {0, static_cast<hsize_t>(rows.begin)},
             {cols, static_cast<hsize_t>(rows.local())}, local.data(), rows.comm, true);
}

Matrix Group::read_rows(const std::string& name, const RowPartition& rows, long long expected_cols) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 2, dims);
  if (static_cast<long long>(dims[1]) != rows.global || (expected_cols >= 0 && static_cast<long long>(dims[0]) != expected_cols))
    throw Error(fmt::format("{}: has shape [{}, {}], expected [{}, {}]", where(name), dims[0], dims[1],
                            expected_cols >= 0 ? std::to_string(expected_cols) : "N", rows.global));
  check_stored(ds, name, static_cast<long double>(dims[0]) * dims[1]);
  Matrix local(rows.local(), static_cast<Index>(dims[0]));
  read_slab(ds, name, {0, static_cast<hsize_t>(rows.begin)}, {dims[0], static_cast<hsize_t>(rows.local())},
            local.data(), rows.comm);
  return local;
}

Matrix Group::read_rows_window(const std::string& name, const RowPartition& rows, long long first,
                               long long count) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 2, dims);
  if (static_cast<long long>(dims[1]) != rows.global)
    throw Error(fmt::format("{}: has shape [{}, {}], expected [N, {}]", where(name), dims[0], dims[1], rows.global));
  if (first < 0 || count < 0 || first + count > static_cast<long long>(dims[0]))
    throw Error(fmt::format("{}: columns [{}, {}) asked of a matrix with {}", where(name), first, first + count,
                            dims[0]));
  check_stored(ds, name, static_cast<long double>(count) * dims[1]);
  Matrix local(rows.local(), static_cast<Index>(count));
  read_slab(ds, name, {static_cast<hsize_t>(first), static_cast<hsize_t>(rows.begin)},
            {static_cast<hsize_t>(count), static_cast<hsize_t>(rows.local())}, local.data(), rows.comm);
  return local;
}

void Group::write_columns(const std::string& name, const Matrix& local, const RowPartition& cols) {
  if (local.cols() != cols.local())
    throw Error(fmt::format("{}: {} local columns given, partition owns {}", where(name), local.cols(), cols.local()));
  const hsize_t a = static_cast<hsize_t>(local.rows());
  write_slab(name, {static_cast<hsize_t>(cols.global), a}, {static_cast<hsize_t>(cols.begin), 0},
             {static_cast<hsize_t>(cols.local()), a}, local.data(), cols.comm);
}

Matrix Group::read_columns(const std::string& name, const RowPartition& cols, long long expected_rows) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 2, dims);
  if (static_cast<long long>(dims[0]) != cols.global || static_cast<long long>(dims[1]) != expected_rows)
    throw Error(fmt::format("{}: has shape [{}, {}], expected [{}, {}]", where(name), dims[0], dims[1], cols.global,
                            expected_rows));
  check_stored(ds, name, static_cast<long double>(dims[0]) * dims[1]);
  Matrix local(static_cast<Index>(dims[1]), cols.local());
  read_slab(ds, name, {static_cast<hsize_t>(cols.begin), 0}, {static_cast<hsize_t>(cols.local()), dims[1]},
            local.data(), cols.comm);
  return local;
}

void Group::write_vector_rows(const std::string& name, const Vector& local, const RowPartition& rows) {
  if (local.size() != rows.local())
    throw Error(fmt::format("{}: {} local entries given, partition owns {}", where(name), local.size(), rows.local()));
  write_slab(name, {static_cast<hsize_t>(rows.global)}, {static_cast<hsize_t>(rows.begin)},
             {static_cast<hsize_t>(rows.local())}, local.data(), rows.comm);
}

Vector Group::read_vector_rows(const std::string& name, const RowPartition& rows) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 1, dims);
  if (static_cast<long long>(dims[0]) != rows.global)
    throw Error(fmt::format("{}: has length {}, expected {}", where(name), dims[0], rows.global));
  check_stored(ds, name, dims[0]);
  Vector local(rows.local());
  read_slab(ds, name, {static_cast<hsize_t>(rows.begin)}, {static_cast<hsize_t>(rows.local())}, local.data(),
            rows.comm);
  return local;
}

void Group::write_matrix(const std::string& name, const Matrix& m) {
  // Replicated data: rank 0 writes, the others take part in the collective call with nothing.
  const hsize_t c = static_cast<hsize_t>(m.cols()), r = static_cast<hsize_t>(m.rows());
  const bool root = comm_rank(comm_) == 0;
  write_slab(name, {c, r}, {0, 0}, {root ? c : 0, root ? r : 0}, m.data(), comm_);
}

Matrix Group::read_matrix(const std::string& name, long long expected_rows, long long expected_cols) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 2, dims);
  const long long cols = dims[0], rows = dims[1];
  if ((expected_rows >= 0 && rows != expected_rows) || (expected_cols >= 0 && cols != expected_cols))
    throw Error(fmt::format("{}: has shape [{}, {}], expected [{}, {}]", where(name), cols, rows,
                            expected_cols >= 0 ? std::to_string(expected_cols) : "any",
                            expected_rows >= 0 ? std::to_string(expected_rows) : "any"));
  check_stored(ds, name, static_cast<long double>(dims[0]) * dims[1]);
  Matrix m(rows, cols);
  read_slab(ds, name, {0, 0}, {dims[0], dims[1]}, m.data(), MPI_COMM_SELF);
  return m;
}

void Group::write_vector(const std::string& name, const Vector& v) {
  const hsize_t n = static_cast<hsize_t>(v.size());
  write_slab(name, {n}, {0}, {comm_rank(comm_) == 0 ? n : 0}, v.data(), comm_);
}

Vector Group::read_vector(const std::string& name, long long expected_size) const {
  std::vector<hsize_t> dims;
  Id ds = open_dataset(name, 1, dims);
  if (expected_size >= 0 && static_cast<long long>(dims[0]) != expected_size)
    throw Error(fmt::format("{}: has length {}, expected {}", where(name), dims[0], expected_size));
  check_stored(ds, name, dims[0]);
  Vector v(static_cast<Index>(dims[0]));
  read_slab(ds, name, {0}, {dims[0]}, v.data(), MPI_COMM_SELF);
  return v;
}

// ---------------------------------------------------------------- File

File::File(Id file, Group root, std::string path, std::string temp, MPI_Comm comm)
    : file_(std::move(file)), root_(std::move(root)), path_(std::move(path)), temp_(std::move(temp)), comm_(comm) {}

namespace {
// Rank 0 renames `from` to `to` (after every rank has written and flushed); all ranks learn
// the outcome. `what` describes the rename in the error message.
void rename_on_root(const std::string& from, const std::string& to, MPI_Comm comm, const std::string& what) {
  MPI_Barrier(comm);
  int ok = 1;
  std::string err;
  if (comm_rank(comm) == 0) {
    std::error_code ec;
    std::filesystem::rename(from, to, ec);
    if (ec) {
      ok = 0;
      err = ec.message();
    }
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
  if (!ok) throw Error(fmt::format("{}: cannot rename {} {}: {}", to, from, what, err));
}

// One name for all ranks: rank 0's process id after `path` and `tag`.
std::string staging_name(const std::string& path, const char* tag, MPI_Comm comm) {
  long long pid = comm_rank(comm) == 0 ? static_cast<long long>(getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG_LONG, 0, comm);
  return path + tag + std::to_string(pid);
}
}  // namespace

File File::create(const std::string& path, MPI_Comm comm) {
  silence_hdf5();
  const std::string temp = staging_name(path, ".tmp", comm);
  Id fapl = file_access(comm);
  errno = 0;
  Id f(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  if (!f.valid()) {
    const int err = errno;
    std::error_code ec;  // created empty before the failure (a full disk): not left behind
    if (comm_rank(comm) == 0) std::filesystem::remove(temp, ec);
    const auto dir = std::filesystem::path(path).parent_path();
    const std::string why = write_failure(path, err);
    throw Error(fmt::format("{}: cannot create file{}", path,
                            !dir.empty() && !std::filesystem::is_directory(dir)
                                ? fmt::format(" (directory '{}' does not exist)", dir.string())
                                : why.empty() ? " (no permission?)" : why));
  }
  Id g(H5Gopen2(f.get(), "/", H5P_DEFAULT), H5Gclose);
  return File(std::move(f), Group(std::move(g), path, "/", comm), path, temp, comm);
}

File File::create_partial(const std::string& path, MPI_Comm comm) {
  silence_hdf5();
  const std::string partial = partial_name(path);
  std::error_code ec;
  int exists = comm_rank(comm) == 0 && std::filesystem::exists(partial, ec);
  MPI_Bcast(&exists, 1, MPI_INT, 0, comm);
  if (exists)
    throw Error(fmt::format("{}: exists, an earlier recording to {} that did not finish (it holds the states recorded "
                            "before that run stopped; `metarom info` shows them): move or remove it first",
                            partial, path));
  // Created under a staging name: H5Fcreate writes no superblock a reader can find until the
  // first flush, and a process killed before publish_partial() must not leave a ".partial"
  // that is not an HDF5 file (measured: a kill 0.9 s into a sanitized 2-rank recording did).
  const std::string staging = staging_name(partial, ".new", comm);
  Id fapl = file_access(comm);
  Id f(H5Fcreate(staging.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  if (!f.valid()) throw Error(fmt::format("{}: cannot create file (no permission, missing directory or disk full?)", partial));
  Id g(H5Gopen2(f.get(), "/", H5P_DEFAULT), H5Gclose);
  return File(std::move(f), Group(std::move(g), partial, "/", comm), path, staging, comm);
}

void File::publish_partial() {
  if (keep_uncommitted_ || temp_.empty()) throw Error(fmt::format("{}: not a staged partial file", path_));
  flush();
  const std::string partial = partial_name(path_);
  rename_on_root(temp_, partial, comm_, "to the partial file's name");
  temp_ = partial;
  keep_uncommitted_ = true;
}

void File::flush() {
  errno = 0;
  const bool ok = H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0;
  agree(comm_, ok ? "" : fmt::format("{}: flush failed{}", temp_.empty() ? path_ : temp_, write_failure(path_, errno)));
}

File File::open(const std::string& path, MPI_Comm comm) {
  silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(fmt::format("{}: no such file", path));
  if (std::filesystem::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, not an HDF5 file", path));
  if (!std::ifstream(path).good()) throw Error(fmt::format("{}: cannot be read (permissions?)", path));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(fmt::format("{}: is not an HDF5 file", path));
  Id fapl = file_access(comm);
  Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!f.valid()) throw Error(fmt::format("{}: cannot open HDF5 file (truncated or corrupt?)", path));
  Id g(H5Gopen2(f.get(), "/", H5P_DEFAULT), H5Gclose);
  if (!g.valid()) throw Error(fmt::format("{}: cannot open the root group (corrupt file?)", path));
  return File(std::move(f), Group(std::move(g), path, "/", comm), path, "", comm);
}

void File::close() {
  root_ = Group(Id(), path_, "/", comm_);
  file_.reset();
}

void File::commit() {
  if (temp_.empty()) return;
  errno = 0;
  const bool ok = H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0;
  agree(comm_, ok ? "" : fmt::format("{}: cannot write the file{}", path_, write_failure(path_, errno)));
  close();
  const std::string temp = std::exchange(temp_, "");  // a failed rename keeps the data under temp
  rename_on_root(temp, path_, comm_, "into place");
}

File::~File() {
  if (file_.valid() || !temp_.empty()) {
    // An aborted write: its data are worthless, and on a full file system HDF5 could not close
    // the file (the close flushes what it holds into no space) and crashed terminating with it
    // still open (measured: SIGSEGV in H5F__close_cb at MPI_Finalize). Values go straight to
    // the file (no chunk cache, no sieve buffer: a full disk fails the write that meets it),
    // and the file, truncated first, gives its space back for the metadata the close flushes.
    if (!temp_.empty() && !keep_uncommitted_ && comm_rank(comm_) == 0) {
      std::error_code ec;  // best effort: the file is removed below all the same
      std::filesystem::resize_file(temp_, 0, ec);
    }
    close();
    if (!temp_.empty() && !keep_uncommitted_ && comm_rank(comm_) == 0) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);  // an aborted write leaves nothing behind
    }
  }
}


void write_header(Group& root, const std::string& kind) {
  Attributes a;
  a.set("metarom_format", kind);
  a.set("metarom_version", static_cast<long long>(format_version));
  a.set("metarom_software_version", std::string(version_string));
  root.write_attributes(a);
}

std::string check_header(const Group& root, const std::string& expected) {
  const Attributes a = root.read_attributes();
  const std::string ctx = root.file() + ": not a metarom file";
  if (!a.has("metarom_format")) throw Error(ctx + " (root attribute 'metarom_format' is missing)");
  const std::string kind = a.get_string("metarom_format", root.where());
  const long long version = a.get_int("metarom_version", root.where());
  if (version > format_version)
    throw Error(fmt::format("{}: format version {} is newer than this metarom understands ({})", root.file(), version,
                            format_version));
  if (!expected.empty() && kind != expected)
    throw Error(fmt::format("{}: holds a '{}', expected a '{}' file", root.file(), kind, expected));
  return kind;
}

}  // namespace metarom::h5
