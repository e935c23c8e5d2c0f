// Fit POD on a snapshot file and run its reduced model against the full model.
//   pod_rom snaps.h5 [-reducer_latent_dim r] [-pod_center] [-rom_ts_type ...]
// The full model is rebuilt from the file's provenance (metarom simulate writes it).
#include <metarom/metarom.hpp>

using namespace metarom;

int main(int argc, char** argv) {
  return run_program(argc, argv, "pod_rom", [&] {
    if (argc < 2) throw Error("usage: pod_rom snaps.h5 [options]");
    const MPI_Comm comm = PETSC_COMM_WORLD;
    // The model first, so the snapshots are read in its rows.
    const SnapshotSet header = read_snapshot_header(argv[1], comm);  // no states yet
    const auto model = create_model_from_provenance(comm, header.provenance, argv[1]);
    const SnapshotSet snaps = read_snapshots(argv[1], model->rows());

    Pod pod;
    pod.set_latent_dim(10);  // a default in code; -reducer_latent_dim overrides it
    pod.set_from_options();
    pod.fit(snaps);

    // Offline: the reduced operators. Online: encode x(t0), advance, decode.
    LatentRomSettings settings;
    settings.set_from_options("rom_");
    const LatentRom rom("auto", *model, pod, nullptr, settings);
    const SnapshotSet full = model->simulate(false);
    const RomRun run = run_rom(rom, pod, full.X.leftCols(1), model->time_grid());
    const SnapshotSet decoded = decode_trajectory(pod, run.latent, full.rows, full.layout, full.provenance);
    const RomErrors e = rom_errors(decoded.X, full.X, comm);

    PetscPrintf(comm,
                "%s model, n = %lld, %s POD ROM with r = %d\n"
                "  relative error over the run %.3e, at the final time %.3e\n"
                "  full model %.4f s, ROM online %.5f s (speedup %.1fx)\n",
                model->name().c_str(), static_cast<long long>(model->rows().global), rom.type().c_str(),
                pod.latent_dim(), e.rel_error, e.final_rel_error, model->solve_seconds(), run.online_seconds,
                model->solve_seconds() / run.online_seconds);
  });
}
