#pragma once
// Text files (reports, XDMF side files) written atomically, as the HDF5 files are: to a
// temporary name beside the target, renamed into place when complete, so an interrupted run
// never leaves a partial file under the final name. Call on one rank.
#include <string>

namespace metarom {

void write_text_file(const std::string& path, const std::string& text);

// The space left on the file system that holds `path` (a file there or to be written there):
// its directory and the bytes available (-1 when the system cannot tell).
struct FreeSpace {
  std::string dir;
  long long bytes = -1;
};
FreeSpace free_space(const std::string& path);

// Why writing `path` failed, as the end of a message (": ..."), when the system can tell: a
// full file system (errno `err` ENOSPC or EDQUOT, or under 1 MiB left where `path` lives) is
// said so with the space left; otherwise empty.
std::string write_failure(const std::string& path, int err);

}  // namespace metarom
