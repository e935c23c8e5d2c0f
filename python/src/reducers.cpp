// metarom.Reducer (and the per-type classes of python/metarom/__init__.py): every reducer of
// the registry (reducers/reducer.hpp) built by type name, its settings given as keywords with
// the command line's names (keyword_options.hpp), fitted on a SnapshotSet, saved as a model
// file that `metarom rom`, `compare` and metarom.ReducedModel read.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <sstream>

#include "keyword_options.hpp"
#include "metarom/error.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/hyper_reduction.hpp"
#include "metarom/rom/learned_dynamics.hpp"
#include "metarom/rom/model_file.hpp"
#include "module.hpp"

namespace metarom::python {

namespace {

// Options PETSc objects read when the reducer works rather than when it is built.
const std::vector<std::string> read_while_fitting{"tao_"};

struct PyReducer {
  std::unique_ptr<Reducer> reducer;
  std::shared_ptr<KeywordOptions> options;
  std::optional<SnapshotSet> training;  // what it was fitted on, without the states (the model file's /training)
  std::string training_file = "(Python)";
  double fit_seconds = 0;
  long long count = -1;
  // fit(latent_dynamics=...): its settings (-latent_dynamics_*, and -rom_manifold_damping for a
  // closure's base ROM) and the dynamics fitted, saved with the reducer.
  OperatorInference inference;
  LatentRomSettings rom_settings;
  std::shared_ptr<const LearnedDynamics> dynamics;
  // hr_method=...: the hyper-reduction's settings (-hr_*) and the one fitted, saved with it.
  HyperReductionSettings hr;
  std::unique_ptr<HyperReduction> hyper_reduction;

  const Reducer& fitted(const char* call) const {
    if (!training) throw Error(fmt::format("{}.{}: the reducer is not fitted yet (call fit first)", reducer->type(), call));
    return *reducer;
  }
};

PyReducer make_reducer(const std::string& type, const py::object& r, const py::object& progress,
                       const py::kwargs& kw) {
  PyReducer p;
  p.reducer = create_reducer(type);
  p.options = std::make_shared<KeywordOptions>(kw, fmt::format("Reducer('{}')", type));
  {
    auto scope = p.options->scope();
    p.reducer->set_from_options();
    p.inference.set_from_options();
    p.rom_settings.set_from_options("rom_");
    p.hr.method = "none";
    p.hr.set_from_options();
  }
  if (p.hr.enabled()) check_hyper_reducible(*p.reducer);  // before training
  p.options->check_used(read_while_fitting);
  if (!r.is_none()) p.reducer->set_latent_dim(r.cast<int>());
  p.reducer->set_progress(show_progress(progress));
  return p;
}

// Fits p's reducer on `train` (and the latent dynamics `kind` on `set` where asked), the GIL
// released, then keeps the training set's header for save().
void fit_view(PyReducer& p, const SnapshotView& train, const std::string& kind, const SnapshotSet* set) {
  p.reducer->check_latent_dim(train.n(), train.count(), "the snapshot set");
  const bool with_model = (kind != "none" && latent_dynamics_need_model(kind, p.inference)) || p.hr.enabled();
  if (p.hr.enabled() && !set)
    throw py::value_error("fit: hyper-reduction (hr_method) needs a SnapshotSet (the model that made it gives f), "
                          "not an array of states");
  if (p.hr.enabled() && !can_rebuild_model(train.provenance))
    throw Error("fit: hr_method samples the right-hand side of the model that made the set, and its provenance "
                "names none metarom can rebuild");
  {
    py::gil_scoped_release release;
    auto scope = p.options->scope();
    // Learned velocities and closures use the full model that made the set, where it is one of ours.
    std::unique_ptr<FullOrderModel> fom;
    if (with_model && can_rebuild_model(train.provenance)) {
      fom = create_model_from_provenance(train.rows.comm, train.provenance, "the snapshot set");
      if (fom->rows().begin != train.rows.begin || fom->rows().end != train.rows.end)
        throw Error(fmt::format("fit: the set holds rows [{}, {}) here, its {} model [{}, {}): build the set "
                                "with read() or simulate() for latent dynamics",
                                train.rows.begin, train.rows.end, fom->name(), fom->rows().begin, fom->rows().end));
    }
    MPI_Barrier(train.rows.comm);
    const double start = MPI_Wtime();
    p.reducer->fit(train);
    p.fit_seconds = MPI_Wtime() - start;
    p.dynamics = nullptr;
    if (kind != "none")
      p.dynamics = std::make_shared<const LearnedDynamics>(
          fit_latent_dynamics(kind, *p.reducer, *set, fom.get(), Matrix(), p.inference, p.rom_settings));
    p.hyper_reduction = nullptr;
    if (p.hr.enabled()) {
      check_hyper_reducible(*p.reducer, fom.get());
      p.hyper_reduction = std::make_unique<HyperReduction>(
          fit_hyper_reduction(projected_rhs_snapshots(*fom, *p.reducer, *set), *p.reducer, train.rows, p.hr, fom.get()));
    }
  }
  p.training = train.header();
  p.count = -1;
  const std::string file = train.provenance.has("file") ? train.provenance.get_string("file", "provenance") : "";
  p.training_file = file.empty() ? "(Python)" : file;
}

SnapshotSet header_of(const TrainingRecord& t, const RowPartition& rows) {
  SnapshotSet h;
  h.rows = rows;
  h.X.resize(rows.local(), 0);
  h.layout = t.layout;
  h.provenance = t.provenance;
  h.parameter_names = t.parameter_names;
  if (t.parameters.size() > 0 || t.trajectories > 1) {  // one column per trajectory
    h.mu = t.parameters;
    h.t = Vector::Zero(t.trajectories);
    if (t.trajectories > 1)
      for (Index j = 0; j < t.trajectories; ++j) h.starts.push_back(j);
  }
  return h;
}

// encode(X) (this rank's rows of states) or decode(U) (latent coordinates), the GIL released.
Matrix encode_or_decode(const PyReducer& p, const char* call, const py::handle& A) {
  const Reducer& r = p.fitted(call);
  const bool encode = std::string(call) == "encode";
  const MatrixArg a(A, encode ? "encode: X (this rank's rows of n x N)" : "decode: U (r x N)",
                    encode ? r.rows().local() : r.latent_dim());
  py::gil_scoped_release release;
  return encode ? r.encode(a.map()) : r.decode(a.map());
}

}  // namespace

void bind_reducers(py::module_& m) {
  py::class_<PyReducer>(m, "Reducer", R"(A reducer: maps states x (n) to latent coordinates u (r) and back.

Reducer(type, r=None, progress=None, **options): type is one of reducer_types() ("pod",
"linear-ae", "sparse-ae", "ae", "ri-ae", "meta-ae", ...); r the latent dimension (POD and
linear-ae: 0 chooses it by -pod_energy); progress: training progress lines (None: where stderr is
a terminal); options are the command line's without the leading
'-' (pod_energy=0.9999, ae_hidden=100, meta_inner_steps=4, tao_type="lmvm").)")
      .def(py::init(&make_reducer), py::arg("type"), py::arg("r") = py::none(), py::arg("progress") = py::none())
      .def(
          "fit",
          [](PyReducer& p, const py::object& data, const std::optional<std::string>& latent_dynamics,
             const py::object& comm) {
            const std::string kind = latent_dynamics.value_or("none");
            if (py::isinstance<SnapshotSet>(data)) {
              const auto& set = data.cast<const SnapshotSet&>();
              fit_view(p, set, kind, &set);
              return;
            }
            if (kind != "none")
              throw py::value_error("fit: latent_dynamics needs a SnapshotSet (its times and the model that made it), "
                                    "not an array of states");
            // An array of states: read where it lies when it is Fortran-ordered float64 (no copy).
            const MatrixArg x(data, "fit: X (this rank's rows of n x N)");
            SnapshotSet rest;  // every part but the states
            rest.rows = RowPartition::of_local_rows(communicator(comm), x.rows());
            rest.X.resize(x.rows(), 0);
            rest.t = Vector::LinSpaced(x.cols(), 0, static_cast<double>(x.cols() - 1));
            fit_view(p, SnapshotView(x.map(), rest), kind, nullptr);
          },
          py::arg("data"), py::arg("latent_dynamics") = py::none(), py::arg("comm") = py::none(),
          "Fits the reducer on a SnapshotSet's snapshots (all trajectories) or on an array X of states (this "
          "rank's rows of n x N, one column per snapshot; read in place, without a copy, when Fortran-ordered "
          "float64; comm: its ranks). latent_dynamics \"learned\" or \"closure\" (a SnapshotSet only) also fits "
          "latent dynamics by operator inference (as fit -latent_dynamics; options latent_dynamics_*); a reducer "
          "made with hr_method=\"deim\" (qdeim, ecsw; options hr_*) also fits the hyper-reduction (a SnapshotSet "
          "of a model with sampled evaluation only)")
      .def(
          "encode", [](const PyReducer& p, const py::handle& X) { return encode_or_decode(p, "encode", X); },
          py::arg("X"), "Latent coordinates (r x N) of the states X (this rank's rows, n x N)")
      .def(
          "decode", [](const PyReducer& p, const py::handle& U) { return encode_or_decode(p, "decode", U); },
          py::arg("U"), "States (this rank's rows, n x N) of the latent coordinates U (r x N)")
      .def(
          "jacobian",
          [](const PyReducer& p, const py::handle& u) {
            const Reducer& r = p.fitted("jacobian");
            return r.decoder_jacobian(vector_arg(u, "jacobian: u", r.latent_dim()));
          },
          py::arg("u"), "The decoder's Jacobian at u: this rank's rows of the n x r matrix")
      .def(
          "save",
          [](const PyReducer& p, const std::string& path) {
            const Reducer& r = p.fitted("save");
            py::gil_scoped_release release;
            save_model(path, r, *p.training, p.training_file, p.fit_seconds, p.dynamics.get(), p.count,
                       p.hyper_reduction.get());
          },
          py::arg("path"),
          "Writes a model file (data/FORMAT.md): the command line's rom, eval and compare and ReducedModel read it")
      .def_property_readonly("type", [](const PyReducer& p) { return p.reducer->type(); })
      .def_property_readonly("latent_dim", [](const PyReducer& p) { return p.reducer->latent_dim(); })
      .def_property_readonly("fitted", [](const PyReducer& p) { return p.training.has_value(); })
      .def_property_readonly("fit_seconds", [](const PyReducer& p) { return p.fit_seconds; })
      .def_property_readonly(
          "latent_dynamics",
          [](const PyReducer& p) -> py::object {
            if (!p.dynamics) return py::none();
            std::ostringstream os;
            p.dynamics->view(os);
            return py::str(os.str());
          },
          "The learned latent dynamics' report (fit(latent_dynamics=...)), or None")
      .def_property_readonly(
          "hyper_reduction",
          [](const PyReducer& p) -> py::object {
            if (!p.hyper_reduction) return py::none();
            const HyperReduction& h = *p.hyper_reduction;
            py::dict d;
            d["method"] = h.method;
            d["rows"] = h.points.rows;
            if (!h.ecsw()) d["modes"] = h.basis.cols();
            else d["weights"] = h.weights;
            return d;
          },
          "The hyper-reduction fitted with the reducer (hr_method=...): method, sample rows, modes or ECSW "
          "weights; None without")
      .def_property_readonly("settings", [](const PyReducer& p) { return p.reducer->settings_summary(); },
                             "The settings it was fitted with, in one line")
      .def_property_readonly(
          "singular_values",
          [](const PyReducer& p) -> py::object {
            const auto* pod = dynamic_cast<const Pod*>(p.reducer.get());
            if (!pod) return py::none();
            return py::cast(Vector(pod->singular_values()));
          },
          "POD and linear-ae: the singular values of the training set; None for other reducers")
      .def("__str__",
           [](const PyReducer& p) {
             std::ostringstream os;
             if (p.training) p.reducer->view(os);
             else os << p.reducer->type() << " (not fitted)";
             return os.str();
           })
      .def("__repr__", [](const PyReducer& p) {
        return fmt::format("Reducer('{}', r={}{})", p.reducer->type(), p.reducer->latent_dim(),
                           p.training ? "" : ", not fitted");
      });

  m.def(
      "load_reducer",
      [](const std::string& path, const py::object& comm) {
        const MPI_Comm c = communicator(comm);
        ModelFile file;
        {
          py::gil_scoped_release release;
          file = load_model(path, c);
        }
        PyReducer p;
        p.reducer = std::move(file.reducer);
        p.options = std::make_shared<KeywordOptions>(py::kwargs(), "load_reducer");
        p.training = header_of(file.training, p.reducer->rows());
        p.training_file = file.training.file;
        p.fit_seconds = file.training.fit_seconds;
        p.count = file.training.count;
        p.dynamics = file.dynamics;
        return p;
      },
      py::arg("path"), py::arg("comm") = py::none(), "The reducer of a model file, rows split over comm's ranks");
  m.def("reducer_types", &reducer_types, "The reducer types Reducer(type) accepts");
}

}  // namespace metarom::python
