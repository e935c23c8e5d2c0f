#pragma once
// Reconstruction metrics of a reducer on a snapshot set (docs/methods.md, "Metrics").
#include "metarom/reducers/reducer.hpp"

namespace metarom {

struct ReconstructionMetrics {
  double mse = 0;        // (3.20): ||x~ - x||² / n averaged over the N snapshots
  double sr_mse = 0;     // (5.2): ||φ(θ(x~)) - x~||_F² / (nN), x~ = φ(θ(x))
  double rel_error = 0;  // ||X~ - X||_F / ||X||_F
  int drift_steps = 0;   // k
  double drift = 0;      // ||X^(k) - X^(1)||_F² / (nN): the k-th repeated reconstruction's drift
  double right_inverse = 0;  // mean over samples of ||θ(φ(θ(x))) - θ(x)||
  // The same relative to ||θ(x)||: the absolute value scales with the latent coordinates,
  // which the autoencoders' losses leave free (u → cu and W₁ → W₁/c decode alike).
  double right_inverse_rel = 0;
};

// drift_steps = k >= 1 repeated reconstructions (the paper shows the 100th).
ReconstructionMetrics reconstruction_metrics(const Reducer& reducer, const SnapshotSet& set, int drift_steps = 100);

// ||A - B||_F² summed over the ranks of comm (A, B local row blocks).
double distributed_squared_distance(const Matrix& A, const Matrix& B, MPI_Comm comm);

}  // namespace metarom
