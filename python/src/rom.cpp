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

// A ROM run: what the online phase produced; the decoded trajectory is formed when first asked
// for (decoding every recorded state is not part of the online phase `metarom rom` times).
struct PyRomRun {
  RomRun run;
  std::string rom;
  double offline_seconds = 0;
  const ReducedModel* model = nullptr;  // kept alive by the Python object (keep_alive)
  py::object decoded;
};

PyRomRun run(const PyReducedModel& p, const std::string& rom_type, int dt_multiple, const py::object& x0_arg) {
  const ReducedModel& m = *p.model;
  const FullOrderModel& fom = m.full_model();
  const Vector x0 = x0_arg.is_none() ? fom.initial_state() : vector_arg(x0_arg, "run: x0", fom.rows().local());
  PyRomRun out;
  out.model = &m;
  py::gil_scoped_release release;
  auto scope = p.options->scope();
  const RomKind kind =
      LatentRom::resolve(rom_kind_from_name(rom_type), fom, m.reducer(), m.file().hyper_reduction != nullptr);
  out.rom = rom_kind_name(kind);
  const TimeGrid grid = rom_time_grid(fom, dt_multiple);
  MPI_Barrier(fom.rows().comm);
  const double start = MPI_Wtime();
  const LatentRom rom = m.rom(kind, p.settings);
  out.offline_seconds = MPI_Wtime() - start;
  out.run = m.run(rom, x0, grid);
  return out;
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
  py::class_<PyRomRun>(m, "RomRun", "A latent ROM's run (ReducedModel.run)")
      .def_readonly("rom", &PyRomRun::rom, "The kind that ran (auto resolved)")
      .def_property_readonly("t", [](const PyRomRun& r) { return r.run.latent.t; }, "Recorded times")
      .def_property_readonly("latent", [](const PyRomRun& r) { return r.run.latent.U; }, "Latent states, r x T")
      .def_property_readonly("final_state", [](const PyRomRun& r) { return Vector(r.run.final_state.col(0)); },
                             "D(u(T)): this rank's rows of the decoded final state")
      .def_property_readonly(
          "decoded",
          [](PyRomRun& r) {
            if (!r.decoded) {
              SnapshotSet set;
              {
                py::gil_scoped_release release;
                set = r.model->decode(r.run);
              }
              set.provenance.set("rom", r.rom);
              r.decoded = to_python(std::move(set));
            }
            return r.decoded;
          },
          "The decoded states at the recorded times (a SnapshotSet, formed on first use)")
      .def_property_readonly("online_seconds", [](const PyRomRun& r) { return r.run.online_seconds; },
                             "Encode x0, advance the latent state, decode the final state: as `metarom rom` times it")
      .def_readonly("offline_seconds", &PyRomRun::offline_seconds, "The ROM's construction (its projections)")
      .def_property_readonly("steps", [](const PyRomRun& r) { return r.run.latent.steps; })
      .def_property_readonly("us_per_step", [](const PyRomRun& r) { return r.run.us_per_step(); })
      .def_property_readonly("ts_type", [](const PyRomRun& r) { return r.run.latent.ts_type; })
      .def("__repr__", [](const PyRomRun& r) {
        return fmt::format("RomRun({}: {} steps, online {:.3g} s)", r.rom, r.run.latent.steps, r.run.online_seconds);
      });
  py::class_<PyReducedModel>(m, "ReducedModel", R"(A model file with its full-order model, ready to run ROMs.

ReducedModel(path, comm=None, **options): the full model is rebuilt from the file's
provenance; options override its settings (heat_steps=400, burgers_amplitude=1.0: a run at a
parameter never trained on) and set the ROM's (rom_ts_type="cn", rom_manifold_damping=0.1,
rom_lspg_residual="stage"), named as on the command line without the leading '-'.)")
      .def(py::init(&load), py::arg("path"), py::arg("comm") = py::none())
      .def(
          "simulate",
          [](PyReducedModel& p, const py::object& progress_arg) {
            const bool progress = show_progress(progress_arg);
            py::gil_scoped_release release;
            auto scope = p.options->scope();
            return p.model->full_model().simulate(progress);
          },
          py::arg("progress") = py::none(), "The full model's run (a SnapshotSet); fom_seconds is its solve time")
      .def("run", &run, py::arg("rom") = "auto", py::arg("dt_multiple") = 1, py::arg("x0") = py::none(),
           py::keep_alive<0, 1>(),
           R"(Runs a latent ROM from x0 (default: the full model's initial state) over the full model's time grid.

rom: "auto", "galerkin", "manifold-galerkin", "lspg" or "learned" (as -rom_type); dt_multiple:
the ROM's step as a multiple of the full model's. Returns a RomRun.)")
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
