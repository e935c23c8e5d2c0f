#include "metarom/io/snapshot_stream.hpp"

#include <fmt/format.h>

#include "metarom/error.hpp"

namespace metarom {

SnapshotStream::SnapshotStream(const std::string& path, const RowPartition& rows, FieldLayout layout,
                               const Attributes& provenance, std::vector<std::string> derived)
    : path_(path),
      rows_(rows),
      layout_(std::move(layout)),
      derived_(std::move(derived)),
      file_(h5::File::create_partial(path, rows.comm)) {
  if (!layout_.dims.empty() && layout_.size() != rows_.global)
    throw Error(fmt::format("{}: grid layout describes {} values per state, states have {}", path, layout_.size(),
                            rows_.global));
  h5::Group& root = file_.root();
  h5::write_header(root, "snapshots");
  Attributes incomplete;
  incomplete.set("complete", 0LL);
  root.write_attributes(incomplete);
  root.create_growing_rows("states", rows_.global);
  root.create_growing_vector("time");
  for (const std::string& d : derived_) root.create_growing_rows(d, rows_.global);
  write_layout(root, layout_);
  root.create_group("provenance").write_attributes(provenance);
  file_.publish_partial();  // NAME.partial appears only now, readable
}

void SnapshotStream::append(const Matrix& states, const Vector& t, const std::vector<Matrix>& derived) {
  if (finished_) throw Error(fmt::format("{}: append after finish", path_));
  if (states.rows() != rows_.local() || states.cols() != t.size() || derived.size() != derived_.size())
    throw Error(fmt::format("{}: append of {} x {} states, {} times and {} derived fields; expected {} rows and {} "
                            "derived fields",
                            partial_path(), states.rows(), states.cols(), t.size(), derived.size(), rows_.local(),
                            derived_.size()));
  h5::Group& root = file_.root();
  // The states and derived fields first, flushed, and only then their times: /time's length
  // counts the states whose every value reached the file, whenever the process is killed.
  root.append_rows("states", states, rows_);
  for (size_t i = 0; i < derived_.size(); ++i) {
    if (derived[i].rows() != states.rows() || derived[i].cols() != states.cols())
      throw Error(fmt::format("{}: derived field '{}' does not have the states' shape", partial_path(), derived_[i]));
    root.append_rows(derived_[i], derived[i], rows_);
  }
  file_.flush();
  root.append_vector("time", t);
  file_.flush();
  times_.insert(times_.end(), t.data(), t.data() + t.size());
  count_ += t.size();
}

void SnapshotStream::finish() {
  if (finished_) return;
  Attributes complete;
  complete.set("complete", 1LL);
  file_.root().write_attributes(complete);
  file_.commit();
  finished_ = true;
  SnapshotSet header;  // what the XDMF side file needs: times, layout, partition
  header.rows = rows_;
  header.layout = layout_;
  header.t = Eigen::Map<const Vector>(times_.data(), static_cast<Index>(times_.size()));
  if (layout_.dims.size() == 1 || layout_.dims.size() == 2) write_xdmf(path_, header, derived_);
}

}  // namespace metarom
