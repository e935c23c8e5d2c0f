// metarom import-petsc in.h5 -o snaps.h5: a Vec that a PETSc program wrote with VecView
// to an HDF5 viewer (with timestepping: a time series; without: one state) as a metarom
// snapshot set (petsc_import.hpp). PETSc stores no times: -t0 and -dt give them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "metarom/error.hpp"
#include "metarom/io/petsc_import.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom::cli {

int cmd_import_petsc(const std::string& operand) {
  std::string out, grid, fields;
  PetscImportSettings s;
  std::vector<Option> opts{{"-o", "Output snapshot file", &out},
                           {"-name", "The Vec's data set (default: the file's only one)", &s.dataset},
                           {"-t0", "Time of the first state", &s.t0},
                           {"-dt", "Time between states", &s.dt},
                           {"-grid", "Grid points per direction, x first (e.g. 128,64): the layout", &grid},
                           {"-fields", "Field names with -grid (default u)", &fields}};
  const Common c = common_options(opts, "metarom import-petsc in.h5");
  const std::string in = require(operand, "in.h5", "(a PETSc VecView HDF5 file)");
  require(out, "-o", "snaps.h5");
  s.grid = positive_ints(grid, "import-petsc: -grid");
  s.fields = split_list(fields);
  if (!s.fields.empty() && s.grid.empty()) throw Error("import-petsc: -fields needs -grid");
  const SnapshotSet set = import_petsc_vec(in, s, PETSC_COMM_WORLD);
  write_snapshots(out, set);
  if (set.layout.dims.size() == 1 || set.layout.dims.size() == 2) write_xdmf(out, set);
  const nlohmann::json j{{"file", out}, {"snapshots", set.count()}, {"n", set.n()},
                         {"dataset", set.provenance.get_string("dataset", out)},
                         {"timestepping", set.provenance.get_int("timestepping", out) != 0}};
  print(c.json ? j.dump() + "\n"
               : fmt::format("wrote {}: {} snapshot(s) of {} values from {}:{}\n", out, set.count(), set.n(), in,
                             j["dataset"].get<std::string>()));
  return 0;
}

}  // namespace metarom::cli
