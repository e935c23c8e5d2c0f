#pragma once
// Keyword options of the Python module. An object's keywords (pod_energy=0.9999,
// ae_hidden=100, rom_ts_type="cn") become the entries of a PETSc options database of its
// own, under the names the command line uses (-pod_energy 0.9999); that database is pushed as
// PETSc's default while the object reads its settings and while it works (TAO and the latent
// TS read their options when they run). Names and defaults are therefore the command line's,
// documented once in docs/cli.md, and nothing is written into the global database.
#include <petscsys.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

namespace metarom::python {

class KeywordOptions {
 public:
  // `owner` names the object in errors ("POD", "simulate('heat')").
  KeywordOptions(const pybind11::kwargs& keywords, std::string owner);
  KeywordOptions(const KeywordOptions&) = delete;
  KeywordOptions& operator=(const KeywordOptions&) = delete;
  ~KeywordOptions();

  // While a Scope lives, this database is PETSc's default (PetscOptionsPush/Pop).
  class Scope {
   public:
    explicit Scope(const KeywordOptions& options);
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope();
  };
  Scope scope() const { return Scope(*this); }

  // Raises TypeError naming the keywords no setting has read, unless PETSc objects created
  // later read them (names starting with one of `later`, e.g. "tao_", "rom_ts_").
  void check_used(const std::vector<std::string>& later = {}) const;

 private:
  PetscOptions db_ = nullptr;
  std::vector<std::string> names_;
  std::string owner_;
};

}  // namespace metarom::python
