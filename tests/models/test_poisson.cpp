// tests for src/models/poisson.cpp: both solvers invert the discrete operator to round-off
// and converge at second order to an analytic solution.
#include <petscdmda.h>

#include <cmath>
#include <numbers>
#include <random>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/poisson.hpp"
#include "metarom/io/row_partition.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {

// Fills v from f(x, y) on the interior grid of the slab DMDA.
void fill(DM da, Vec v, double hx, double hy, const std::function<double(double, double)>& f) {
  DMDALocalInfo info;
  REQUIRE(DMDAGetLocalInfo(da, &info) == 0);
  PetscScalar** a;
  REQUIRE(DMDAVecGetArray(da, v, &a) == 0);
  for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
    for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) a[j][i] = f((i + 1) * hx, (j + 1) * hy);
  REQUIRE(DMDAVecRestoreArray(da, v, &a) == 0);
}

double relative_difference(Vec a, Vec b) {
  VecHandle d;
  REQUIRE(VecDuplicate(a, d.address()) == 0);
  REQUIRE(VecWAXPY(d, -1.0, b, a) == 0);
  PetscReal nd, nb;
  VecNorm(d, NORM_2, &nd);
  VecNorm(b, NORM_2, &nb);
  return nd / nb;
}
}  // namespace

TEST_CASE("Poisson solvers invert the discrete Laplacian to round-off", "[models][poisson][mpi]") {
  for (const char* type : {"dst", "ksp"}) {
    INFO("solver " << type);
    const int nx = 31, ny = 63;
    const double hx = 1.0 / (nx + 1), hy = 2.0 / (ny + 1);
    auto da = create_slab_dmda(PETSC_COMM_WORLD, nx, ny);
    auto A = assemble_negative_laplacian(da, hx, hy);
    auto solver = create_poisson_solver(type, da, hx, hy);
    CHECK(solver->type() == type);
    VecHandle psi, omega, back;
    REQUIRE(DMCreateGlobalVector(da, psi.address()) == 0);
    VecDuplicate(psi, omega.address());
    VecDuplicate(psi, back.address());
    VecZeroEntries(back);
    // A rough (random) ψ, the hardest case for the discrete inverse.
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> u(-1, 1);
    fill(da, psi, hx, hy, [&](double x, double y) { return u(gen) + std::sin(3 * x) * y; });
    MatMult(A, psi, omega);
    solver->solve(omega, back);
    CHECK(relative_difference(back, psi) < 1e-10);
  }
}

TEST_CASE("Poisson solve converges at second order to an analytic solution", "[models][poisson][mpi]") {
  // ψ = sin(πx) y (2 - y) on [0, 1] x [0, 2]: -Δψ = sin(πx) (π² y (2 - y) + 2).
  const double pi = std::numbers::pi;
  auto exact = [&](double x, double y) { return std::sin(pi * x) * y * (2 - y); };
  auto rhs = [&](double x, double y) { return std::sin(pi * x) * (pi * pi * y * (2 - y) + 2); };
  std::vector<double> errors;
  for (int nx : {15, 31, 63}) {
    const int ny = 2 * nx + 1;  // hy = hx
    const double hx = 1.0 / (nx + 1), hy = 2.0 / (ny + 1);
    auto da = create_slab_dmda(PETSC_COMM_WORLD, nx, ny);
    auto solver = create_poisson_solver("dst", da, hx, hy);
    VecHandle psi, omega, ref;
    DMCreateGlobalVector(da, psi.address());
    VecDuplicate(psi, omega.address());
    VecDuplicate(psi, ref.address());
    fill(da, omega, hx, hy, rhs);
    fill(da, ref, hx, hy, exact);
    solver->solve(omega, psi);
    errors.push_back(relative_difference(psi, ref));
  }
  for (size_t k = 1; k < errors.size(); ++k) {
    const double order = std::log2(errors[k - 1] / errors[k]);
    INFO("errors " << errors[k - 1] << " -> " << errors[k] << ", order " << order);
    CHECK(order > 1.95);
    CHECK(order < 2.05);
  }
}
