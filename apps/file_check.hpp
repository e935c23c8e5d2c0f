#pragma once
// `metarom info FILE -check`: a file checked against the schema data/FORMAT.md documents,
// object by object — every required attribute and data set present with its type and shape,
// nothing undocumented. Used by the tests on every writer's output.
#include <mpi.h>

#include <string>
#include <vector>

namespace metarom::cli {

// The problems found, one line each ("FILE:/path: what"); empty when the file conforms.
// `kind`, when given, receives the file's kind (snapshots, model, ...).
std::vector<std::string> check_file_schema(const std::string& path, MPI_Comm comm, std::string* kind = nullptr);

}  // namespace metarom::cli
