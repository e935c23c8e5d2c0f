#include "keyword_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "metarom/io/petsc_handle.hpp"

namespace py = pybind11;

namespace metarom::python {

namespace {

// The option's value as the command line would spell it: True/False as true/false, a list or
// tuple as comma-separated items (-reducers pod,ae), anything else by str().
std::string option_text(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    std::vector<std::string> items;
    for (const py::handle item : value) items.push_back(option_text(item));
    return fmt::format("{}", fmt::join(items, ","));
  }
  if (py::isinstance<py::float_>(value)) return py::str(py::repr(value)).cast<std::string>();  // round-trips
  return py::str(value).cast<std::string>();
}

}  // namespace

KeywordOptions::KeywordOptions(const py::kwargs& keywords, std::string owner) : owner_(std::move(owner)) {
  METAROM_PETSC(PetscOptionsCreate(&db_));
  for (const auto& [key, value] : keywords) {
    if (value.is_none()) continue;  // None: the default
    const std::string name = py::str(key).cast<std::string>();
    if (name.empty() || name[0] == '-')
      throw py::type_error(fmt::format("{}: keyword '{}': give option names without the leading '-'", owner_, name));
    METAROM_PETSC(PetscOptionsSetValue(db_, ("-" + name).c_str(), option_text(value).c_str()));
    names_.push_back(name);
  }
}

KeywordOptions::~KeywordOptions() { PetscOptionsDestroy(&db_); }

KeywordOptions::Scope::Scope(const KeywordOptions& options) { METAROM_PETSC(PetscOptionsPush(options.db_)); }
KeywordOptions::Scope::~Scope() { PetscOptionsPop(); }

void KeywordOptions::check_used(const std::vector<std::string>& later) const {
  std::vector<std::string> unused;
  for (const std::string& name : names_) {
    PetscBool used = PETSC_FALSE;
    METAROM_PETSC(PetscOptionsUsed(db_, name.c_str(), &used));  // stored names have no leading dash
    const bool deferred = std::any_of(later.begin(), later.end(), [&](const std::string& p) { return name.rfind(p, 0) == 0; });
    if (!used && !deferred) unused.push_back(name);
  }
  if (!unused.empty())
    throw py::type_error(fmt::format("{}: unknown keyword{} {} (the options are the command line's without the "
                                     "leading '-': see docs/cli.md)",
                                     owner_, unused.size() > 1 ? "s" : "", fmt::join(unused, ", ")));
}

}  // namespace metarom::python
