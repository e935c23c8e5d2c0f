#pragma once
// RAII access to HDF5 files in metarom's layout (data/FORMAT.md): atomic creation
// (temporary name, rename on commit), parallel I/O through MPI-IO on several ranks,
// and reads that validate every object and name the file and object in their errors.
//
// Storage convention: an Eigen matrix with `a` rows and `b` columns is stored as an
// HDF5 data set of dims [b, a] (its columns are the data set's rows), so snapshot j is
// row j of /states when read by h5py or h5dump.
//
// HDF5's own header stays out of this one (a program that includes metarom's headers does
// not get HDF5's macros and names): identifiers and sizes are held in the fixed-width types
// that HDF5 1.10 defines them as (hid_t = int64_t, herr_t = int, hsize_t = unsigned long
// long), checked against HDF5's definitions where the library includes it.
#include <cstdint>
#include <string>
#include <vector>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/types.hpp"

namespace metarom::h5 {

using Hid = std::int64_t;         // hid_t
using Herr = int;                 // herr_t
using Hsize = unsigned long long;  // hsize_t
using Dims = std::vector<Hsize>;

// One HDF5 identifier, closed with the function it was created for.
class Id {
 public:
  using Closer = Herr (*)(Hid);
  Id() = default;
  Id(Hid id, Closer close) : id_(id), close_(close) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Id& operator=(Id&& o) noexcept;
  ~Id() { reset(); }
  void reset();
  Hid get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  Hid id_ = -1;
  Closer close_ = nullptr;
};

class Group {
 public:
  Group(Id id, std::string file, std::string path, MPI_Comm comm);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  MPI_Comm comm() const { return comm_; }
  // "file.h5:/group/name": how errors name an object.
  std::string where(const std::string& name = "") const;

  bool has(const std::string& name) const;
  std::vector<std::string> names() const;  // the objects this group holds, by name
  Group open_group(const std::string& name) const;  // throws if missing or not a group
  Group create_group(const std::string& name);

  Attributes read_attributes() const;
  void write_attributes(const Attributes& attrs);

  // Shape of a data set (throws naming it when missing).
  std::vector<long long> shape(const std::string& name) const;
  // Shape of a data set as every reader checks it before reading: a hard link to a data set
  // of 64-bit floating-point values whose filters this HDF5 library has (throws naming it).
  std::vector<long long> dataset_shape(const std::string& name) const;

  // A matrix whose rows are split over the ranks by `rows` (each rank holds rows
  // [rows.begin, rows.end) of every column); stored as [cols, rows.global].
  void write_rows(const std::string& name, const Matrix& local, const RowPartition& rows);
  // Reads the local row block and validates type, rank, shape (expected_cols < 0: any)
  // and finiteness. Collective over rows.comm.
  Matrix read_rows(const std::string& name, const RowPartition& rows, long long expected_cols = -1) const;
  // The local rows of columns [first, first + count) only: a window of a matrix too large to
  // read at once (one contiguous slab of the data set's rows). Collective over rows.comm.
  Matrix read_rows_window(const std::string& name, const RowPartition& rows, long long first, long long count) const;

  // Data arriving over time (a recording): a data set of dims [0, n] (create_growing_rows) or
  // [0] (create_growing_vector) that grows along its first dimension, one chunk per row.
  // append_rows extends it by local.cols() rows, each rank writing its own columns of them
  // (rows: the partition of n); append_vector extends a 1-D one by v (replicated values,
  // rank 0 writes). Collective.
  void create_growing_rows(const std::string& name, long long n);
  void create_growing_vector(const std::string& name);
  void append_rows(const std::string& name, const Matrix& local, const RowPartition& rows);
  void append_vector(const std::string& name, const Vector& v);

  // A matrix (a x n) whose columns are split by `cols` (each rank holds columns
  // [cols.begin, cols.end)), stored as [n, a] like a replicated matrix: the first layer of a
  // network whose input is a distributed state.
  void write_columns(const std::string& name, const Matrix& local, const RowPartition& cols);
  Matrix read_columns(const std::string& name, const RowPartition& cols, long long expected_rows) const;
  // A vector split like the rows of a state, stored 1-D [n].
  void write_vector_rows(const std::string& name, const Vector& local, const RowPartition& rows);
  Vector read_vector_rows(const std::string& name, const RowPartition& rows) const;

  // Small arrays every rank holds in full. A matrix is stored as [cols, rows].
  void write_matrix(const std::string& name, const Matrix& m);
  Matrix read_matrix(const std::string& name, long long expected_rows = -1, long long expected_cols = -1) const;
  void write_vector(const std::string& name, const Vector& v);
  Vector read_vector(const std::string& name, long long expected_size = -1) const;

  Hid id() const { return id_.get(); }

 private:
  // expected_rank -1: any rank, nothing else checked (shape()); -2: any rank, type and
  // filters checked as for a read; >= 0: that rank too.
  Id open_dataset(const std::string& name, int expected_rank, Dims& dims) const;
  void check_link(const std::string& name) const;
  // Each rank writes (reads) the block [start, start + count) of a data set of dims `dims`
  // from (into) `data`, stored row-major; collective over comm. An empty count takes part
  // with no data.
  void write_slab(const std::string& name, const Dims& dims, const Dims& start,
                  const Dims& count, const double* data, MPI_Comm comm, bool chunk_rows = false);
  void write_selection(const Id& ds, const std::string& name, const Dims& start,
                       const Dims& count, const double* data, MPI_Comm comm);
  // Extends a growing data set by `rows` along its first dimension; returns the old length.
  Hsize grow(const Id& ds, const std::string& name, Hsize rows);
  void read_slab(const Id& ds, const std::string& name, const Dims& start,
                 const Dims& count, double* data, MPI_Comm comm) const;
  // Throws unless the file stores enough bytes for `values` values of the data set.
  void check_stored(const Id& ds, const std::string& name, long double values) const;
  void check_finite(const std::string& name, const double* data, long long count, MPI_Comm comm) const;
  // Throws on every rank unless the file system holds room for `values` more values of `name`.
  void reserve(const std::string& name, long double values) const;

  Id id_;
  std::string file_, path_;
  MPI_Comm comm_;
};

class File {
 public:
  // Creates `path` atomically: data go to a temporary file beside it, renamed over
  // `path` by commit(). Without commit() (an error, an interrupt) the temporary file is
  // removed and `path` is untouched. Collective over comm.
  static File create(const std::string& path, MPI_Comm comm);
  // Opens an existing file read-only; a missing or non-HDF5 file is a clear error.
  static File open(const std::string& path, MPI_Comm comm);
  // Creates a file written over time (a recording), under a staging name until
  // publish_partial() has flushed what the caller wrote first (the header and layout) and
  // renamed it to `path` + ".partial", so a ".partial" file is always a readable HDF5 file,
  // whenever the process is killed. Then flush() makes what was written so far durable
  // against a killed process, and commit() renames it to `path`. Unlike create(), a
  // published, uncommitted file is kept (it holds the data written before the program
  // stopped). Refuses to overwrite an existing partial file: it may be the only copy of an
  // earlier, interrupted recording. Collective over comm.
  static File create_partial(const std::string& path, MPI_Comm comm);
  void publish_partial();
  static std::string partial_name(const std::string& path) { return path + ".partial"; }

  File(File&&) noexcept = default;
  File& operator=(File&&) = delete;
  File(const File&) = delete;
  ~File();

  Group& root() { return root_; }
  const Group& root() const { return root_; }
  void commit();
  // Writes everything buffered to the operating system (a killed process loses nothing
  // written before); not an fsync. Collective.
  void flush();

 private:
  File(Id file, Group root, std::string path, std::string temp, MPI_Comm comm);
  void close();

  Id file_;
  Group root_;
  std::string path_, temp_;  // temp_ empty: opened for reading, or committed
  MPI_Comm comm_;
  bool keep_uncommitted_ = false;  // published partial file: the uncommitted file holds a recording
};

// Throws unless the file stores enough bytes for `values` values of data set `ds` (named
// `where` in the message): call before allocating for a size read from a file.
void check_stored(const Id& ds, const std::string& where, long double values);

// Root attributes every metarom file carries: metarom_format (kind) and metarom_version.
void write_header(Group& root, const std::string& kind);
// Checks the header and returns the kind; `expected` empty accepts any kind.
std::string check_header(const Group& root, const std::string& expected = "");

}  // namespace metarom::h5
