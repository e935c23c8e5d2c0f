#pragma once
// Mini-batch training with Adam on a flat parameter vector: seeded shuffling (epoch e uses
// the permutation drawn from seed + e, so a resumed run repeats an uninterrupted one
// exactly), progress lines (epoch, loss, seconds per epoch, time left), the best
// parameters kept (lowest mean batch loss over an epoch), and a checkpoint file written
// atomically after every epoch, from which training resumes.
#include <functional>
#include <string>
#include <vector>

#include "metarom/optim/adam.hpp"

namespace metarom {

struct TrainSettings {
  int epochs = 100;
  int batch_size = 100;
  double learning_rate = 1e-3;
  unsigned long long seed = 0;
  bool progress = false;
  std::string checkpoint;  // file to write after each epoch and to resume from ("" = none)
};

struct TrainResult {
  std::vector<double> epoch_loss;  // mean batch loss per epoch
  int best_epoch = -1;
  double best_loss = 0;
  double seconds = 0;
  int resumed_from = 0;  // epochs already done in the checkpoint
};

// loss_grad(batch sample indices, parameters, gradient out) returns the batch loss and
// writes its gradient. On return `params` holds the best parameters seen.
using BatchLoss = std::function<double(const std::vector<Index>&, const Vector&, Vector&)>;
TrainResult train_adam(Vector& params, Index samples, const BatchLoss& loss_grad, const TrainSettings& s,
                       const std::string& what);

}  // namespace metarom
