#pragma once
// How the n rows of a state (one row per degree of freedom) are split over the ranks
// of a communicator: each rank owns the contiguous block [begin, end). This is the
// ownership of the PETSc Vec that holds the state, so bases and snapshots line up with it.
#include <mpi.h>

#include <string>

namespace metarom {

struct RowPartition {
  MPI_Comm comm = MPI_COMM_SELF;
  long long global = 0;  // n, rows in all
  long long begin = 0;   // first row owned here
  long long end = 0;     // one past the last row owned here

  // PETSc's default split (PetscSplitOwnership): n/size rows each, the first n%size ranks one more.
  static RowPartition split(MPI_Comm comm, long long n);
  // Everything on one rank (MPI_COMM_SELF), for serial work.
  static RowPartition serial(long long n) { return split(MPI_COMM_SELF, n); }
  // The split where each rank holds the `local` rows it passes, in rank order (collective):
  // data a caller distributed its own way (a NumPy array per rank).
  static RowPartition of_local_rows(MPI_Comm comm, long long local);

  long long local() const { return end - begin; }
  int rank() const;
  int size() const;
  bool distributed() const { return size() > 1; }
};

// Sum a buffer of doubles over the ranks of comm in place (no-op on one rank); the result is
// bitwise the same on every rank (reduced on rank 0 and broadcast), so decisions taken on it
// agree. allreduce_max is exact, hence equal everywhere too.
void allreduce_sum(MPI_Comm comm, double* data, long long count);
double allreduce_sum(MPI_Comm comm, double value);
double allreduce_max(MPI_Comm comm, double value);
// Whether `condition` holds on every rank of comm: a decision all ranks take together
// (throwing on one rank only would leave the others waiting in their next reduction; values
// reduced with floating-point sums need not be bitwise equal everywhere, decisions must be).
bool every_rank(MPI_Comm comm, bool condition);
// `text` from rank `from` to every rank of comm.
void broadcast(MPI_Comm comm, int from, std::string& text);
// The lowest failing rank's message on every rank, prefixed "rank K: " on several ranks
// unless `name_rank` is false ("" when `local` is empty everywhere): one failure stops all
// ranks with one text.
std::string first_error(MPI_Comm comm, std::string local, bool name_rank = true);

}  // namespace metarom
