#include "metarom/linalg/blas.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <petscsys.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

namespace {
// OpenBLAS's thread controls, looked up at run time: the program links the generic libblas,
// which is OpenBLAS or not depending on the machine's alternatives.
using SetThreads = void (*)(int);
using GetInt = int (*)();
using GetString = char* (*)();
template <class F>
F lookup(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

int cores_of_process() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

BlasConfig blas_config() {
  BlasConfig c;
  Dl_info info{};
  void* dgemm = dlsym(RTLD_DEFAULT, "dgemm_");
  if (dgemm && dladdr(dgemm, &info) && info.dli_fname) {
    std::error_code ec;
    const auto path = std::filesystem::canonical(info.dli_fname, ec);
    c.library = ec ? info.dli_fname : path.string();
  }
  if (auto config = lookup<GetString>("openblas_get_config")) c.library = fmt::format("{} ({})", config(), c.library);
  const auto get = lookup<GetInt>("openblas_get_num_threads");
  c.threaded = get && lookup<SetThreads>("openblas_set_num_threads");
  c.threads = get ? get() : 1;
  c.reason = c.threaded ? "the BLAS's default" : "a BLAS without threads";
  return c;
}

BlasConfig configure_blas_threads(MPI_Comm comm, int requested) {
  if (requested < 0) throw Error(fmt::format("-blas_threads must be >= 0 (0 chooses), got {}", requested));
  MPI_Comm node;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int on_node = 1;
  MPI_Comm_size(node, &on_node);
  MPI_Comm_free(&node);
  BlasConfig c = blas_config();
  const auto set = lookup<SetThreads>("openblas_set_num_threads");
  if (!c.threaded || !set) return c;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int share = std::max(1, std::min(cores / on_node, cores_of_process()));
  int threads = c.threads;
  if (requested > 0) {
    threads = std::min(requested, share);
    c.reason = threads < requested ? fmt::format("-blas_threads {} capped at {}: {} core(s), {} rank(s) on this node",
                                                 requested, threads, cores, on_node)
                                   : "-blas_threads";
  } else if (on_node > 1) {
    threads = 1;
    c.reason = fmt::format("one per rank: {} ranks share this node", on_node);
  } else {
    c.reason = std::getenv("OPENBLAS_NUM_THREADS") ? "OPENBLAS_NUM_THREADS" : "the BLAS's default";
  }
  if (threads != c.threads) set(threads);
  c.threads = threads;
  return c;
}

BlasConfig configure_blas_threads_from_options(MPI_Comm comm) {
  PetscInt requested = 0;
  PetscBool view = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-blas_threads", &requested, nullptr));
  METAROM_PETSC(PetscOptionsGetBool(nullptr, nullptr, "-blas_view", &view, nullptr));
  const BlasConfig c = configure_blas_threads(comm, static_cast<int>(requested));
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (view && rank == 0) METAROM_PETSC(PetscPrintf(PETSC_COMM_SELF, "%s\n", describe(c).c_str()));
  return c;
}

std::string describe(const BlasConfig& c) {
  return fmt::format("BLAS/LAPACK: {}, {} thread{}{} ({})", c.library.empty() ? "unknown" : c.library, c.threads,
                     c.threads == 1 ? "" : "s", c.threaded ? " per rank" : "", c.reason);
}

}  // namespace metarom
