#pragma once
// Shared pieces of the `metarom` command line: options read through the PETSc options
// database (so `-help` lists them), output on rank 0, and the subcommands.
#include <petscsys.h>

#include <string>
#include <variant>
#include <vector>

namespace metarom::cli {

// One command-line option bound to a variable; its current value is the default.
struct Option {
  const char* name;  // "-o"
  const char* help;
  std::variant<std::string*, int*, double*, bool*> target;
  bool* given = nullptr;  // set to whether the option appeared
};

// Reads the options (one PetscOptionsBegin block titled `title`).
void read_options(const char* title, const std::vector<Option>& options);

// Options every command has: -json (one JSON object on stdout) and -quiet (no progress).
struct Common {
  bool json = false;
  bool quiet = false;
};
Common common_options(std::vector<Option>& more, const char* title);

bool is_root();                        // rank 0 of PETSC_COMM_WORLD
bool help_requested();                 // -help: list the options, do no work
void print(const std::string& text);   // stdout, rank 0 only
void progress(const Common& c, const std::string& text);  // stderr unless -quiet or -json
std::string require(const std::string& value, const char* option, const char* what);
// With -help: lists the models' settings (-heat_*, -qg_*, -burgers_*), which commands that
// rebuild a model from a file's provenance (rom, compare) read to override it: a prediction
// at settings the model was not trained on.
void list_model_options();
std::vector<std::string> split_list(const std::string& s);  // "a,b,,c" -> {a, b, c}
// "5,10,20" -> {5, 10, 20}; anything else throws "<what> takes positive integers ...".
std::vector<long long> positive_ints(const std::string& list, const std::string& what);

int cmd_info(const std::vector<std::string>& paths);
int cmd_simulate(const std::string& operand);
int cmd_merge(const std::vector<std::string>& inputs);
int cmd_greedy(const std::string& operand);
int cmd_fit(const std::string& operand);
int cmd_eval(const std::string& operand);
int cmd_rom(const std::string& operand);
int cmd_import_mnist(const std::string& operand);
int cmd_import_petsc(const std::string& operand);
int cmd_compare(const std::string& operand);

}  // namespace metarom::cli
