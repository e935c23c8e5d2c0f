// TSTrajectory type "metarom": records the states of any PETSc TS run into a metarom
// snapshot file (data/FORMAT.md), by options alone:
//   -ts_save_trajectory -ts_trajectory_type metarom -ts_trajectory_metarom_file snaps.h5
//   [-ts_trajectory_metarom_stride k] [-ts_trajectory_metarom_rhs]
// With -ts_trajectory_metarom_rhs the right-hand side f(t_k, x_k) of every recorded state is
// stored too (data set /rhs), so `metarom fit -latent_dynamics learned` gets exact latent
// velocities instead of finite differences.
// Every k-th step (step 0 included) is kept in memory, in the DMDA's natural ordering when
// the TS has a DMDA (app_state.hpp), and written collectively — each rank its own rows —
// when the trajectory is destroyed (TSDestroy) or reset, so one file results whatever the
// number of ranks. Provenance names the program and the TS type.
#include <petsc/private/tsimpl.h>

#include <memory>
#include <string>
#include <vector>

#include "plugin/app_state.hpp"
#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/plugin/plugin.hpp"
#include "metarom/version.hpp"

namespace metarom {

namespace {

struct Recorder {
  std::string file = "trajectory.h5";
  PetscInt stride = 1;
  std::unique_ptr<AppState> state;
  PetscBool rhs = PETSC_FALSE;
  std::vector<double> data, times, velocities;
  VecHandle f;
  PetscInt last_step = -1;
  std::string program, ts_type;
  bool written = false;
};

Recorder* recorder(TSTrajectory tj) { return static_cast<Recorder*>(tj->data); }

void write_recorded(Recorder& r) {
  if (!r.state || r.times.empty()) return;
  SnapshotSet s;
  s.rows = r.state->rows();
  const Index local = s.rows.local(), count = static_cast<Index>(r.times.size());
  s.X = Eigen::Map<const Matrix>(r.data.data(), local, count);
  s.t = Eigen::Map<const Vector>(r.times.data(), count);
  s.layout = r.state->layout();
  s.provenance.set("model", "petsc-ts");
  s.provenance.set("program", r.program);
  s.provenance.set("ts_type", r.ts_type);
  s.provenance.set("snapshot_stride", static_cast<long long>(r.stride));
  s.provenance.set("mpi_ranks", s.rows.size());
  s.provenance.set("metarom_version", std::string(version_string));
  s.provenance.set("created", iso_time_now());
  std::vector<DerivedField> derived;
  if (r.rhs) derived.push_back({"rhs", Eigen::Map<const Matrix>(r.velocities.data(), local, count)});
  write_snapshots(r.file, s, derived);
  if (s.layout.dims.size() == 1 || s.layout.dims.size() == 2) write_xdmf(r.file, s);
  r.written = true;
  r.data.clear();
  r.times.clear();
  r.velocities.clear();
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
    const Vector v = r.state->to_rows(x);
    Vector fv;
    if (r.rhs) {
      TSRHSFunction rhs = nullptr;
      METAROM_PETSC(TSGetRHSFunction(ts, nullptr, &rhs, nullptr));
      if (!rhs)
        throw Error("-ts_trajectory_metarom_rhs: this application sets no right-hand side function (TSSetRHSFunction)");
      if (!r.f) METAROM_PETSC(VecDuplicate(x, r.f.address()));
      METAROM_PETSC(TSComputeRHSFunction(ts, t, x, r.f));
      fv = r.state->to_rows(r.f);
    }
    if (step == r.last_step && !r.times.empty()) {  // the same step again (TSSolve's last call): replace it
      std::copy(v.data(), v.data() + v.size(), r.data.end() - v.size());
      if (r.rhs) std::copy(fv.data(), fv.data() + fv.size(), r.velocities.end() - fv.size());
      r.times.back() = t;
      return;
    }
    if (r.rhs) r.velocities.insert(r.velocities.end(), fv.data(), fv.data() + fv.size());
    r.data.insert(r.data.end(), v.data(), v.data() + v.size());
    r.times.push_back(t);
    r.last_step = step;
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
  PetscCall(PetscOptionsBool("-ts_trajectory_metarom_rhs",
                             "Also record the right-hand side f(t, x) of each kept state (exact latent velocities)",
                             "TSTrajectory", r.rhs, &r.rhs, nullptr));
  PetscOptionsHeadEnd();
  PetscCheck(r.stride >= 1, PetscObjectComm(reinterpret_cast<PetscObject>(tj)), PETSC_ERR_ARG_OUTOFRANGE,
             "-ts_trajectory_metarom_stride must be >= 1, got %" PetscInt_FMT, r.stride);
  PetscFunctionReturn(0);
}

PetscErrorCode flush(TSTrajectory tj) {
  PetscFunctionBeginUser;
  PetscCall(petsc_guard(PetscObjectComm(reinterpret_cast<PetscObject>(tj)), [&] { write_recorded(*recorder(tj)); }));
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
    PetscCall(PetscViewerASCIIPrintf(viewer, "  metarom snapshots: file %s, every %" PetscInt_FMT " step(s), %zu held\n",
                                     r.file.c_str(), r.stride, r.times.size()));
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
