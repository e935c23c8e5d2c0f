#pragma once
// Incremental (streaming) truncated SVD of a tall matrix whose columns arrive in blocks and
// whose rows are split over the ranks: Brand's update (Brand 2002; 2006, "Fast low-rank
// modifications of the thin SVD") with block columns, and Ross et al.'s mean update (2008,
// "Incremental learning for robust visual tracking", Sec. 3.1) for centred data.
//
// State: U (local rows, k orthonormal columns), σ (k), and, when centred, the running mean
// x̄ of the N columns seen. For a block C (b columns):
//   centred: C̃ = [C − c̄1ᵀ, √(N b/(N + b)) (c̄ − x̄)], x̄ ← (N x̄ + b c̄)/(N + b) (c̄: the block's
//            mean), so that the centred matrix's Gram form is exactly updated;
//   P = UᵀC̃, R = C̃ − UP, and again (classical Gram–Schmidt twice: R stays orthogonal to U
//   to round-off), R = Q T by TSQR (tsqr.hpp; directions with singular value below 1e-14
//   of the larger of σ_1 and ‖C̃‖_F dropped: they are round-off);
//   [U Q] [[diag σ, P], [0, T]] = [U Q] Û Σ̂ V̂ᵀ:  U ← [U Q] Û_k, σ ← diag Σ̂_k.
// Without truncation (k ≥ the rank) the result is the exact SVD's U and σ up to round-off.
// Truncating to max_rank columns drops σ̂_{k+1}; the largest dropped value is reported: the
// leading modes are accurate while it is small next to them.
// Every replicated step (the small SVD) sees the same data on every rank, so all ranks keep
// the same σ and rotation; the result does not depend on the rank count beyond round-off.
#include <mpi.h>

#include "metarom/types.hpp"

namespace metarom {

class IncrementalSvd {
 public:
  // An empty decomposition of matrices with `local_rows` rows on this rank.
  IncrementalSvd(MPI_Comm comm, Index local_rows, int max_rank, bool center);

  // A decomposition resumed from its saved state (U: local rows; mean: local rows, empty
  // when not centred; energy and dropped as reported by the saved one).
  struct State {
    Matrix U;
    Vector sigma, mean;
    long long count = 0;
    double energy = 0, dropped = 0;
  };
  IncrementalSvd(MPI_Comm comm, State state, int max_rank, bool center);

  // Appends the columns of C (local rows).
  void update(const Matrix& C);

  const Matrix& U() const { return state_.U; }
  const Vector& sigma() const { return state_.sigma; }
  const Vector& mean() const { return state_.mean; }  // empty when not centred
  long long count() const { return state_.count; }
  // ‖X − x̄1ᵀ‖_F² (or ‖X‖_F²) of every column seen, exact (not from the truncated σ): the
  // denominator of captured energy.
  double energy() const { return state_.energy; }
  // The largest singular value dropped by truncation so far (0: none dropped).
  double dropped() const { return state_.dropped; }
  const State& state() const { return state_; }
  int max_rank() const { return max_rank_; }

 private:
  MPI_Comm comm_;
  int max_rank_;
  bool center_;
  State state_;
};

}  // namespace metarom
