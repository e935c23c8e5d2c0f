#pragma once
// Text files (reports, XDMF side files) written atomically, as the HDF5 files are: to a
// temporary name beside the target, renamed into place when complete, so an interrupted run
// never leaves a partial file under the final name. Call on one rank.
#include <string>

namespace metarom {

void write_text_file(const std::string& path, const std::string& text);

}  // namespace metarom
