// tests for src/rom/greedy_sampling.cpp: the residual indicator against states whose
// backward-Euler residual is known, Spearman's rank correlation against hand-computed values,
// and the greedy loop's stopping rules (tolerance reached, budget spent) and bad settings.
#include "metarom/rom/greedy_sampling.hpp"

#include <cmath>

#include "metarom/models/heat.hpp"
#include "metarom/reducers/pod.hpp"
#include "test_support.hpp"

using namespace metarom;
using test::require_error;

namespace {

// dx/dt = −x on n rows: the smallest model the indicator needs (rhs only).
class Decay : public FullOrderModel {
 public:
  explicit Decay(long long n) : rows_(RowPartition::split(PETSC_COMM_WORLD, n)) {}
  std::string name() const override { return "decay"; }
  const RowPartition& rows() const override { return rows_; }
  FieldLayout layout() const override { return {}; }
  Attributes provenance() const override { return {}; }
  const TimeGrid& time_grid() const override { return grid_; }
  Vector initial_state() const override { return Vector::Ones(rows_.local()); }
  Matrix rhs(double, const Matrix& X) const override { return -X; }
  SnapshotSet simulate_from(const Vector&, bool) override { throw Error("not needed"); }
  double solve_seconds() const override { return 0; }

 private:
  RowPartition rows_;
  TimeGrid grid_{0, 1, 10, 1};
};

}  // namespace

TEST_CASE("the residual indicator is the backward-Euler residual of the decoded states", "[rom][greedy][mpi]") {
  Decay model(12);
  const Index K = 11, n = model.rows().local();
  const double dt = 0.1;
  const Vector t = Vector::LinSpaced(K, 0.0, 1.0);
  // States of backward Euler itself, x_k = x_{k−1}/(1 + Δt): residual zero, to round-off.
  Matrix X(n, K);
  X.col(0).setOnes();
  for (Index k = 1; k < K; ++k) X.col(k) = X.col(k - 1) / (1 + dt);
  CHECK(residual_indicator(model, X, t, 10, PETSC_COMM_WORLD) < 1e-14);
  // Constant states: r_k = x − x + Δt x = Δt x = −Δt f(x_k): the residual equals the step, η = 1.
  const Matrix C = Matrix::Ones(n, K);
  CHECK(std::abs(residual_indicator(model, C, t, 10, PETSC_COMM_WORLD) - 1.0) < 1e-14);
  // Fewer samples than intervals: the same for constant states.
  CHECK(std::abs(residual_indicator(model, C, t, 3, PETSC_COMM_WORLD) - 1.0) < 1e-14);
  Matrix bad = X;
  if (n > 0) bad(0, 5) = NAN;
  CHECK(std::isinf(residual_indicator(model, bad, t, 10, PETSC_COMM_WORLD)));  // collective: NaN on any rank
  require_error([&] { residual_indicator(model, X.leftCols(1), t.head(1), 10, PETSC_COMM_WORLD); }, {"residual indicator"});
}

TEST_CASE("rank correlation is Spearman's, ties by average ranks", "[rom][greedy]") {
  CHECK(rank_correlation({1, 2, 3, 4}, {10, 20, 35, 90}) == Approx(1.0));
  CHECK(rank_correlation({1, 2, 3, 4}, {9, 5, 3, 1}) == Approx(-1.0));
  // Ranks (0, 1.5, 1.5, 3) against (0, 1, 2, 3): 4.5 / sqrt(4.5 · 5).
  CHECK(rank_correlation({1, 2, 2, 3}, {1, 2, 3, 4}) == Approx(4.5 / std::sqrt(22.5)));
  CHECK(std::isnan(rank_correlation({1, 1, 1}, {1, 2, 3})));
  CHECK(std::isnan(rank_correlation({1}, {1})));
}

TEST_CASE("greedy sampling stops at its tolerance or at its budget", "[rom][greedy][parametric][mpi]") {
  HeatConfig c = test::heat_config(10, TimeGrid{0.0, 0.02, 20, 2});
  const ParameterSweep candidates = ParameterSweep::parse("heat_kappa=0.5:2:5", ParameterSweep::Mode::grid, "test");
  auto pod = [] {
    auto p = std::make_unique<Pod>();
    p->set_latent_dim(9);
    return std::unique_ptr<Reducer>(std::move(p));
  };
  GreedySettings g;
  g.start = 2;
  g.budget = 4;
  // Every κ keeps the run in the same 9-mode span, so POD r = 9 of the first two runs is exact
  // everywhere and the indicator is the full model's own residual floor (O(Δt) relative,
  // well below 10): a generous tolerance is met at once, by the two start runs (the ends).
  g.tolerance = 10;
  const GreedyResult easy = greedy_sampling(PETSC_COMM_WORLD, c.to_attributes(), candidates, pod, g);
  CHECK(easy.converged);
  CHECK(easy.chosen == std::vector<Index>{0, 4});
  CHECK(easy.training.trajectory_count() == 2);
  CHECK(easy.iterations.size() == 1);
  CHECK(easy.iterations[0].indicators.size() == 5);
  CHECK(easy.reducer->latent_dim() == 9);
  // A tolerance no run meets: the budget's runs, each candidate once, then a stop that says so.
  g.tolerance = 1e-300;
  const GreedyResult spent = greedy_sampling(PETSC_COMM_WORLD, c.to_attributes(), candidates, pod, g);
  CHECK_FALSE(spent.converged);
  REQUIRE(spent.chosen.size() == 4);
  std::vector<Index> sorted = spent.chosen;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  CHECK(spent.iterations.size() == 3);
  CHECK(spent.iterations.back().chosen == -1);
  CHECK(spent.training.parameter_names == std::vector<std::string>{"heat_kappa"});
  // Settings that do not fit the candidates.
  g.start = 6;
  require_error([&] { greedy_sampling(PETSC_COMM_WORLD, c.to_attributes(), candidates, pod, g); },
                {"-greedy_start 6", "[1, 5]"});
  g.start = 3;
  g.budget = 2;
  require_error([&] { greedy_sampling(PETSC_COMM_WORLD, c.to_attributes(), candidates, pod, g); },
                {"-greedy_budget 2 is below -greedy_start 3"});
}
