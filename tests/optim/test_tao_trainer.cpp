// tests for src/optim/tao_trainer.cpp: TAO reaches a known minimizer with the parameters
// split over the ranks, its decisions are rank 0's alone (every rank ends with the same
// parameters and history, whatever objective value the other ranks compute), and a failure
// on any rank, or TAO's own, stops every rank with one message (never a hang).
#include <petscsys.h>

#include <cmath>

#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/optim/tao_trainer.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
constexpr Index samples = 6, replicated = 2;

// Each rank holds 3 + rank distributed parameters, then the replicated ones: their global
// index g numbers the distributed ones over the ranks in rank order, then the replicated.
struct Problem {
  int rank = test::world_rank(), size = test::world_size();
  Index own = 3 + rank, first = 0, global = 0;
  double spread = 1;  // of the samples' targets about sin(0.7 g)
  explicit Problem(double spread_ = 1) : spread(spread_) {
    for (int r = 0; r < size; ++r) {
      if (r < rank) first += 3 + r;
      global += 3 + r;
    }
    global += replicated;
  }
  Index global_index(Index i) const { return i < own ? first + i : global - replicated + (i - own); }
  // f(p) = mean over samples j of Σ_g a_g (p_g − t_gj)²: curvatures a_g = 1 + g spread
  // over an order of magnitude, so LMVM must learn them; the minimizer is p_g = mean_j t_gj.
  static double a(Index g) { return 1.0 + static_cast<double>(g); }
  double target(Index g, Index j) const {
    const double x = 0.7 * static_cast<double>(g);
    return std::sin(x) + spread * std::sin(x + 1.3 * static_cast<double>(j));
  }
  double minimizer(Index g) const {
    double m = 0;
    for (Index j = 0; j < samples; ++j) m += target(g, j);
    return m / samples;
  }
  ParameterLayout layout() const {
    ParameterLayout l;
    l.comm = MPI_COMM_WORLD;
    l.distributed.assign(static_cast<std::size_t>(own + replicated), false);
    for (Index i = 0; i < own; ++i) l.distributed[static_cast<std::size_t>(i)] = true;
    return l;
  }
  // The batch loss summed over the ranks (replicated terms counted once), as train_tao
  // asks; every rank returns the full gradient of the replicated entries.
  double loss(const std::vector<Index>& batch, const Vector& p, Vector& grad) const {
    grad = Vector::Zero(p.size());
    double mine = 0, shared = 0;
    for (Index j : batch)
      for (Index i = 0; i < p.size(); ++i) {
        const Index g = global_index(i);
        const double d = p(i) - target(g, j);
        (i < own ? mine : shared) += a(g) * d * d / static_cast<double>(batch.size());
        grad(i) += 2 * a(g) * d / static_cast<double>(batch.size());
      }
    return allreduce_sum(MPI_COMM_WORLD, mine) + shared;
  }
};

// Bitwise equality of a vector on every rank.
bool same_on_every_rank(const std::vector<double>& v) {
  std::vector<double> lo(v), hi(v);
  MPI_Allreduce(MPI_IN_PLACE, lo.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, hi.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return lo == v && hi == v;
}
}  // namespace

TEST_CASE("TAO finds a quadratic's minimizer with the parameters split over the ranks", "[optim][tao][mpi]") {
  // The samples' targets spread by 1e-5: a mis-weighted batch moves the minimizer by ~1e-6
  // (far above the 5e-11 checked), and the minimum value stays ~1e-9, so f's round-off
  // (eps·f) lets the line search resolve |∇f| = 1e-10. With an O(1) spread the minimum is
  // 21.9, and whether LMVM got to 1e-10 before its line search stalled depended on the
  // BLAS's summation order.
  const Problem pb(1e-5);
  Vector p = Vector::Zero(pb.own + replicated);
  // TAO stops once |∇f| <= 1e-10 (its option, read on rank 0): since ∂f/∂p_g = 2 a_g (p_g − p*_g)
  // with a_g >= 1, every parameter is then within 5e-11 of the minimizer.
  const test::ScopedOptions options{{"-tao_gatol", "1e-10"}};
  const TrainResult r = train_tao(
      p, pb.layout(), samples, [&](const std::vector<Index>& b, const Vector& x, Vector& g) { return pb.loss(b, x, g); },
      4, 200, false, "quadratic");
  double worst = 0;
  for (Index i = 0; i < p.size(); ++i) worst = std::max(worst, std::abs(p(i) - pb.minimizer(pb.global_index(i))));
  INFO("largest error " << worst << " after " << r.best_epoch << " iterations");
  CHECK(worst <= 5e-11);
  CHECK(r.best_epoch < 200);
  CHECK(r.best_epoch > 1);
  // The replicated entries and the record are the same on every rank, bit for bit.
  CHECK(same_on_every_rank({p.data() + pb.own, p.data() + p.size()}));
  CHECK(same_on_every_rank(r.epoch_loss));
  CHECK(same_on_every_rank({r.best_loss, double(r.best_epoch), double(r.epoch_loss.size())}));
}

TEST_CASE("TAO's decisions are rank 0's: what other ranks compute as the objective changes nothing",
          "[optim][tao][mpi]") {
  // The other ranks return objective values of their own (a different function altogether):
  // were TAO's line search and convergence tests decided on each rank, they would part ways.
  const Problem pb;
  auto run = [&](bool others_disagree) {
    Vector p = Vector::Zero(pb.own + replicated);
    int calls = 0;
    TrainResult r = train_tao(
        p, pb.layout(), samples,
        [&](const std::vector<Index>& b, const Vector& x, Vector& g) {
          const double f = pb.loss(b, x, g);
          return others_disagree && pb.rank > 0 ? 3 * f + 1 + ++calls : f;
        },
        4, 15, false, "quadratic");
    return std::pair{p, r};
  };
  const auto [p1, r1] = run(false);
  const auto [p2, r2] = run(true);
  CHECK(p1 == p2);
  CHECK(r1.epoch_loss == r2.epoch_loss);
  CHECK(r1.best_epoch == r2.best_epoch);
}

TEST_CASE("a failing evaluation on one rank stops every rank with its message", "[optim][tao][mpi]") {
  const Problem pb;
  Vector p = Vector::Zero(pb.own + replicated);
  int calls = 0;
  auto loss = [&](const std::vector<Index>& b, const Vector& x, Vector& g) {
    const double f = pb.loss(b, x, g);
    if (pb.rank == pb.size - 1 && ++calls == 5) throw Error("batch of samples " + std::to_string(b.front()) + " is bad");
    return f;
  };
  std::vector<std::string> parts{"failing quadratic", "batch of samples", "is bad"};
  if (pb.size > 1) parts.push_back("rank " + std::to_string(pb.size - 1));
  test::require_error([&] { train_tao(p, pb.layout(), samples, loss, 4, 15, false, "failing quadratic"); }, parts);
}

TEST_CASE("an option TAO rejects stops every rank with its message", "[optim][tao][mpi]") {
  const Problem pb;
  Vector p = Vector::Zero(pb.own + replicated);
  const test::ScopedOptions options{{"-tao_type", "no_such_method"}};
  test::require_error(
      [&] {
        train_tao(
            p, pb.layout(), samples,
            [&](const std::vector<Index>& b, const Vector& x, Vector& g) { return pb.loss(b, x, g); }, 4, 15, false,
            "quadratic");
      },
      {"quadratic", "PETSc error", "TaoSetFromOptions"});
}
