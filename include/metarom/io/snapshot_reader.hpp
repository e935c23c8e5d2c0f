#pragma once
// A snapshot file read a window of snapshots at a time, for sets larger than memory
// (incremental POD): the header (times, parameters, layout, provenance) at once, the states
// only as asked. Every window is read and validated (finite values) like a whole file.
#include <string>

#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom {

class SnapshotReader {
 public:
  // Opens `path` (a snapshots or trajectory file) with the rows split over comm by PETSc's
  // default split. Collective.
  SnapshotReader(const std::string& path, MPI_Comm comm);

  const std::string& path() const { return path_; }
  long long n() const { return header_.rows.global; }
  Index count() const { return header_.t.size(); }
  const RowPartition& rows() const { return header_.rows; }
  // Everything but the states: X has this rank's rows and no columns.
  const SnapshotSet& header() const { return header_; }
  // The local rows of snapshots [first, first + count). Collective.
  Matrix read(Index first, Index count) const;

 private:
  std::string path_;
  h5::File file_;
  SnapshotSet header_;
};

}  // namespace metarom
