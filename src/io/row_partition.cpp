#include "metarom/io/row_partition.hpp"

#include <fmt/format.h>

#include <climits>

#include "metarom/error.hpp"

namespace metarom {

RowPartition RowPartition::split(MPI_Comm comm, long long n) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  RowPartition p;
  p.comm = comm;
  p.global = n;
  const long long base = n / size, extra = n % size;
  p.begin = rank * base + (rank < extra ? rank : extra);
  p.end = p.begin + base + (rank < extra ? 1 : 0);
  return p;
}

RowPartition RowPartition::of_local_rows(MPI_Comm comm, long long local) {
  RowPartition p;
  p.comm = comm;
  long long begin = 0;
  MPI_Exscan(&local, &begin, 1, MPI_LONG_LONG, MPI_SUM, comm);
  if (p.rank() == 0) begin = 0;  // MPI_Exscan leaves rank 0's result undefined
  MPI_Allreduce(&local, &p.global, 1, MPI_LONG_LONG, MPI_SUM, comm);
  p.begin = begin;
  p.end = begin + local;
  return p;
}

int RowPartition::rank() const {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int RowPartition::size() const {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

void allreduce_sum(MPI_Comm comm, double* data, long long count) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  if (size == 1 || count == 0) return;
  // Summed on rank 0 and broadcast, not MPI_Allreduce: MPI does not promise that an
  // allreduce's floating-point result is bitwise equal on every rank (its algorithms add in
  // rank-dependent orders on 3 or more ranks), and every decision taken on reduced values —
  // a Levenberg–Marquardt step accepted, a convergence test, a tolerance — must be the same
  // on every rank, or the ranks part ways and hang. The broadcast makes them equal.
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  // MPI counts are int: reduce in pieces so very large buffers work too.
  const long long piece = INT_MAX / 2;
  for (long long off = 0; off < count; off += piece) {
    const int c = static_cast<int>(count - off < piece ? count - off : piece);
    if (MPI_Reduce(rank == 0 ? MPI_IN_PLACE : data + off, data + off, c, MPI_DOUBLE, MPI_SUM, 0, comm) != MPI_SUCCESS ||
        MPI_Bcast(data + off, c, MPI_DOUBLE, 0, comm) != MPI_SUCCESS)
      throw Error("MPI reduction failed");
  }
}

double allreduce_sum(MPI_Comm comm, double value) {
  allreduce_sum(comm, &value, 1);
  return value;
}

bool every_rank(MPI_Comm comm, bool condition) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  int c = condition ? 1 : 0;
  if (size > 1) MPI_Allreduce(MPI_IN_PLACE, &c, 1, MPI_INT, MPI_LAND, comm);
  return c != 0;
}

void broadcast(MPI_Comm comm, int from, std::string& text) {
  long long n = static_cast<long long>(text.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, from, comm);
  text.resize(static_cast<std::size_t>(n));
  MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, from, comm);
}

std::string first_error(MPI_Comm comm, std::string local, bool name_rank) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int first = local.empty() ? size : rank;
  if (size > 1) MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return {};
  if (size > 1) broadcast(comm, first, local);
  return fmt::format("{}{}", size > 1 && name_rank ? fmt::format("rank {}: ", first) : "", local);
}

double allreduce_max(MPI_Comm comm, double value) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  if (size > 1) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, comm);
  return value;
}

}  // namespace metarom
