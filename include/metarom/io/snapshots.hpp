#pragma once
// Snapshot sets: the states of a full-order model at a sequence of times, one column per
// state, stored in HDF5 as described in data/FORMAT.md.
#include <string>
#include <vector>

#include "metarom/io/attributes.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/types.hpp"

namespace metarom {

namespace h5 {
class Group;
}

// How the n entries of a state map onto a grid: dims[0] varies fastest (the natural
// ordering of a PETSc DMDA), `fields` interleaved per grid point when there are several.
struct FieldLayout {
  std::vector<long long> dims;            // grid points per direction, e.g. {128, 128}
  std::vector<std::string> fields;        // e.g. {"u"}
  std::vector<double> lower, upper;       // physical extent per direction (may be empty)
  std::string ordering = "natural";       // "natural": index = field + nf*(i + nx*(j + ny*k))

  long long points() const;               // product of dims (0 when dims is empty)
  long long size() const;                 // points() * number of fields
};

// A snapshot set holds one trajectory or several (a parametric set: one run per parameter
// vector, each with its own time axis), stored one after another: trajectory j is the
// snapshots starts[j] .. starts[j+1]-1 (the last runs to N). Reducers see all columns;
// ROMs and `compare` see trajectories one at a time (trajectory_set.hpp).
struct SnapshotSet {
  Matrix X;               // local rows (rows.begin .. rows.end) of the n x N state matrix
  Vector t;               // N times (or sample indices)
  Matrix mu;              // p x N parameters per snapshot (p may be 0)
  // Names of mu's rows (empty: unnamed, as an MNIST label). A named parameter is a setting of
  // the model that wrote the set, named as its provenance attribute (burgers_amplitude,
  // heat_kappa, ...), so the model can be rebuilt at any parameter vector.
  std::vector<std::string> parameter_names;
  std::vector<Index> starts;  // first snapshot of each trajectory (starts[0] = 0); empty: one
  FieldLayout layout;     // may be empty for unstructured data
  Attributes provenance;  // model, its parameters, metarom version, creation time
  RowPartition rows;      // which rows of each state this rank holds
  bool complete = true;   // false: a recording that stopped before it finished (SnapshotStream)

  long long n() const { return rows.global; }
  Index count() const { return X.cols(); }
  Index trajectory_count() const { return starts.empty() ? 1 : static_cast<Index>(starts.size()); }
  Index trajectory_begin(Index j) const { return starts.empty() ? 0 : starts.at(j); }
  Index trajectory_end(Index j) const;
  // The parameter vector of trajectory j (p values; empty when the set has none).
  Vector trajectory_parameters(Index j) const;
  // Throws when the parts disagree (lengths, layout size, partition), naming `context`.
  void validate(const std::string& context) const;
};

// What reducers fit on: a snapshot set's states as a read-only view, the other parts (times,
// parameters, layout, provenance, partition) by reference. Built from a SnapshotSet without a
// copy (implicitly, so fit(set) reads as before), or from states held elsewhere — a caller's
// NumPy array — with a set holding every other part (its own X unused: a header), so large
// data are never copied on the way in. The viewed objects must outlive the view.
struct SnapshotView {
  SnapshotView(const SnapshotSet& set);  // NOLINT(google-explicit-constructor): a set is a view of itself
  SnapshotView(MatrixView states, const SnapshotSet& rest);

  MatrixView X;  // local rows of the n x N state matrix
  const Vector& t;
  const Matrix& mu;
  const std::vector<std::string>& parameter_names;
  const std::vector<Index>& starts;
  const FieldLayout& layout;
  const Attributes& provenance;
  const RowPartition& rows;
  bool complete;

  long long n() const { return rows.global; }
  Index count() const { return X.cols(); }
  Index trajectory_count() const { return starts.empty() ? 1 : static_cast<Index>(starts.size()); }
  // The parts as a set with no states (X: local rows, no columns): what a model file records.
  SnapshotSet header() const;
  // Throws when the parts disagree (lengths, layout size, partition), naming `context`.
  void validate(const std::string& context) const;
};

// A field derived from the states (e.g. vorticity from the streamfunction), stored beside
// /states as /<name> with the same shape.
struct DerivedField {
  std::string name;
  Matrix X;  // local rows, one column per snapshot
};

// The derived field `name` of a snapshot file in the rows `rows` (one column per snapshot),
// or an empty matrix (0 columns) when the file has none. The plugin's recorder stores the
// right-hand side f(t_k, x_k) as the derived field "rhs" on request.
Matrix read_derived_field(const std::string& path, const std::string& name, const RowPartition& rows);
// The names of the derived fields a snapshot file holds (its data sets of the states' shape).
std::vector<std::string> derived_field_names(const std::string& path, MPI_Comm comm);

// Writes a snapshot set to `path` atomically (collective over set.rows.comm).
void write_snapshots(const std::string& path, const SnapshotSet& set, const std::vector<DerivedField>& derived = {});

// The snapshots j in [first, last) as a new set (same rows, layout and provenance).
SnapshotSet select_snapshots(const SnapshotSet& set, Index first, Index last);

// Writes an XDMF side file (h5path with .xmf in place of .h5) that lets ParaView open the
// gridded states (and derived fields) of a 1-D or 2-D snapshot file as a time series.
// Rank 0 writes it; nothing is written for unstructured data.
void write_xdmf(const std::string& h5path, const SnapshotSet& set, const std::vector<std::string>& derived = {});
// Reads and validates a snapshot set; rows split by PETSc's default split over comm.
SnapshotSet read_snapshots(const std::string& path, MPI_Comm comm);
// Same, with the rows this rank holds chosen by `rows` (rows.global must equal n).
SnapshotSet read_snapshots(const std::string& path, const RowPartition& rows);
// Everything but the states — times, layout, provenance, n — checked like a full read, with
// X holding this rank's rows of PETSc's default split over comm and no columns: what a
// program needs before it decides how to distribute the states (rebuilding the full model).
SnapshotSet read_snapshot_header(const std::string& path, MPI_Comm comm);

// The parts shared by snapshot and trajectory files, for writers of related kinds.
void write_snapshot_content(h5::Group& g, const SnapshotSet& set);
SnapshotSet read_snapshot_content(const h5::Group& g, const RowPartition& rows);
// Throws unless the file is of kind snapshots or trajectory (trajectory files hold a
// snapshot set too: the decoded states).
void check_snapshot_kind(const h5::Group& root);
// Everything but the states (X: the local rows, no columns), checked against their shape.
SnapshotSet read_snapshot_header(const h5::Group& g, const RowPartition& rows);
// n as stored in a group holding snapshot content (the length of the states' rows).
long long stored_state_size(const h5::Group& g);
void write_layout(h5::Group& g, const FieldLayout& layout);
FieldLayout read_layout(const h5::Group& g);

// A latent/decoded trajectory of a reduced model: the decoded states as a snapshot set
// plus the latent states (r x N), in one file of kind "trajectory".
void write_trajectory(const std::string& path, const SnapshotSet& decoded, const Matrix& latent);

}  // namespace metarom
