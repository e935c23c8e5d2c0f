#pragma once
// Named scalar/list values attached to files and groups: provenance of a snapshot set
// (model, its parameters, code version, time of creation) and the settings of a model.
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace metarom {

using AttributeValue = std::variant<long long, double, std::string, std::vector<long long>,
                                    std::vector<double>, std::vector<std::string>>;

class Attributes {
 public:
  void set(const std::string& key, AttributeValue v) { values_[key] = std::move(v); }
  // Overloads so a double stays a double and an int becomes an integer attribute
  // (without them a double would convert to the int overload).
  void set(const std::string& key, int v) { values_[key] = static_cast<long long>(v); }
  void set(const std::string& key, long long v) { values_[key] = v; }
  void set(const std::string& key, double v) { values_[key] = v; }
  void set(const std::string& key, const char* v) { values_[key] = std::string(v); }
  void set(const std::string& key, const std::string& v) { values_[key] = v; }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  void erase(const std::string& key) { values_.erase(key); }

  // Typed look-ups; throw metarom::Error naming `context` and the key when absent or of another type.
  long long get_int(const std::string& key, const std::string& context) const;
  // An integer in [lo, hi] (a size or count read from a file: checked before it sizes anything).
  long long get_int(const std::string& key, const std::string& context, long long lo, long long hi) const;
  // A count or size held in an int: get_int in [lo, INT_MAX].
  int get_count(const std::string& key, const std::string& context, int lo = 0) const;
  double get_double(const std::string& key, const std::string& context) const;  // an integer converts
  std::string get_string(const std::string& key, const std::string& context) const;
  std::vector<long long> get_ints(const std::string& key, const std::string& context) const;
  std::vector<std::string> get_strings(const std::string& key, const std::string& context) const;

  const std::map<std::string, AttributeValue>& values() const { return values_; }
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }
  bool empty() const { return values_.empty(); }

 private:
  std::map<std::string, AttributeValue> values_;
};

// A value as text, e.g. for `metarom info`: 3, 0.25, "heat", [128, 128].
std::string to_string(const AttributeValue& v);

// Current UTC time as ISO 8601 text, for the `created` provenance attribute.
std::string iso_time_now();

}  // namespace metarom
