#include "metarom/io/text_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "metarom/error.hpp"

namespace metarom {

std::string write_failure(const std::string& path, int err) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const auto space = std::filesystem::space(dir, ec);
  if (err == ENOSPC || err == EDQUOT || (!ec && space.available < (1u << 20)))
    return fmt::format(": no space left on the file system ({} bytes free in {})", ec ? 0 : space.available,
                       dir.string());
  return "";
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp" + std::to_string(static_cast<long long>(getpid()));
  {
    std::ofstream os(temp, std::ios::binary);
    errno = 0;
    os << text;
    os.close();
    if (!os) {
      const int err = errno;
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      const std::string why = write_failure(path, err);
      throw Error(fmt::format("{}: cannot write the file{}", path,
                              why.empty() ? " (no permission or missing directory?)" : why));
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
