// QG benchmark (not a test): time per RK4 step on the literature grid (255 x 511 by
// default), the Poisson solve's share of it, the Poisson solvers against each other (DST,
// CG + GAMG, and plain CG without preconditioner, all from the same right-hand side), and
// the DST's O(N log N) scaling. Ratios are measured in the same run.
//   metarom_bench_qg [-qg_nx 255 -qg_ny 511] [-bench_steps 20] [-bench_solves 20]
#include <fmt/format.h>
#include <petscsys.h>

#include <cmath>
#include <iostream>

#include "metarom/error.hpp"
#include "metarom/program.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/poisson.hpp"
#include "metarom/models/qg.hpp"

using namespace metarom;

namespace {

// Seconds per solve of -Δ_h ψ = ω, the solve repeated `solves` times from a zero guess.
double time_poisson(const std::string& type, int nx, int ny, int solves, double* rel_residual,
                    const std::string& pc_type = "gamg") {
  const double hx = 1.0 / (nx + 1), hy = 2.0 / (ny + 1);
  auto da = create_slab_dmda(PETSC_COMM_WORLD, nx, ny);
  auto A = assemble_negative_laplacian(da, hx, hy);
  auto solver = create_poisson_solver(type, da, hx, hy, pc_type);
  VecHandle omega, psi, r;
  METAROM_PETSC(DMCreateGlobalVector(da, omega.address()));
  METAROM_PETSC(VecDuplicate(omega, psi.address()));
  METAROM_PETSC(VecDuplicate(omega, r.address()));
  PetscRandom rnd;
  METAROM_PETSC(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  METAROM_PETSC(PetscRandomSetSeed(rnd, 42));
  METAROM_PETSC(PetscRandomSeed(rnd));
  METAROM_PETSC(VecSetRandom(omega, rnd));
  METAROM_PETSC(PetscRandomDestroy(&rnd));
  double total = 0;
  for (int k = 0; k < solves; ++k) {
    METAROM_PETSC(VecZeroEntries(psi));
    MPI_Barrier(PETSC_COMM_WORLD);
    const double start = MPI_Wtime();
    solver->solve(omega, psi);
    total += MPI_Wtime() - start;
  }
  METAROM_PETSC(MatMult(A, psi, r));
  METAROM_PETSC(VecAXPY(r, -1.0, omega));
  PetscReal nr, nw;
  METAROM_PETSC(VecNorm(r, NORM_2, &nr));
  METAROM_PETSC(VecNorm(omega, NORM_2, &nw));
  *rel_residual = nr / nw;
  return total / solves;
}

void run() {
  PetscInt nx = 255, ny = 511, steps = 20, solves = 20;
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-qg_nx", &nx, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-qg_ny", &ny, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_steps", &steps, nullptr));
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_solves", &solves, nullptr));
  int ranks = 1, rank = 0;
  MPI_Comm_size(PETSC_COMM_WORLD, &ranks);
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  std::string out = fmt::format("QG benchmark: grid {} x {}, {} rank(s)\n\n", nx, ny, ranks);

  // Poisson solvers from the same random right-hand side (the hardest case for iterations).
  double res_dst, res_gamg, res_cg;
  const double t_dst = time_poisson("dst", nx, ny, solves, &res_dst);
  const double t_gamg = time_poisson("ksp", nx, ny, std::max<PetscInt>(solves / 4, 1), &res_gamg);
  const double t_cg = time_poisson("ksp", nx, ny, std::max<PetscInt>(solves / 10, 1), &res_cg, "none");
  out += "Poisson solve -Δ_h ψ = ω (random ω, zero initial guess, KSP rtol 1e-12)\n";
  out += fmt::format("  dst (FFTW)          {:10.3f} ms   relative residual {:.1e}\n", 1e3 * t_dst, res_dst);
  out += fmt::format("  ksp cg + gamg       {:10.3f} ms   relative residual {:.1e}   dst is {:.1f}x faster\n",
                     1e3 * t_gamg, res_gamg, t_gamg / t_dst);
  out += fmt::format("  ksp cg, no precond. {:10.3f} ms   relative residual {:.1e}   dst is {:.1f}x faster\n\n",
                     1e3 * t_cg, res_cg, t_cg / t_dst);

  // One RK4 step (4 right-hand sides, each with one Poisson solve), from a developed state.
  for (const char* poisson : {"dst", "ksp"}) {
    QgConfig c;
    c.nx = static_cast<int>(nx);
    c.ny = static_cast<int>(ny);
    c.poisson = poisson;
    c.dt = 2.5e-5;  // the literature's step on this grid
    QgModel qg(PETSC_COMM_WORLD, c);
    Vector psi = Vector::Zero(qg.rows().local());
    qg.advance(psi, 0.0, 10, nullptr);  // leave the state of rest (and warm up)
    const double poisson_before = qg.poisson_seconds();
    const double seconds = qg.advance(psi, 0.0, static_cast<int>(steps), nullptr);
    const double in_poisson = qg.poisson_seconds() - poisson_before;
    const double per_step = seconds / steps;
    out += fmt::format("RK4 step with the {} Poisson solver: {:8.3f} ms per step, of which the 4 Poisson solves "
                       "{:8.3f} ms ({:.0f} %)\n",
                       poisson, 1e3 * per_step, 1e3 * in_poisson / steps, 100 * in_poisson / seconds);
  }

  // DST scaling: time / (N log2 N) should stay flat.
  out += "\nDST scaling (time per solve / (N log2 N), relative to the smallest grid)\n";
  double base = 0;
  for (int k = 0; k < 4; ++k) {
    const int mx = (64 << k) - 1, my = (128 << k) - 1;
    const double N = static_cast<double>(mx) * my;
    double res;
    const double t = time_poisson("dst", mx, my, std::max(4, 64 >> (2 * k)), &res);
    const double per = t / (N * std::log2(N));
    if (k == 0) base = per;
    out += fmt::format("  {:4d} x {:4d}  N = {:8.0f}  {:9.3f} ms   ratio {:.2f}\n", mx, my, N, 1e3 * t, per / base);
  }
  if (rank == 0) std::cout << out;
}

}  // namespace

int main(int argc, char** argv) { return metarom::run_program(argc, argv, "metarom_bench_qg", run); }
