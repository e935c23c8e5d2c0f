#pragma once
// The documented format of every metarom file (data/FORMAT.md) as one validation that the
// readers and `metarom info -check` share: a file the check passes is one every reader of its
// kind accepts, and a file a reader refuses fails the check with the same message.
//
// Structure: every documented object present with its type (64-bit floating point), rank and
// shape, shapes tied together (a basis [r, n] with the reducer's latent_dim and the training
// set's n, a network's W_l with its widths, /time with /states, the layout with n), no links,
// no undocumented groups or data sets (provenance groups excepted: free-form by design).
// Attributes the format does not document are notes, not problems: readers ignore them, so a
// user may annotate a file with h5py.
// Values: every floating-point value finite, read once in blocks of bounded size.
#include <mpi.h>

#include <string>
#include <vector>

namespace metarom {

struct FileCheck {
  std::string kind;                   // snapshots, trajectory, model, inverse_map, checkpoint
  std::vector<std::string> problems;  // what makes a reader refuse the file, one line each ("FILE:/object: what")
  std::vector<std::string> notes;     // undocumented attributes (readers ignore them)
  bool conforms() const { return problems.empty(); }
};

// Structure and values of the file at `path`. Collective over comm; every rank returns the
// same report. Throws metarom::Error only when the file cannot be read as a metarom file at
// all (missing, not HDF5, no metarom header, a newer format version).
FileCheck check_file(const std::string& path, MPI_Comm comm);

namespace h5 {
class Group;
// The header (kind, format version) and the structure (no values read) of the file whose
// root group is `root`; throws the first problem. Returns the kind; `expected` non-empty
// also requires that kind. Every reader calls it when it opens a file.
std::string check_structure(const Group& root, const std::string& expected = "");
}  // namespace h5

}  // namespace metarom
