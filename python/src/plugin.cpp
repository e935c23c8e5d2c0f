// metarom.plugin.record and metarom.plugin.reduce: the PETSc plugin (plugin/plugin.hpp) on a
// petsc4py TS, so a PETSc solver driven from Python is recorded and reduced like a C program.
// The TS's handle is petsc4py's `handle` (the C pointer as an integer): no petsc4py headers.
#include <fmt/format.h>

#include <cstdint>

#include "metarom/io/petsc_handle.hpp"
#include "metarom/plugin/plugin.hpp"
#include "module.hpp"

namespace metarom::python {

namespace {

TS ts_of(const py::object& ts) {
  const py::module_ petsc = py::module_::import("petsc4py.PETSc");
  if (!py::isinstance(ts, petsc.attr("TS")))
    throw py::type_error(fmt::format("expected a petsc4py.PETSc.TS, got {}", py::str(py::type::of(ts)).cast<std::string>()));
  const auto handle = ts.attr("handle").cast<std::uintptr_t>();
  if (!handle) throw py::value_error("the TS is not created (call TS().create(comm) first)");
  return reinterpret_cast<TS>(handle);
}

}  // namespace

void bind_plugin(py::module_& m) {
  py::module_ plugin = m.def_submodule("plugin", "The PETSc plugin on petsc4py TS objects");
  plugin.def(
      "record",
      [](const py::object& ts_obj, const std::string& path, int stride) {
        const TS ts = ts_of(ts_obj);
        TSTrajectory tj = nullptr;
        METAROM_PETSC(TSSetSaveTrajectory(ts));
        METAROM_PETSC(TSGetTrajectory(ts, &tj));
        METAROM_PETSC(TSTrajectorySetType(tj, ts, "metarom"));
        METAROM_PETSC(TSTrajectoryMetaromSetFile(tj, path.c_str()));
        METAROM_PETSC(TSTrajectoryMetaromSetStride(tj, stride));
      },
      py::arg("ts"), py::arg("path"), py::arg("stride") = 1,
      "Records the TS's run into the snapshot file `path` (every `stride`-th step), as -ts_trajectory_type metarom");
  plugin.def(
      "reduce",
      [](const py::object& ts_obj, const std::string& model) {
        const TS ts = ts_of(ts_obj);
        METAROM_PETSC(TSSetType(ts, "rom"));
        METAROM_PETSC(TSRomSetModel(ts, model.c_str()));
      },
      py::arg("ts"), py::arg("model"),
      "Makes the TS run the reduced model in the model file `model` (as -ts_type rom -ts_rom_model FILE); TS.solve then "
      "advances the latent state and returns the decoded one");
}

}  // namespace metarom::python
