#include "metarom/io/text_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "metarom/error.hpp"

namespace metarom {

void write_text_file(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp" + std::to_string(static_cast<long long>(getpid()));
  {
    std::ofstream os(temp, std::ios::binary);
    os << text;
    os.close();
    if (!os) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      throw Error(fmt::format("{}: cannot write the file (no permission, missing directory or disk full?)", path));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw Error(fmt::format("{}: cannot rename {} into place: {}", path, temp, ec.message()));
  }
}

}  // namespace metarom
