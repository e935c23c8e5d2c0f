#include "metarom/io/text_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "metarom/error.hpp"

namespace metarom {

FreeSpace free_space(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const auto space = std::filesystem::space(dir, ec);
  return {dir.string(), ec ? -1 : static_cast<long long>(space.available)};
}

std::string write_failure(const std::string& path, int err) {
  const FreeSpace free = free_space(path);
  if (err == ENOSPC || err == EDQUOT || (free.bytes >= 0 && free.bytes < (1 << 20)))
    return fmt::format(": no space left on the file system ({} bytes free in {})", std::max(free.bytes, 0LL),
                       free.dir);
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
