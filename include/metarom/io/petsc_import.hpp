#pragma once
// Reading PETSc's own HDF5 output as a snapshot set: a Vec written by VecView to an HDF5
// viewer, with timestepping (PetscViewerHDF5PushTimestepping: a leading time dimension, one
// row per PetscViewerHDF5SetTimestep) or without (one state). PETSc writes a Vec of a DMDA
// in the grid's natural ordering, as dims [t][P][N][M][dof], so flattening every dimension
// after time in C order gives metarom's natural ordering (x fastest, fields interleaved).
// PETSc stores no times: snapshot k gets t0 + k dt.
#include <mpi.h>

#include <string>
#include <vector>

#include "metarom/io/snapshots.hpp"

namespace metarom {

struct PetscImportSettings {
  std::string dataset;  // path of the Vec's data set; empty: the file's only data set
  double t0 = 0, dt = 1;
  std::vector<long long> grid;       // optional layout: points per direction, x first
  std::vector<std::string> fields;   // field names with `grid` (default: one field "u")
};

// Reads on every rank and keeps the rows `comm`'s default split gives this rank.
SnapshotSet import_petsc_vec(const std::string& path, const PetscImportSettings& s, MPI_Comm comm);

}  // namespace metarom
