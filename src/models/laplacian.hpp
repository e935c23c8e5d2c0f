#pragma once
// The second-order finite-difference Laplacian on the interior points of a 1-D or 2-D
// DMDA with homogeneous Dirichlet boundaries (neighbours outside the grid are zero and are
// dropped), scaled by `coefficient`: κΔ_h for the heat equation, -Δ_h for the Poisson solve.
#include <petscdm.h>

#include "metarom/io/petsc_handle.hpp"

namespace metarom {

// h[d] is the grid spacing in direction d (h[1] unused on a 1-D DMDA).
MatHandle assemble_laplacian(DM da, const double (&h)[2], double coefficient);

}  // namespace metarom
