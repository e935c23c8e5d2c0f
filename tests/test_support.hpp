#pragma once
// Helpers shared by the tests: scratch directories every rank agrees on, and checks that
// an error message names what it should.
#include <hdf5.h>
#include <mpi.h>
#include <petscdmda.h>

#include <catch2/catch.hpp>
#include <functional>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

#include "metarom/io/snapshots.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/model.hpp"
#include "metarom/models/reaction.hpp"
#include "metarom/nn/mlp.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/model_file.hpp"
#include "metarom/types.hpp"

namespace metarom::h5 {
class Group;
}

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

// The heat model's settings on an n x n grid over `time`, the rest its defaults: the small
// runs many tests start from.
HeatConfig heat_config(int n, const TimeGrid& time);
// The reaction model's settings: an nx x ny grid, source λeᵘ, initial amplitude, over `time`.
ReactionConfig reaction_config(int nx, int ny, double lambda, double amplitude, const TimeGrid& time);

// Saves `reducer` (fitted on s) as the model file `name` in dir and loads it back, rows split
// by PETSc's default; reloaded<T> is the loaded reducer as a T (required), alive while m is.
ModelFile save_and_load(const ScratchDir& dir, const std::string& name, const Reducer& reducer, const SnapshotSet& s);
template <class T>
T& reloaded(const ModelFile& m) {
  auto* p = dynamic_cast<T*>(m.reducer.get());
  REQUIRE(p);
  return *p;
}
int world_size();
void barrier();

// Sets entries of PETSc's options database (value nullptr: a flag) for the scope's
// duration and clears them at exit, so one test's options never leak into the next.
class ScopedOptions {
 public:
  ScopedOptions(std::initializer_list<std::pair<const char*, const char*>> values);
  ~ScopedOptions();
  ScopedOptions(const ScopedOptions&) = delete;
  ScopedOptions& operator=(const ScopedOptions&) = delete;

 private:
  std::vector<std::string> names_;
};

// Runs f, requires it to throw metarom::Error whose message contains every string in `parts`.
void require_error(const std::function<void()>& f, const std::vector<std::string>& parts);

// A small gridded snapshot set (nx x ny points, N snapshots, 2 parameters) on comm's rows.
SnapshotSet sample_set(MPI_Comm comm, long long nx, long long ny, Index N);
// Writes sample_set(4 x 3 points, 6 snapshots) as a snapshot file on rank 0 (serial HDF5),
// letting `edit` damage its root group first; every rank waits for it.
void write_damaged(const std::string& path, const std::function<void(h5::Group&)>& edit);
// Replaces data set `name` of g by a double data set of dims `dims` filled with `fill`.
void replace_with_doubles(h5::Group& g, const std::string& name, std::vector<hsize_t> dims, double fill);

// The rows of `full` this rank owns under PETSc's default split over comm, as a snapshot
// set with times 0 .. 1.
SnapshotSet distribute(const Matrix& full, MPI_Comm comm);
// ... under the split `rows` (a model's).
SnapshotSet distribute(const Matrix& full, const RowPartition& rows);

// POD of rank r (exact, uncentred) fitted on s.
Pod fitted_pod(const SnapshotSet& s, int r);

// A 2-D DMDA of M x N points with dof fields (on PETSC_COMM_WORLD) and a global Vec on it
// holding value(i, j, c); natural_value(g) is that value at natural index g (fields
// fastest, then x, then y: metarom's layout). Destroys both at scope exit.
struct DmdaField {
  using Value = std::function<double(PetscInt i, PetscInt j, PetscInt c)>;
  DmdaField(PetscInt M, PetscInt N, PetscInt dof, Value value);
  ~DmdaField();
  DmdaField(const DmdaField&) = delete;
  DmdaField& operator=(const DmdaField&) = delete;
  double natural_value(long long g) const;
  PetscInt M, N, dof;
  Value value;
  DM da = nullptr;
  Vec x = nullptr;
};

// Entries drawn from scale · N(0, 1), seeded (the same on every rank).
Matrix random_matrix(Index rows, Index cols, unsigned seed, double scale = 1);
// A copy of `net` with its parameter k moved by h (finite differences over the parameters).
Mlp shifted(const Mlp& net, Index k, double h);

// The full matrix of a row-distributed one, on every rank (local rows of `rows`).
Matrix gather_rows(const Matrix& local, const RowPartition& rows);

// Sine of the largest principal angle between the column spaces of orthonormal A and B:
// ||(I - B Bᵀ) A||₂, computed without the cancellation of sqrt(1 - cos²).
double subspace_distance(const Matrix& A, const Matrix& B);

// σ_k = first · ratio^k, k = 0 … count − 1: a geometric spectrum.
Vector geometric_spectrum(Index count, double ratio, double first = 1);

// A matrix with known singular values: U diag(sigma) Vᵀ with orthonormal U (n x k) and V
// (N x k) from seeded Householder QRs (the same on every rank).
Matrix matrix_with_singular_values(Index n, Index N, const Vector& sigma, unsigned seed, Matrix* U = nullptr);

// A model's sampled f and its Jacobian (FullOrderModel::sampled_rhs) at the global rows `at`
// from the state's values on the sample's stencil, against the full evaluation at x (local
// rows): f at those rows (g, FullOrderModel::local_rhs, for a model with f = M g), and ∂f/∂x
// applied to the stencil rows' unit vectors (for f = M g: central differences of g, exact
// for a g of degree ≤ 2 up to round-off). Both are the same arithmetic on the same values, so
// `tolerance` (relative to the largest entry) is round-off of the terms. Returns the
// sample's stencil.
std::vector<long long> check_sampled_rhs(const FullOrderModel& model, const Vector& x, const std::vector<long long>& at,
                                         double tolerance, bool local_part = false);

}  // namespace metarom::test
