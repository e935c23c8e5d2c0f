// Train a meta-autoencoder (encoder = Gauss–Newton minimizer of the decoder's misfit) on a
// snapshot file, evaluate it beside POD of the same latent size, and save it.
//   meta_autoencoder snaps.h5 model.h5 [-reducer_latent_dim r] [-ae_epochs E] [-meta_* ...]
#include <metarom/metarom.hpp>

using namespace metarom;

int main(int argc, char** argv) {
  return run_program(argc, argv, "meta_autoencoder", [&] {
    if (argc < 3) throw Error("usage: meta_autoencoder snaps.h5 model.h5 [options]");
    const MPI_Comm comm = PETSC_COMM_WORLD;
    const SnapshotSet snaps = read_snapshots(argv[1], comm);

    MetaAutoencoder meta;
    meta.set_from_options();  // -reducer_latent_dim, -ae_hidden, -ae_epochs, -meta_gn_iterations, ...
    const double start = MPI_Wtime();
    meta.fit(snaps);
    const double fit_seconds = MPI_Wtime() - start;
    save_model(argv[2], meta, snaps, argv[1], fit_seconds);

    Pod pod;
    pod.set_latent_dim(meta.latent_dim());
    pod.fit(snaps);

    // MSE (3.20) and second-reconstruction MSE (5.2), the encoder solved to convergence.
    const ReconstructionMetrics m = reconstruction_metrics(meta, snaps, 1);
    const ReconstructionMetrics p = reconstruction_metrics(pod, snaps, 1);
    PetscPrintf(comm,
                "r = %d, %lld snapshots of %lld values; meta-autoencoder trained in %.2f s, saved to %s\n"
                "  meta-autoencoder  MSE %.3e  second-reconstruction MSE %.3e  relative error %.3e\n"
                "  POD               MSE %.3e  second-reconstruction MSE %.3e  relative error %.3e\n",
                meta.latent_dim(), static_cast<long long>(snaps.count()), static_cast<long long>(snaps.rows.global),
                fit_seconds, argv[2], m.mse, m.sr_mse, m.rel_error, p.mse, p.sr_mse, p.rel_error);
  });
}
