#include "metarom/io/attributes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ctime>
#include <limits>

#include "metarom/error.hpp"

namespace metarom {

namespace {
template <class T>
const T& get_as(const std::map<std::string, AttributeValue>& m, const std::string& key,
                const std::string& context, const char* type_name) {
  auto it = m.find(key);
  if (it == m.end()) throw Error(fmt::format("{}: attribute '{}' is missing", context, key));
  if (auto p = std::get_if<T>(&it->second)) return *p;
  throw Error(fmt::format("{}: attribute '{}' is {}, expected {}", context, key, to_string(it->second), type_name));
}
}  // namespace

long long Attributes::get_int(const std::string& key, const std::string& context) const {
  return get_as<long long>(values_, key, context, "an integer");
}

long long Attributes::get_int(const std::string& key, const std::string& context, long long lo, long long hi) const {
  const long long v = get_int(key, context);
  if (v < lo || v > hi)
    throw Error(fmt::format("{}: attribute '{}' is {}, expected an integer in [{}, {}]", context, key, v, lo, hi));
  return v;
}

int Attributes::get_count(const std::string& key, const std::string& context, int lo) const {
  return static_cast<int>(get_int(key, context, lo, std::numeric_limits<int>::max()));
}

double Attributes::get_double(const std::string& key, const std::string& context) const {
  auto it = values_.find(key);
  if (it != values_.end())
    if (auto p = std::get_if<long long>(&it->second)) return static_cast<double>(*p);
  return get_as<double>(values_, key, context, "a number");
}

std::string Attributes::get_string(const std::string& key, const std::string& context) const {
  return get_as<std::string>(values_, key, context, "a string");
}

std::vector<long long> Attributes::get_ints(const std::string& key, const std::string& context) const {
  auto it = values_.find(key);
  if (it != values_.end())
    if (auto p = std::get_if<long long>(&it->second)) return {*p};
  return get_as<std::vector<long long>>(values_, key, context, "a list of integers");
}

std::vector<std::string> Attributes::get_strings(const std::string& key, const std::string& context) const {
  auto it = values_.find(key);
  if (it != values_.end())
    if (auto p = std::get_if<std::string>(&it->second)) return {*p};
  return get_as<std::vector<std::string>>(values_, key, context, "a list of strings");
}

std::string to_string(const AttributeValue& v) {
  struct Visit {
    std::string operator()(long long x) const { return fmt::format("{}", x); }
    std::string operator()(double x) const { return fmt::format("{:.10g}", x); }
    std::string operator()(const std::string& x) const { return fmt::format("\"{}\"", x); }
    std::string operator()(const std::vector<long long>& x) const { return fmt::format("[{}]", fmt::join(x, ", ")); }
    std::string operator()(const std::vector<double>& x) const { return fmt::format("[{:.10g}]", fmt::join(x, ", ")); }
    std::string operator()(const std::vector<std::string>& x) const {
      return fmt::format("[{}]", fmt::join(x, ", "));
    }
  };
  return std::visit(Visit{}, v);
}

std::string iso_time_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace metarom
