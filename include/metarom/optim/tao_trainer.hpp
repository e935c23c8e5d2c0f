#pragma once
// Full-batch training with PETSc/TAO: the objective and gradient are the mean batch loss
// over all samples (evaluated batch by batch to bound memory), minimized by any TAO type
// (-tao_type, LMVM by default; -tao_max_it, -tao_gatol, -tao_monitor, ... apply). The outer
// problem of the meta-autoencoder is deterministic in this mode, which TAO's line searches
// need.
//
// Many ranks: the networks' parameters are split like the states (each rank its block of
// the split layer) plus replicated entries (every other layer). TAO runs on rank 0 alone,
// on a sequential vector holding every parameter once (each rank's block in rank order,
// then the replicated entries), so its norms, inner products and quasi-Newton updates count
// every parameter once, and each of its decisions (a line-search step accepted, convergence)
// is taken once: decisions taken on every rank from allreduced values need not agree
// bitwise, and ranks that part ways hang. The other ranks serve its evaluations: rank 0's
// iterate is scattered (the replicated entries broadcast, so the copies cannot drift apart),
// every rank evaluates its part, the gradient blocks are gathered and rank 0's objective is
// the one TAO sees. A failure on any rank stops every rank with one message. Rank 0 holds
// all the parameters (the networks, not the data).
#include <mpi.h>

#include <string>
#include <vector>

#include "metarom/optim/trainer.hpp"

namespace metarom {

struct ParameterLayout {
  MPI_Comm comm = MPI_COMM_SELF;
  std::vector<bool> distributed;  // per parameter: this rank's own (true) or replicated (false)
};

// loss_grad is called with batches covering every sample, on every rank of layout.comm with
// the same batches; it returns the loss summed over the ranks and the gradient laid out like
// params. The objective is the sample-weighted mean of the batch losses. `iterations` caps
// TAO's iterations (options may override). On return `params` holds TAO's solution.
TrainResult train_tao(Vector& params, const ParameterLayout& layout, Index samples, const BatchLoss& loss_grad,
                      int batch_size, int iterations, bool progress, const std::string& what);

}  // namespace metarom
