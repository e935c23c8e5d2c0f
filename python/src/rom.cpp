// metarom.ReducedModel and metarom.rom_errors: a model file loaded with its full-order model
// rebuilt (rom/reduced_model.hpp), its latent ROMs run from Python as `metarom rom` runs them.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <memory>

#include "keyword_options.hpp"
#include "metarom/error.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "metarom/rom/rom_run.hpp"
#include "module.hpp"

namespace metarom::python {

namespace {

// Read when the latent or the full model's solvers are set up, not when the model loads.
const std::vector<std::string> read_while_running{"rom_ts_", "rom_snes_", "rom_ksp_", "rom_pc_", "ts_", "snes_", "ksp_", "pc_"};

struct PyReducedModel {
  std::unique_ptr<ReducedModel> model;
  std::shared_ptr<KeywordOptions> options;
  LatentRomSettings settings;
};

PyReducedModel load(const std::string& path, const py::object& comm_arg, const py::kwargs& kw) {
  const MPI_Comm comm = communicator(comm_arg);
  PyReducedModel p;
  p.options = std::make_shared<KeywordOptions>(kw, fmt::format("ReducedModel('{}')", path));
  {
    py::gil_scoped_release release;
    auto scope = p.options->scope();
    p.model = std::make_unique<ReducedModel>(load_reduced_model(path, comm));
    p.settings.set_from_options("rom_");
  }
  p.options->check_used(read_while_running);
  return p;
}

py::dict run(const PyReducedModel& p, const std::string& rom_type, int dt_multiple, const py::object& x0_arg) {
  const ReducedModel& m = *p.model;
  const FullOrderModel& fom = m.full_model();
  const Vector x0 = x0_arg.is_none() ? fom.initial_state() : vector_arg(x0_arg, "run: x0", fom.rows().local());
  RomKind kind;
  RomRun r;
  SnapshotSet decoded;
  double offline = 0;
  {
    py::gil_scoped_release release;
    auto scope = p.options->scope();
    kind = LatentRom::resolve(rom_kind_from_name(rom_type), fom, m.reducer());
    const TimeGrid grid = rom_time_grid(fom, dt_multiple);
    MPI_Barrier(fom.rows().comm);
    const double start = MPI_Wtime();
    const LatentRom rom = m.rom(kind, p.settings);
    offline = MPI_Wtime() - start;
    r = m.run(rom, x0, grid);
    decoded = m.decode(r);
    decoded.provenance.set("rom", rom_kind_name(kind));
  }
  py::dict d;
  d["rom"] = rom_kind_name(kind);
  d["t"] = r.latent.t;
  d["latent"] = r.latent.U;
  d["decoded"] = to_python(std::move(decoded));
  d["online_seconds"] = r.online_seconds;
  d["offline_seconds"] = offline;
  d["steps"] = r.latent.steps;
  d["us_per_step"] = r.us_per_step();
  d["ts_type"] = r.latent.ts_type;
  return d;
}

py::dict errors(const py::handle& rom, const SnapshotSet& reference) {
  const py::object X = py::isinstance<SnapshotSet>(rom) ? py::reinterpret_borrow<py::object>(rom).attr("X")
                                                        : py::reinterpret_borrow<py::object>(rom);
  const MatrixArg x(X, "rom_errors: the ROM's states", reference.X.rows());
  if (x.cols() != reference.count())
    throw py::value_error(fmt::format("rom_errors: the ROM has {} states, the reference {}", x.cols(), reference.count()));
  const RomErrors e = rom_errors(x.map(), reference.X, reference.rows.comm);
  py::dict d;
  d["finite"] = e.finite;
  d["rel_error"] = e.rel_error;
  d["final_rel_error"] = e.final_rel_error;
  d["in_time"] = e.in_time;
  return d;
}

}  // namespace

void bind_rom(py::module_& m) {
  py::class_<PyReducedModel>(m, "ReducedModel", R"(A model file with its full-order model, ready to run ROMs.

ReducedModel(path, comm=None, **options): the full model is rebuilt from the file's
provenance; options override its settings (heat_steps=400, burgers_amplitude=1.0: a run at a
parameter never trained on) and set the ROM's (rom_ts_type="cn", rom_manifold_damping=0.1,
rom_lspg_residual="stage"), named as on the command line without the leading '-'.)")
      .def(py::init(&load), py::arg("path"), py::arg("comm") = py::none())
      .def(
          "simulate",
          [](PyReducedModel& p, bool progress) {
            py::gil_scoped_release release;
            auto scope = p.options->scope();
            return p.model->full_model().simulate(progress);
          },
          py::arg("progress") = false, "The full model's run (a SnapshotSet); fom_seconds is its solve time")
      .def("run", &run, py::arg("rom") = "auto", py::arg("dt_multiple") = 1, py::arg("x0") = py::none(),
           R"(Runs a latent ROM from x0 (default: the full model's initial state) over the full model's time grid.

rom: "auto", "galerkin", "manifold-galerkin", "lspg" or "learned" (as -rom_type); dt_multiple:
the ROM's step as a multiple of the full model's. Returns a dict: rom (the kind that ran), t,
latent (r x T), decoded (a SnapshotSet of the decoded states at the recorded times),
online_seconds (encode, latent integration, decode of the final state, as `metarom rom` times
them), offline_seconds (the ROM's projections), steps, us_per_step, ts_type.)")
      .def_property_readonly("fom_seconds", [](const PyReducedModel& p) { return p.model->full_model().solve_seconds(); })
      .def_property_readonly("extrapolation", [](const PyReducedModel& p) { return p.model->extrapolation(); },
                             "Where the full model as rebuilt leaves what the reducer was trained on (empty: inside)")
      .def_property_readonly("reducer_type", [](const PyReducedModel& p) { return p.model->reducer().type(); })
      .def_property_readonly("latent_dim", [](const PyReducedModel& p) { return p.model->reducer().latent_dim(); })
      .def_property_readonly("model", [](const PyReducedModel& p) { return p.model->full_model().name(); })
      .def_property_readonly("n", [](const PyReducedModel& p) { return p.model->full_model().rows().global; })
      .def_property_readonly("rows",
                             [](const PyReducedModel& p) {
                               const RowPartition& r = p.model->full_model().rows();
                               return py::make_tuple(r.begin, r.end);
                             })
      .def("__repr__", [](const PyReducedModel& p) {
        return fmt::format("ReducedModel('{}': {} r = {} of the {} model, n = {})", p.model->path(),
                           p.model->reducer().type(), p.model->reducer().latent_dim(), p.model->full_model().name(),
                           p.model->full_model().rows().global);
      });
  m.def("rom_errors", &errors, py::arg("rom"), py::arg("reference"),
        "Relative errors of ROM states (a SnapshotSet or this rank's rows, n x N) against a reference set at the "
        "same times: rel_error over the run, final_rel_error, in_time, finite");
  m.def("rom_types", &rom_kind_names, "The ROM kinds ReducedModel.run accepts");
}

}  // namespace metarom::python
