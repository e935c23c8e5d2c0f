#pragma once
// Fast solvers for the discrete Poisson problem -Δ_h ψ = ω on the interior grid of a 2-D
// DMDA (x_i = (i+1) hx, y_j = (j+1) hy), homogeneous Dirichlet boundaries, 5-point Laplacian.
//
// "dst": the discrete sine transform (DST-I, FFTW's RODFT00) diagonalizes -Δ_h exactly, so
//        the solve is a forward transform, a division by the eigenvalues
//        λ_kl = 4/hx² sin²(kπ/(2(nx+1))) + 4/hy² sin²(lπ/(2(ny+1))) and a backward
//        transform: O(N log N), exact to round-off. On several ranks it uses FFTW's MPI
//        transforms on slabs of whole grid rows, so the DMDA must be split in y only
//        (create_slab_dmda makes such a DMDA).
// "ksp": PETSc KSP on the assembled -Δ_h, CG with algebraic multigrid (GAMG) by default,
//        options prefix "qg_poisson_" (-qg_poisson_ksp_type, -qg_poisson_pc_type, ...).
#include <petscdm.h>

#include <memory>
#include <string>

#include "metarom/io/petsc_handle.hpp"

namespace metarom {

class PoissonSolver {
 public:
  virtual ~PoissonSolver() = default;
  virtual std::string type() const = 0;
  // psi = (-Δ_h)⁻¹ omega; global Vecs of the DMDA (omega is not changed).
  virtual void solve(Vec omega, Vec psi) = 0;
};

// ksp_pc_type: the "ksp" solver's default preconditioner (-qg_poisson_pc_type overrides it).
std::unique_ptr<PoissonSolver> create_poisson_solver(const std::string& type, DM da, double hx, double hy,
                                                     const std::string& ksp_pc_type = "gamg");

// A 2-D DMDA of nx x ny interior points with one ghost layer (box stencil, zero ghosts at
// the domain boundary: DM_BOUNDARY_GHOSTED), split over the ranks in whole rows of y the
// way FFTW's MPI transforms split their slabs, so its global ordering is the natural one.
DMHandle create_slab_dmda(MPI_Comm comm, int nx, int ny);

// Assembles -Δ_h (5-point, Dirichlet) on a 2-D DMDA.
MatHandle assemble_negative_laplacian(DM da, double hx, double hy);

}  // namespace metarom
