#pragma once
// Helpers shared by the tests: scratch directories every rank agrees on, and checks that
// an error message names what it should.
#include <mpi.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "metarom/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom::test {

// A fresh directory (same path on every rank of PETSC_COMM_WORLD), removed at scope exit.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

int world_rank();
int world_size();
void barrier();

// Runs f, requires it to throw metarom::Error whose message contains every string in `parts`.
void require_error(const std::function<void()>& f, const std::vector<std::string>& parts);

// The rows of `full` this rank owns under PETSc's default split over comm, as a snapshot
// set with times 0 .. 1.
SnapshotSet distribute(const Matrix& full, MPI_Comm comm);

// Entries drawn from scale · N(0, 1), seeded (the same on every rank).
Matrix random_matrix(Index rows, Index cols, unsigned seed, double scale = 1);

// A matrix with known singular values: U diag(sigma) Vᵀ with orthonormal U (n x k) and V
// (N x k) from seeded Householder QRs (the same on every rank).
Matrix matrix_with_singular_values(Index n, Index N, const Vector& sigma, unsigned seed, Matrix* U = nullptr);

}  // namespace metarom::test
