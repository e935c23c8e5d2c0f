#pragma once
// The BLAS/LAPACK this process runs on (metarom's kernels, PETSc's and numpy's alike: Debian's
// alternatives choose one library for all) and its threads. Ranks and BLAS threads must not
// fight over the cores: where several ranks share a node, each runs one BLAS thread unless
// told otherwise (-blas_threads), and a request is capped so that threads x ranks on the node
// never exceed its cores.
#include <mpi.h>

#include <string>

namespace metarom {

struct BlasConfig {
  std::string library;  // the shared object providing dgemm_ (its resolved path), with OpenBLAS's build string
  int threads = 1;      // BLAS threads of this process (1 for a BLAS that does not thread)
  bool threaded = false;  // the library can set its thread count (OpenBLAS)
  std::string reason;   // how the count was chosen
};

// What the process runs on now; no MPI needed.
BlasConfig blas_config();

// Sets the BLAS threads of every rank of `comm` (collective): requested > 0 is taken, capped at
// cores / ranks on this node; 0 chooses one thread per rank where ranks share a node, and the
// BLAS's own default (OPENBLAS_NUM_THREADS, else every core) for a rank alone on its node.
BlasConfig configure_blas_threads(MPI_Comm comm, int requested);

// -blas_threads N from PETSc's options database (0 where absent), then configure_blas_threads;
// with -blas_view, rank 0 prints the result. Called by run_program and the metarom program.
BlasConfig configure_blas_threads_from_options(MPI_Comm comm);

// One line: "OpenBLAS 0.3.21 ... (path), 1 thread per rank (reason)".
std::string describe(const BlasConfig& config);

}  // namespace metarom
