#include "metarom/io/snapshot_reader.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"

namespace metarom {

SnapshotReader::SnapshotReader(const std::string& path, MPI_Comm comm)
    : path_(path), file_(h5::File::open(path, comm)) {
  const h5::Group& g = file_.root();
  check_snapshot_kind(g);
  header_ = read_snapshot_header(g, RowPartition::split(comm, stored_state_size(g)));
}

Matrix SnapshotReader::read(Index first, Index count) const {
  return file_.root().read_rows_window("states", header_.rows, first, count);
}

}  // namespace metarom
