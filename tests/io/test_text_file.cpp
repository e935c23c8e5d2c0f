// tests for src/io/text_file.cpp: the text arrives whole under the final name, an earlier
// file is replaced only by a complete new one, nothing is left beside it, and a target that
// cannot be written is an error naming it.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "metarom/io/text_file.hpp"
#include "test_support.hpp"

using namespace metarom;

namespace {
std::string contents(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(is), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("write_text_file: whole text under the final name, no temporary left", "[io]") {
  test::ScratchDir dir;
  if (test::world_rank() == 0) {
    const std::string path = dir.path("report.md");
    write_text_file(path, "first\n");
    const std::string text(100000, 'x');  // larger than one stream buffer
    write_text_file(path, text);
    CHECK(contents(path) == text);
    int files = 0;
    for (auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
      (void)e;
      ++files;
    }
    CHECK(files == 1);
    test::require_error([&] { write_text_file(dir.path("no/such/dir/x.md"), "y"); }, {"no/such/dir/x.md", "cannot write"});
  }
  test::barrier();
}
