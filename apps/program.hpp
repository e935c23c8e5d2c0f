#pragma once
// What metarom's own programs need beyond metarom/program.hpp: the scripts they run.
#include <filesystem>
#include <string>

#include "metarom/error.hpp"
#include "metarom/program.hpp"

namespace metarom::apps {

// A script metarom runs (figures, the PyTorch baseline), found relative to the running
// program so no source path is compiled in: share/metarom beside the program in the build
// tree (CMake copies the scripts there), ../share/metarom from an installed bin/.
inline std::filesystem::path program_data_file(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path places[] = {bin / "share" / "metarom", bin.parent_path() / "share" / "metarom"};
  for (const auto& dir : places)
    if (fs::exists(dir / name)) return dir / name;
  throw Error(name + " not found in " + places[0].string() + " or " + places[1].string() +
              " (build or install metarom again)");
}

// The Python interpreter for those scripts: Debian's, where the Debian packages the
// install script adds (matplotlib, h5py) live, not whichever python3 is first on PATH.
inline std::string system_python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

}  // namespace metarom::apps
