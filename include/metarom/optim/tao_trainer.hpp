#pragma once
// Full-batch training with PETSc/TAO: the objective and gradient are the mean batch loss
// over all samples (evaluated batch by batch to bound memory), minimized by any TAO type
// (-tao_type, LMVM by default; -tao_max_it, -tao_gatol, -tao_monitor, ... apply). The outer
// problem of the meta-autoencoder is deterministic in this mode, which TAO's line searches
// need.
#include <string>

#include "metarom/optim/trainer.hpp"

namespace metarom {

// loss_grad is called with batches covering every sample; the objective is the
// sample-weighted mean of the batch losses. `iterations` caps TAO's iterations (options may
// override). On return `params` holds TAO's solution.
TrainResult train_tao(Vector& params, Index samples, const BatchLoss& loss_grad, int batch_size, int iterations,
                      bool progress, const std::string& what);

}  // namespace metarom
