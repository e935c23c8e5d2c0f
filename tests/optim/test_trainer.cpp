// tests for src/optim/trainer.cpp: the ranks agree on resuming from their checkpoint files —
// a consistent set resumes everywhere, files one epoch apart (a kill between the ranks'
// writes) resume from the epoch all hold, a set with no common epoch or an unreadable file
// fails on every rank with one message (never a hang).
#include <petscsys.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "metarom/optim/trainer.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::ScratchDir;

namespace {
// Σ (p − 1)² over every sample: a smooth loss whose training any rank count repeats.
double quadratic(const std::vector<Index>& batch, const Vector& p, Vector& grad) {
  grad = 2.0 * double(batch.size()) * (p.array() - 1.0).matrix();
  return double(batch.size()) * (p.array() - 1.0).square().sum();
}

TrainResult train(const std::string& checkpoint, int epochs) {
  TrainSettings s;
  s.epochs = epochs;
  s.batch_size = 2;
  s.learning_rate = 0.1;
  s.checkpoint = checkpoint;
  Vector p = Vector::Zero(3);
  return train_adam(p, 4, quadratic, s, "test training");
}

std::string own_file(const std::string& base) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size == 1 ? base : base + ".rank" + std::to_string(test::world_rank());
}
}  // namespace

TEST_CASE("checkpoints resume only when every rank's file agrees", "[optim][trainer][checkpoint][mpi]") {
  ScratchDir dir;
  const std::string base = dir.path("ckpt.h5");
  train(base, 3);
  const TrainResult resumed = train(base, 5);
  CHECK(resumed.resumed_from == 3);
  CHECK(resumed.epoch_loss.size() == 5);

  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) {
    // Rank 1's files missing (its latest and the one before): every rank refuses, none
    // resumes alone.
    if (test::world_rank() == 1) {
      std::remove(own_file(base).c_str());
      std::remove((own_file(base) + ".prev").c_str());
    }
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_THROWS_WITH(train(base, 7), Catch::Contains("disagree") && Catch::Contains("remove them to start afresh"));
    // Files after different epochs: rank 1's latest from a run stopped after epoch 1, rank
    // 0's after epoch 2 (a kill between the ranks' writes leaves such a set). Both hold
    // epoch 1 (rank 0 as its previous file): they resume there, to the losses of a run never
    // interrupted (the same data, seed and steps: bit for bit).
    ScratchDir other;
    const std::string early = other.path("early.h5"), late = other.path("late.h5"), lone = other.path("lone.h5");
    train(early, 1);
    train(late, 2);
    if (test::world_rank() == 1)
      std::filesystem::copy_file(own_file(early), own_file(late), std::filesystem::copy_options::overwrite_existing);
    MPI_Barrier(MPI_COMM_WORLD);
    const TrainResult after_kill = train(late, 4);
    CHECK(after_kill.resumed_from == 1);
    CHECK(after_kill.epoch_loss == train(other.path("uninterrupted.h5"), 4).epoch_loss);
    // Without rank 0's previous file no epoch is common to both: every rank refuses.
    train(lone, 2);
    if (test::world_rank() == 1)
      std::filesystem::copy_file(own_file(early), own_file(lone), std::filesystem::copy_options::overwrite_existing);
    if (test::world_rank() == 0) std::remove((own_file(lone) + ".prev").c_str());
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_THROWS_WITH(train(lone, 4), Catch::Contains("latest epochs 1 to 2"));
  }
  // An unreadable file on one rank (random bytes): every rank fails, that rank with its error.
  ScratchDir bad;
  const std::string b3 = bad.path("ckpt.h5");
  train(b3, 2);
  if (test::world_rank() == size - 1) std::ofstream(own_file(b3), std::ios::trunc) << "not an HDF5 file";
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THROWS(train(b3, 4));
}

TEST_CASE("a loss that is not finite on one rank stops every rank", "[optim][trainer][mpi]") {
  // Rank 0's batch loss turns NaN in the second epoch; the others' stays finite. Every rank
  // must stop there together (one continuing alone would wait in its next reduction).
  const int rank = test::world_rank();
  int calls = 0;
  auto loss = [&](const std::vector<Index>& batch, const Vector& p, Vector& grad) {
    const double value = quadratic(batch, p, grad);
    return rank == 0 && ++calls > 2 ? NAN : value;
  };
  TrainSettings s;
  s.epochs = 4;
  s.batch_size = 2;
  Vector p = Vector::Zero(3);
  CHECK_THROWS_WITH(train_adam(p, 4, loss, s, "nan training"), Catch::Contains("the loss became") &&
                                                                    Catch::Contains("in epoch 2"));
}
