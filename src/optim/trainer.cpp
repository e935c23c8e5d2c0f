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
#include "metarom/io/file_schema.hpp"
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

// keep_previous (several ranks): the file it replaces stays as PATH.prev, so that ranks
// killed between their writes (one rank's file after epoch e + 1, another's after e) still
// share a checkpoint to resume from.
void save_checkpoint(const std::string& path, const Checkpoint& c, const TrainSettings& s, bool keep_previous) {
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
  if (keep_previous) {
    std::error_code ec;  // no file yet (the first epoch): nothing to keep
    std::filesystem::rename(path, path + ".prev", ec);
  }
  f.commit();
}

Checkpoint load_checkpoint(const std::string& path, const TrainSettings& s, Index size) {
  h5::File f = h5::File::open(path, MPI_COMM_SELF);
  h5::check_structure(f.root(), "checkpoint");
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

// One checkpoint file this rank could resume from: epochs = -1 missing, -2 unreadable.
struct Candidate {
  long long epochs = -1;
  Checkpoint c;
  std::string problem;
};

Candidate read_candidate(const std::string& path, const TrainSettings& s, Index size) {
  Candidate k;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return k;
  try {
    k.c = load_checkpoint(path, s, size);
    k.epochs = static_cast<long long>(k.c.losses.size());
  } catch (const std::exception& e) {
    k.problem = e.what();
    k.epochs = -2;
  }
  return k;
}

// Whether to resume, and from which epoch, decided by all ranks together: each reads its own
// file (one per rank for distributed networks) and, on several ranks, the one before it
// (PATH.prev). They resume from the latest epoch every rank holds — a kill between two ranks'
// writes leaves them one epoch apart, and the earlier one is then everyone's .prev or latest
// — or all fail with the same message. Ranks that resumed at different epochs would wait on
// each other's reductions forever.
bool agreed_checkpoint(const std::string& path, const TrainSettings& s, Index size, int ranks, Checkpoint& c,
                       const std::string& what) {
  const Candidate latest = read_candidate(path, s, size);
  const Candidate prev = ranks > 1 ? read_candidate(path + ".prev", s, size) : Candidate{};
  const bool unreadable = latest.epochs == -2 || prev.epochs == -2;
  if (!every_rank(MPI_COMM_WORLD, !unreadable)) {
    if (unreadable) throw Error(latest.epochs == -2 ? latest.problem : prev.problem);
    throw Error(fmt::format("{}: another rank's checkpoint ({}.rank*) is unreadable; its error is on that rank", what,
                            s.checkpoint));
  }
  // The latest epoch each rank holds; its minimum over the ranks is the one to resume from
  // (exact in doubles).
  const long long have = std::max(latest.epochs, prev.epochs);
  const long long lo = static_cast<long long>(-allreduce_max(MPI_COMM_WORLD, -double(have)));
  const long long hi = static_cast<long long>(allreduce_max(MPI_COMM_WORLD, double(have)));
  if (hi < 0) return false;  // no checkpoint anywhere: a fresh start
  const bool holds = lo >= 0 && (latest.epochs == lo || prev.epochs == lo);
  if (!every_rank(MPI_COMM_WORLD, holds))
    throw Error(fmt::format("{}: the ranks' checkpoint files {}.rank* disagree ({} ranks, latest epochs {} to {}, -1 "
                            "meaning missing; this rank: {}), so no rank resumes: remove them to start afresh, or "
                            "restore a consistent set",
                            what, s.checkpoint, ranks, lo, hi, have));
  c = latest.epochs == lo ? latest.c : prev.c;
  return true;
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
      save_checkpoint(checkpoint, c, s, size > 1);
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
