#pragma once
// A snapshot file written as the states come (a recording of a long run): the states are
// appended to extendible data sets of `NAME.partial`, flushed on every append, and the file
// is renamed to NAME by finish(). A run killed at any moment leaves `NAME.partial` as a valid
// snapshot file, marked incomplete (root attribute `complete = 0`), holding every state
// appended before the kill; readers take its /time as the count of states (a state written
// but not yet timed is ignored). Memory: what the caller buffers, nothing here.
#include <string>
#include <vector>

#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom {

class SnapshotStream {
 public:
  // Creates NAME.partial with the header, layout and provenance; `derived` names the derived
  // fields (e.g. "rhs") every append carries. Collective over rows.comm.
  SnapshotStream(const std::string& path, const RowPartition& rows, FieldLayout layout, const Attributes& provenance,
                 std::vector<std::string> derived = {});

  // Appends states (local rows x k), their k times and each derived field's k columns, then
  // flushes. Collective.
  void append(const Matrix& states, const Vector& t, const std::vector<Matrix>& derived = {});
  // Marks the file complete, writes the XDMF side file (gridded 1-D/2-D data) and renames it
  // to NAME. Collective; nothing more may be appended.
  void finish();

  Index count() const { return count_; }
  const std::string& path() const { return path_; }
  std::string partial_path() const { return h5::File::partial_name(path_); }

 private:
  std::string path_;
  RowPartition rows_;
  FieldLayout layout_;
  std::vector<std::string> derived_;
  std::vector<double> times_;  // for the XDMF side file written by finish()
  h5::File file_;
  Index count_ = 0;
  bool finished_ = false;
};

}  // namespace metarom
