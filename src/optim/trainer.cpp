#include "metarom/optim/trainer.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/row_partition.hpp"

namespace metarom {

namespace {

struct Checkpoint {
  Vector params, best, m, v;
  long long adam_steps = 0;
  std::vector<double> losses;
  int best_epoch = -1;
  double best_loss = 0;
};

void save_checkpoint(const std::string& path, const Checkpoint& c, const TrainSettings& s) {
  h5::File f = h5::File::create(path, MPI_COMM_SELF);
  h5::write_header(f.root(), "checkpoint");
  Attributes a;
  a.set("epochs_done", static_cast<long long>(c.losses.size()));
  a.set("adam_steps", c.adam_steps);
  a.set("best_epoch", c.best_epoch);
  a.set("best_loss", c.best_loss);
  a.set("seed", static_cast<long long>(s.seed));
  a.set("batch_size", s.batch_size);
  a.set("learning_rate", s.learning_rate);
  f.root().write_attributes(a);
  f.root().write_vector("params", c.params);
  f.root().write_vector("best", c.best);
  f.root().write_vector("adam_m", c.m);
  f.root().write_vector("adam_v", c.v);
  f.root().write_vector("losses", Eigen::Map<const Vector>(c.losses.data(), c.losses.size()));
  f.commit();
}

Checkpoint load_checkpoint(const std::string& path, const TrainSettings& s, Index size) {
  h5::File f = h5::File::open(path, MPI_COMM_SELF);
  h5::check_header(f.root(), "checkpoint");
  const Attributes a = f.root().read_attributes();
  const std::string ctx = f.root().where();
  if (a.get_int("seed", ctx) != static_cast<long long>(s.seed) || a.get_int("batch_size", ctx) != s.batch_size ||
      a.get_double("learning_rate", ctx) != s.learning_rate)
    throw Error(path + ": checkpoint was written with another seed, batch size or learning rate");
  Checkpoint c;
  c.params = f.root().read_vector("params", size);
  c.best = f.root().read_vector("best", size);
  c.m = f.root().read_vector("adam_m", size);
  c.v = f.root().read_vector("adam_v", size);
  const Vector l = f.root().read_vector("losses");
  c.losses.assign(l.data(), l.data() + l.size());
  c.adam_steps = a.get_int("adam_steps", ctx);
  c.best_epoch = static_cast<int>(a.get_int("best_epoch", ctx));
  c.best_loss = a.get_double("best_loss", ctx);
  return c;
}

// Whether to resume from this rank's checkpoint file, decided by all ranks together: each
// reads its own (one per rank for distributed networks), then they agree — every rank has
// one, all readable and after the same epoch — or all fail with the same message. Ranks that
// resumed at different epochs would wait on each other's reductions forever.
bool agreed_checkpoint(const std::string& path, const TrainSettings& s, Index size, int ranks, Checkpoint& c,
                       const std::string& what) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  std::string problem;
  long long epochs = -1;  // -1: no file
  if (exists) {
    try {
      c = load_checkpoint(path, s, size);
      epochs = static_cast<long long>(c.losses.size());
    } catch (const std::exception& e) {
      problem = e.what();
      epochs = -2;  // unreadable
    }
  }
  // [min, max] of the epochs over the ranks (exact in doubles); −2 at the bottom: some rank
  // failed to read its file.
  const long long lo = static_cast<long long>(-allreduce_max(MPI_COMM_WORLD, -double(epochs)));
  const long long hi = static_cast<long long>(allreduce_max(MPI_COMM_WORLD, double(epochs)));
  if (lo == -2) {
    if (!problem.empty()) throw Error(problem);
    throw Error(fmt::format("{}: another rank's checkpoint ({}.rank*) is unreadable; its error is on that rank", what,
                            s.checkpoint));
  }
  if (lo != hi)
    throw Error(fmt::format("{}: the ranks' checkpoint files {}.rank* disagree ({} ranks, after epochs {} to {}, -1 meaning "
                            "missing; this rank: {}), so no rank resumes: remove them to start afresh, or restore a "
                            "consistent set",
                            what, s.checkpoint, ranks, lo, hi, epochs));
  return lo >= 0;
}

}  // namespace

TrainResult train_adam(Vector& params, Index samples, const BatchLoss& loss_grad, const TrainSettings& s,
                       const std::string& what) {
  if (samples < 1) throw Error(what + ": no training samples");
  if (s.batch_size < 1 || s.epochs < 0) throw Error(what + ": batch size must be >= 1 and epochs >= 0");
  Adam adam(params.size(), Adam::Settings{s.learning_rate});
  TrainResult result;
  // Distributed networks hold different parameters on each rank: one checkpoint per rank.
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string checkpoint = s.checkpoint.empty() || size == 1 ? s.checkpoint : s.checkpoint + ".rank" + std::to_string(rank);
  const bool progress = s.progress && rank == 0;
  Checkpoint c;
  c.best = params;
  if (!checkpoint.empty() && agreed_checkpoint(checkpoint, s, params.size(), size, c, what)) {
    params = c.params;
    adam.restore(c.m, c.v, c.adam_steps);
    result.resumed_from = static_cast<int>(c.losses.size());
    if (progress) std::cerr << fmt::format("  {}: resuming after epoch {} from {}\n", what, c.losses.size(), checkpoint);
  }
  const double start = MPI_Wtime();
  std::vector<Index> order(samples);
  Vector grad(params.size());
  for (int epoch = static_cast<int>(c.losses.size()); epoch < s.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), Index(0));
    std::mt19937_64 gen(s.seed * 1000003ULL + static_cast<unsigned long long>(epoch));
    std::shuffle(order.begin(), order.end(), gen);
    double total = 0;
    Index batches = 0;
    for (Index first = 0; first < samples; first += s.batch_size) {
      const std::vector<Index> batch(order.begin() + first, order.begin() + std::min<Index>(first + s.batch_size, samples));
      grad.setZero();
      const double loss = loss_grad(batch, params, grad);
      if (!every_rank(MPI_COMM_WORLD, std::isfinite(loss)))
        throw Error(fmt::format("{}: the loss became {} in epoch {}{}", what, loss, epoch + 1,
                                std::isfinite(loss) ? " on another rank" : ""));
      adam.step(params, grad);
      total += loss;
      ++batches;
    }
    const double mean = total / batches;
    c.losses.push_back(mean);
    if (c.best_epoch < 0 || mean < c.best_loss) {
      c.best_epoch = epoch;
      c.best_loss = mean;
      c.best = params;
    }
    if (!checkpoint.empty()) {
      c.params = params;
      c.m = adam.first_moment();
      c.v = adam.second_moment();
      c.adam_steps = adam.steps();
      save_checkpoint(checkpoint, c, s);
    }
    if (progress) {
      const double elapsed = MPI_Wtime() - start;
      const int done = epoch + 1 - result.resumed_from;
      std::cerr << fmt::format("  {}: epoch {}/{}  loss {:.6e}  {:.2f} s/epoch  ~{:.0f} s left\n", what, epoch + 1,
                               s.epochs, mean, elapsed / done, elapsed / done * (s.epochs - epoch - 1));
    }
  }
  result.seconds = MPI_Wtime() - start;
  result.epoch_loss = c.losses;
  result.best_epoch = c.best_epoch;
  result.best_loss = c.best_loss;
  if (c.best_epoch >= 0) params = c.best;
  return result;
}

}  // namespace metarom
