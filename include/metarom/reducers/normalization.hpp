#pragma once
// The fixed affine map between states and what a neural reducer's networks see, fitted
// to the training snapshots before the networks are trained:
//   scaling   x̂ = (x − x̄)/s, with x̄ the snapshot mean and s the RMS of x − x̄ over all
//             entries (-ae_normalize): networks work at unit scale whatever the units;
//   POD stage x̂ = Φᵀ(x − x̄)/s with Φ the K leading left singular vectors of the centered
//             snapshots and s the RMS of the K coordinates (-ae_pod_modes K): the networks
//             then act on K replicated coordinates instead of n distributed values.
// decode undoes the map, x = x̄ + sΦŷ, so metrics stay in data units. With orthonormal Φ,
// ‖x̄ + sΦŷ − x‖² = s²‖ŷ − x̂‖² + ‖(I − ΦΦᵀ)(x − x̄)‖², so the meta-autoencoder's
// Gauss–Newton encoder (argmin over u of the state residual) has the same minimizer when
// posed on the K coordinates, and a manifold Galerkin ROM needs only Φᵀf (latent_rom.hpp).
// The identity when not fitted.
#include <mpi.h>

#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom {

namespace h5 {
class Group;
}

struct Normalization {
  Vector mean;       // local rows of x̄; empty: identity
  double scale = 1;  // s
  Matrix basis;      // local rows of Φ (n x K, orthonormal columns); used when modes > 0
  int modes = 0;     // K; 0: no POD stage
  MPI_Comm comm = MPI_COMM_SELF;  // the states' communicator (Φᵀx sums over it)

  // pod_modes > 0: POD stage with K = pod_modes (at most the snapshot count); otherwise
  // scaling only.
  void fit(const SnapshotView& train, int pod_modes);
  Matrix apply(MatrixView X) const;             // local rows of states -> what networks see
  Matrix undo(const Matrix& Y) const;           // back to local rows of states: x̄ + sΦY
  Matrix undo_linear(const Matrix& J) const;    // the linear part alone: sΦJ (Jacobians)
  // The rows the networks are laid out on: K replicated coordinates after a POD stage
  // (networks not split), else the states' rows (first/last layers split by rows).
  RowPartition network_rows(const RowPartition& state_rows) const;
  bool splits_networks() const { return modes == 0; }
  void save(h5::Group& g, const RowPartition& rows) const;
  void load(const h5::Group& g, const RowPartition& rows);
  // Fitted to the training states when asked (normalize or pod_modes > 0), the identity otherwise.
  static Normalization for_training(bool normalize, int pod_modes, const SnapshotView& train);
};

}  // namespace metarom
