#include "cli.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/models/burgers.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/models/qg.hpp"

namespace metarom::cli {

namespace {
PetscErrorCode read_options_impl(const char* title, const std::vector<Option>& options) {
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, title, "metarom");
  for (const Option& o : options) {
    PetscBool set = PETSC_FALSE;
    if (auto s = std::get_if<std::string*>(&o.target)) {
      char buf[PETSC_MAX_PATH_LEN];
      PetscCall(PetscOptionsString(o.name, o.help, "metarom", (*s)->c_str(), buf, sizeof buf, &set));
      if (set) **s = buf;
    } else if (auto i = std::get_if<int*>(&o.target)) {
      PetscInt v = **i;
      PetscCall(PetscOptionsInt(o.name, o.help, "metarom", v, &v, &set));
      **i = static_cast<int>(v);
    } else if (auto d = std::get_if<double*>(&o.target)) {
      PetscReal v = **d;
      PetscCall(PetscOptionsReal(o.name, o.help, "metarom", v, &v, &set));
      **d = v;
    } else if (auto b = std::get_if<bool*>(&o.target)) {
      PetscBool v = **b ? PETSC_TRUE : PETSC_FALSE;
      PetscCall(PetscOptionsBool(o.name, o.help, "metarom", v, &v, &set));
      **b = v;
    }
    if (o.given) *o.given = set;
  }
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}
}  // namespace

void read_options(const char* title, const std::vector<Option>& options) {
  METAROM_PETSC(read_options_impl(title, options));
}

Common common_options(std::vector<Option>& more, const char* title) {
  Common c;
  more.push_back({"-json", "Print one JSON object with the results on stdout", &c.json});
  more.push_back({"-quiet", "Print no progress", &c.quiet});
  read_options(title, more);
  return c;
}

bool help_requested() {
  PetscBool help = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsHasHelp(nullptr, &help));
  return help;
}

bool is_root() {
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  return rank == 0;
}

void print(const std::string& text) {
  if (is_root()) {
    std::cout << text;
    std::cout.flush();
  }
}

void progress(const Common& c, const std::string& text) {
  if (!c.quiet && !c.json && is_root()) std::cerr << text << std::flush;
}

void list_model_options() {
  if (!help_requested()) return;
  HeatConfig().set_from_options(PETSC_COMM_WORLD);
  QgConfig().set_from_options(PETSC_COMM_WORLD);
  BurgersConfig().set_from_options(PETSC_COMM_WORLD);
}

std::string require(const std::string& value, const char* option, const char* what) {
  if (value.empty()) throw Error(std::string("missing ") + option + " " + what);
  return value;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<long long> positive_ints(const std::string& list, const std::string& what) {
  std::vector<long long> out;
  for (const std::string& item : split_list(list)) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (*end != '\0' || v < 1) throw Error(what + " takes positive integers separated by commas, got '" + list + "'");
    out.push_back(v);
  }
  return out;
}

}  // namespace metarom::cli
