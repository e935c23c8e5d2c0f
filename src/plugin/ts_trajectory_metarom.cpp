// TSTrajectory type "metarom": records the states of any PETSc TS run into a metarom
// snapshot file (data/FORMAT.md), by options alone:
//   -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_file snaps.h5
//   [-ts_trajectory_metarom_stride k] [-ts_trajectory_metarom_rhs] [-ts_trajectory_metarom_flush m]
// With -ts_trajectory_metarom_rhs the right-hand side f(t_k, x_k) of every recorded state is
// stored too (data set /rhs), so `metarom fit -latent_dynamics learned` gets exact latent
// velocities instead of finite differences; with -ts_trajectory_metarom_ifunction the
// implicit function at ẋ = 0, F(t_k, x_k, 0) − G(t_k, x_k) (data set /ifunction): the
// snapshots `fit -hr_method` samples for a program in implicit form.
// Every k-th step (step 0 included) is kept, in the DMDA's natural ordering when the TS has a
// DMDA (app_state.hpp), and streamed to snaps.h5.partial every m kept states (SnapshotStream:
// each rank writes its own rows, flushed), renamed to snaps.h5 when the trajectory is
// destroyed (TSDestroy) or reset. A program that crashes, is killed or never destroys its TS
// leaves snaps.h5.partial, a valid snapshot file marked incomplete holding every state
// streamed before it stopped. Memory: m + 1 states (the newest is held back because TSSolve
// sets its last step twice). Provenance names the program and the TS type.
#include <petsc/private/tsimpl.h>

#include <fmt/format.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "plugin/app_state.hpp"
#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/snapshot_stream.hpp"
#include "metarom/plugin/plugin.hpp"
#include "metarom/version.hpp"

namespace metarom {

namespace {

struct Recorder {
  std::string file = "trajectory.h5";
  PetscInt stride = 1, flush_every = 16;
  std::unique_ptr<AppState> state;
  PetscBool rhs = PETSC_FALSE, ifunction = PETSC_FALSE;
  std::unique_ptr<SnapshotStream> stream;
  std::vector<double> data, times;  // kept states not yet streamed, local rows
  std::vector<std::string> field_names;      // derived fields recorded: rhs, ifunction
  std::vector<std::vector<double>> fields;   // their values of the kept states not yet streamed
  VecHandle f, zero;
  PetscInt last_step = -1;
  std::string program, ts_type;
  std::string parameters;  // the program's options that are the run's parameters, comma separated
};

Recorder* recorder(TSTrajectory tj) { return static_cast<Recorder*>(tj->data); }

void open_stream(Recorder& r) {
  Attributes p;
  p.set("model", "petsc-ts");
  p.set("program", r.program);
  p.set("ts_type", r.ts_type);
  p.set("snapshot_stride", static_cast<long long>(r.stride));
  p.set("mpi_ranks", r.state->rows().size());
  p.set("metarom_version", std::string(version_string));
  p.set("created", iso_time_now());
  // The named options' values: runs recorded at other values merge into a parametric set
  // (`metarom merge`: the settings in which runs differ become its parameters).
  std::vector<std::string> names;
  std::stringstream list(r.parameters);
  for (std::string name; std::getline(list, name, ',');) {
    if (name.empty()) continue;
    if (name.front() == '-') name.erase(0, 1);
    PetscReal v = 0;
    PetscBool set = PETSC_FALSE;
    METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, ("-" + name).c_str(), &v, &set));
    if (!set)
      throw Error(fmt::format("-ts_trajectory_metarom_parameters names '{}', but -{} is not given: give its value on the "
                              "command line so the recording knows it",
                              name, name));
    p.set(name, static_cast<double>(v));
    names.push_back(name);
  }
  if (!names.empty()) p.set("parameter_options", names);
  r.stream = std::make_unique<SnapshotStream>(r.file, r.state->rows(), r.state->layout(), p, r.field_names);
}

// Streams the first `count` held states.
void stream_held(Recorder& r, Index count) {
  if (count == 0) return;
  const Index local = r.state->rows().local();
  const Index values = local * count;
  std::vector<Matrix> derived;
  for (const std::vector<double>& field : r.fields) derived.push_back(Eigen::Map<const Matrix>(field.data(), local, count));
  r.stream->append(Eigen::Map<const Matrix>(r.data.data(), local, count),
                   Eigen::Map<const Vector>(r.times.data(), count), derived);
  r.data.erase(r.data.begin(), r.data.begin() + values);
  for (std::vector<double>& field : r.fields) field.erase(field.begin(), field.begin() + values);
  r.times.erase(r.times.begin(), r.times.begin() + count);
}

void finish_recording(Recorder& r) {
  if (!r.stream) return;
  stream_held(r, static_cast<Index>(r.times.size()));
  r.stream->finish();
  r.stream.reset();
  r.last_step = -1;
}

PetscErrorCode set(TSTrajectory tj, TS ts, PetscInt step, PetscReal t, Vec x) {
  Recorder& r = *recorder(tj);
  PetscFunctionBeginUser;
  if (step % r.stride != 0) PetscFunctionReturn(0);
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(tj)), [&] {
    if (!r.state) {
      r.state = std::make_unique<AppState>(ts, x);
      char name[PETSC_MAX_PATH_LEN];
      METAROM_PETSC(PetscGetProgramName(name, sizeof name));
      r.program = name;
      TSType type;
      METAROM_PETSC(TSGetType(ts, &type));
      r.ts_type = type ? type : "";
    }
    if (!r.stream) {
      if (r.rhs) r.field_names.push_back("rhs");
      if (r.ifunction) r.field_names.push_back("ifunction");
      r.fields.resize(r.field_names.size());
      open_stream(r);
    }
    const Vector v = r.state->to_rows(x);
    std::vector<Vector> values;  // of the derived fields, in field_names' order
    if (r.rhs) {
      TSRHSFunction rhs = nullptr;
      METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
      if (!rhs)
        throw Error("-ts_trajectory_metarom_rhs: this application sets no right-hand side function (TSSetRHSFunction)");
      if (!r.f) METAROM_PETSC(VecDuplicate(x, r.f.address()));
      METAROM_PETSC(TSComputeRHSFunction(ts, t, x, r.f));
      values.push_back(r.state->to_rows(r.f));
    }
    if (r.ifunction) {
      TSIFunction ifun = nullptr;
      METAROM_PETSC(TSGetIFunction(ts, nullptr, &ifun, nullptr));
      if (!ifun)
        throw Error("-ts_trajectory_metarom_ifunction: this application sets no implicit function (TSSetIFunction)");
      if (!r.f) METAROM_PETSC(VecDuplicate(x, r.f.address()));
      if (!r.zero) METAROM_PETSC(VecDuplicate(x, r.zero.address()));
      METAROM_PETSC(VecZeroEntries(r.zero));
      METAROM_PETSC(TSComputeIFunction(ts, t, x, r.zero, r.f, PETSC_FALSE));  // F(t, x, 0) − G(t, x)
      values.push_back(r.state->to_rows(r.f));
    }
    if (step == r.last_step && !r.times.empty()) {  // the same step again (TSSolve's last call): replace it
      std::copy(v.data(), v.data() + v.size(), r.data.end() - v.size());
      for (size_t k = 0; k < values.size(); ++k)
        std::copy(values[k].data(), values[k].data() + values[k].size(), r.fields[k].end() - values[k].size());
      r.times.back() = t;
      return;
    }
    for (size_t k = 0; k < values.size(); ++k)
      r.fields[k].insert(r.fields[k].end(), values[k].data(), values[k].data() + values[k].size());
    r.data.insert(r.data.end(), v.data(), v.data() + v.size());
    r.times.push_back(t);
    r.last_step = step;
    // Stream all but the newest state, which TSSolve may set again.
    if (static_cast<PetscInt>(r.times.size()) > r.flush_every) stream_held(r, static_cast<Index>(r.times.size()) - 1);
  }));
  PetscFunctionReturn(0);
}

PetscErrorCode set_from_options(TSTrajectory tj, PetscOptionItems* PetscOptionsObject) {
  Recorder& r = *recorder(tj);
  PetscFunctionBeginUser;
  PetscOptionsHeadBegin(PetscOptionsObject, "metarom trajectory: snapshots for metarom (-ts_trajectory_type metarom)");
  PetscCall(option_string(PetscOptionsObject, "-ts_trajectory_metarom_file", "metarom snapshot file to write",
                          "TSTrajectory", r.file));
  PetscCall(PetscOptionsInt("-ts_trajectory_metarom_stride", "Keep every k-th step (step 0 included)", "TSTrajectory",
                            r.stride, &r.stride, nullptr));
  PetscCall(PetscOptionsInt("-ts_trajectory_metarom_flush",
                            "Stream the kept states to the file every m of them (memory: m + 1 states)", "TSTrajectory",
                            r.flush_every, &r.flush_every, nullptr));
  PetscCall(option_string(PetscOptionsObject, "-ts_trajectory_metarom_parameters",
                          "The program's options that are this run's parameters (comma separated, e.g. nu): their values "
                          "are recorded, so runs at other values merge into a parametric set",
                          "TSTrajectory", r.parameters));
  PetscCall(PetscOptionsBool("-ts_trajectory_metarom_rhs",
                             "Also record the right-hand side f(t, x) of each kept state (exact latent velocities)",
                             "TSTrajectory", r.rhs, &r.rhs, nullptr));
  PetscCall(PetscOptionsBool("-ts_trajectory_metarom_ifunction",
                             "Also record the implicit function at xdot = 0, F(t, x, 0) - G(t, x), of each kept state "
                             "(the snapshots hyper-reduction samples for a program in implicit form)",
                             "TSTrajectory", r.ifunction, &r.ifunction, nullptr));
  PetscOptionsHeadEnd();
  PetscCheck(r.stride >= 1, PetscObjectComm(reinterpret_cast<PetscObject>(tj)), PETSC_ERR_ARG_OUTOFRANGE,
             "-ts_trajectory_metarom_stride must be >= 1, got %" PetscInt_FMT, r.stride);
  PetscCheck(r.flush_every >= 1, PetscObjectComm(reinterpret_cast<PetscObject>(tj)), PETSC_ERR_ARG_OUTOFRANGE,
             "-ts_trajectory_metarom_flush must be >= 1, got %" PetscInt_FMT, r.flush_every);
  PetscFunctionReturn(0);
}

PetscErrorCode flush(TSTrajectory tj) {
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(tj)), [&] { finish_recording(*recorder(tj)); }));
  PetscFunctionReturn(0);
}

PetscErrorCode destroy(TSTrajectory tj) {
  PetscFunctionBeginUser;
  const PetscErrorCode ierr = flush(tj);
  delete recorder(tj);
  tj->data = nullptr;
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode view(TSTrajectory tj, PetscViewer viewer) {
  Recorder& r = *recorder(tj);
  PetscBool ascii;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(viewer), PETSCVIEWERASCII, &ascii));
  if (ascii)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  metarom snapshots: file %s, every %" PetscInt_FMT
                                     " step(s), streamed every %" PetscInt_FMT " state(s); %lld written, %zu held\n",
                                     r.file.c_str(), r.stride, r.flush_every,
                                     r.stream ? static_cast<long long>(r.stream->count()) : 0LL, r.times.size()));
  PetscFunctionReturn(0);
}

}  // namespace

PetscErrorCode TSTrajectoryCreate_Metarom(TSTrajectory tj, TS) {
  PetscFunctionBeginUser;
  tj->data = new Recorder;
  tj->ops->set = set;
  tj->ops->setfromoptions = set_from_options;
  tj->ops->reset = flush;
  tj->ops->destroy = destroy;
  tj->ops->view = view;
  PetscFunctionReturn(0);
}

// Settings in code, as PETSc's TSTrajectory*Set* functions: no-ops on another type.
PetscErrorCode TSTrajectoryMetaromSetFile(TSTrajectory tj, const char* file) {
  PetscBool same = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(tj), "metarom", &same));
  PetscCheck(file && file[0], PetscObjectComm(reinterpret_cast<PetscObject>(tj)), PETSC_ERR_ARG_NULL,
             "TSTrajectoryMetaromSetFile: give a file name");
  if (same) recorder(tj)->file = file;
  PetscFunctionReturn(0);
}

PetscErrorCode TSTrajectoryMetaromSetStride(TSTrajectory tj, PetscInt stride) {
  PetscBool same = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(tj), "metarom", &same));
  PetscCheck(stride >= 1, PetscObjectComm(reinterpret_cast<PetscObject>(tj)), PETSC_ERR_ARG_OUTOFRANGE,
             "TSTrajectoryMetaromSetStride: the stride must be >= 1, got %" PetscInt_FMT, stride);
  if (same) recorder(tj)->stride = stride;
  PetscFunctionReturn(0);
}

}  // namespace metarom
