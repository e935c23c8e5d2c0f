#include "models/laplacian.hpp"

#include <petscdmda.h>

namespace metarom {

MatHandle assemble_laplacian(DM da, const double (&h)[2], double coefficient) {
  MatHandle A;
  METAROM_PETSC(DMCreateMatrix(da, A.address()));
  DMDALocalInfo info;
  METAROM_PETSC(DMDAGetLocalInfo(da, &info));
  const bool two_d = info.dim == 2;
  const double cx = coefficient / (h[0] * h[0]);
  const double cy = two_d ? coefficient / (h[1] * h[1]) : 0.0;
  for (PetscInt j = info.ys; j < info.ys + info.ym; ++j)
    for (PetscInt i = info.xs; i < info.xs + info.xm; ++i) {
      MatStencil row{}, cols[5]{};
      PetscScalar vals[5];
      int nc = 0;
      row.i = i;
      row.j = j;
      auto add = [&](PetscInt ci, PetscInt cj, double v) {
        // Neighbours outside the interior are the zero Dirichlet boundary: dropped.
        if (ci < 0 || ci >= info.mx || (two_d && (cj < 0 || cj >= info.my))) return;
        cols[nc].i = ci;
        cols[nc].j = cj;
        vals[nc++] = v;
      };
      add(i, j, -2 * cx - 2 * cy);
      add(i - 1, j, cx);
      add(i + 1, j, cx);
      if (two_d) {
        add(i, j - 1, cy);
        add(i, j + 1, cy);
      }
      METAROM_PETSC(MatSetValuesStencil(A, 1, &row, nc, cols, vals, INSERT_VALUES));
    }
  METAROM_PETSC(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  METAROM_PETSC(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  return A;
}

}  // namespace metarom
