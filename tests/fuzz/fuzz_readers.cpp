// libFuzzer target for metarom's HDF5 readers: each input is taken as an HDF5 file, checked
// against the documented schema (check_file: structure and values, as `info -check`) and read
// as a snapshot set, as a model file, as an inverse map and as a PETSc VecView file. A reader may refuse the
// input only with metarom::Error (the message a user sees); anything else — a crash, a
// sanitizer report, another exception, an allocation failure — is a bug the fuzzer reports.
// Built by the sanitizer configuration with clang (cmake -DMETAROM_FUZZ=ON); run on the
// seed corpus tests/fuzz/corpus for a bounded time by scripts/sanitize.sh.
#include <petscsys.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "metarom/error.hpp"
#include "metarom/io/file_schema.hpp"
#include "metarom/io/petsc_import.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/reducers/linear_inverse_map.hpp"
#include "metarom/rom/model_file.hpp"

namespace {
std::string input_path;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // PETSc (and MPI) once, without the fuzzer's arguments, on one rank; PETSc's signal
  // handler off so that crashes reach the sanitizer and the fuzzer.
  static char program[] = "metarom_fuzz_readers", no_handler[] = "-no_signal_handler";
  static char* args[] = {program, no_handler, nullptr};
  int count = 2;
  char** petsc_argv = args;
  if (PetscInitialize(&count, &petsc_argv, nullptr, nullptr)) return 1;
  (void)argc;
  (void)argv;
  input_path = "/tmp/metarom_fuzz_" + std::to_string(static_cast<long long>(getpid())) + ".h5";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream os(input_path, std::ios::binary | std::ios::trunc);
    os.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    metarom::check_file(input_path, MPI_COMM_SELF);
  } catch (const metarom::Error&) {
  }
  try {
    metarom::LinearInverseMap::load(input_path, MPI_COMM_SELF);
  } catch (const metarom::Error&) {
  }
  try {
    metarom::read_snapshots(input_path, MPI_COMM_SELF);
  } catch (const metarom::Error&) {
  }
  try {
    metarom::load_model(input_path, MPI_COMM_SELF);
  } catch (const metarom::Error&) {
  }
  try {
    metarom::import_petsc_vec(input_path, metarom::PetscImportSettings{}, MPI_COMM_SELF);
  } catch (const metarom::Error&) {
  }
  std::remove(input_path.c_str());
  return 0;
}
