// metarom.simulate: the library's full-order models (heat, qg, burgers, reaction; models/*.hpp) run from
// Python, one run or a sweep over parameter values, as `metarom simulate MODEL` runs them.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <pybind11/stl.h>

#include "keyword_options.hpp"
#include "metarom/error.hpp"
#include "metarom/models/model.hpp"
#include "metarom/models/parameter_sweep.hpp"
#include "module.hpp"

namespace metarom::python {

namespace {

// The models' PETSc solvers read their own options when they are set up (-ts_type, ...).
const std::vector<std::string> read_while_running{"ts_", "snes_", "ksp_", "pc_"};

// A sweep given as {"burgers_amplitude": [0.9, 1.1], ...} or as simulate -sweep's text.
std::string sweep_text(const py::handle& sweep) {
  if (py::isinstance<py::str>(sweep)) return sweep.cast<std::string>();
  if (!py::isinstance<py::dict>(sweep))
    throw py::type_error("simulate: sweep is a dict {name: values} or text such as 'burgers_amplitude=0.9,1.1'");
  std::string text;
  for (const auto& [name, values] : sweep.cast<py::dict>()) {
    std::vector<std::string> items;
    if (py::isinstance<py::str>(values)) items.push_back(values.cast<std::string>());  // "0.85:1.15:7"
    else
      for (const py::handle v : py::reinterpret_borrow<py::iterable>(values))
        items.push_back(fmt::format("{}", v.cast<double>()));  // shortest text that reads back the same
    text += fmt::format("{}{}={}", text.empty() ? "" : ";", py::str(name).cast<std::string>(), fmt::join(items, ","));
  }
  return text;
}

SnapshotSet simulate(const std::string& model, const py::object& progress_arg, const py::object& comm_arg, const py::object& sweep,
                     const std::string& sweep_mode, const py::kwargs& kw) {
  const MPI_Comm comm = communicator(comm_arg);
  const bool progress = show_progress(progress_arg);
  const KeywordOptions options(kw, fmt::format("simulate('{}')", model));
  if (std::find(model_names().begin(), model_names().end(), model) == model_names().end())
    throw py::value_error(fmt::format("simulate: unknown model '{}' (known: {})", model, fmt::join(model_names(), ", ")));
  Attributes base;
  {
    auto scope = options.scope();
    base = model_settings_from_options(comm, model, "simulate");
  }
  options.check_used(read_while_running);
  if (sweep_mode != "grid" && sweep_mode != "list")
    throw py::value_error("simulate: sweep_mode is 'grid' or 'list', got '" + sweep_mode + "'");
  if (sweep.is_none()) {
    auto full = create_model(comm, base, fmt::format("simulate('{}')", model));
    py::gil_scoped_release release;
    auto scope = options.scope();
    return full->simulate(progress);
  }
  const ParameterSweep points = ParameterSweep::parse(
      sweep_text(sweep), sweep_mode == "grid" ? ParameterSweep::Mode::grid : ParameterSweep::Mode::list, "sweep");
  py::gil_scoped_release release;
  auto scope = options.scope();
  return simulate_sweep(comm, base, points, progress, "sweep").set;
}

}  // namespace

void bind_models(py::module_& m) {
  m.def("simulate", &simulate, py::arg("model"), py::arg("progress") = py::none(), py::arg("comm") = py::none(),
        py::arg("sweep") = py::none(), py::arg("sweep_mode") = "grid",
        R"(Runs a full-order model and returns its snapshots as a SnapshotSet.

model: "heat", "qg", "burgers" or "reaction"; options are the model's command-line options without the
leading '-' (heat_nx=64, heat_steps=200, burgers_amplitude=0.9, qg_window=5, ...); the set's
provenance records them, so a model fitted on it can rebuild the full model (ReducedModel).
sweep: {name: values} (or simulate -sweep's text) runs the model at every point and returns
one parametric set (sweep_mode "grid": every combination; "list": the i-th values together).)");
}

}  // namespace metarom::python
