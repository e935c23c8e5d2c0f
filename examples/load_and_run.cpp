// Load a saved model (from `metarom fit`) and run its reduced model against the full model.
//   load_and_run model.h5 [-rom_type auto|galerkin|manifold-galerkin|lspg|learned] [-rom_ts_type ...]
// The full model is rebuilt from the model file's provenance; its options (-heat_steps, ...)
// override the stored settings, e.g. to predict past the training window.
#include <metarom/metarom.hpp>

using namespace metarom;

int main(int argc, char** argv) {
  return run_program(argc, argv, "load_and_run", [&] {
    if (argc < 2) throw Error("usage: load_and_run model.h5 [options]");
    const MPI_Comm comm = PETSC_COMM_WORLD;
    ReducedModel model = load_reduced_model(argv[1], comm);

    // The ROM's kind: automatic unless -rom_type names one; its TS reads -rom_ts_type etc.
    char type[64] = "auto";
    METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, "-rom_type", type, sizeof type, nullptr));
    LatentRomSettings settings;
    settings.set_from_options("rom_");
    const LatentRom rom = model.rom(rom_kind_from_name(type), settings);

    const RomRun run = model.run(rom);  // from x(t0) over the full model's time grid
    const SnapshotSet full = model.full_model().simulate(false);
    const RomErrors e = model.errors(run, full);

    PetscPrintf(comm,
                "%s model (n = %lld), %s ROM of a %s reducer with r = %d\n"
                "  relative error over the run %.3e, at the final time %.3e\n"
                "  full model %.4f s, ROM online %.5f s\n",
                model.full_model().name().c_str(), static_cast<long long>(model.full_model().rows().global),
                rom.type().c_str(), model.reducer().type().c_str(), model.reducer().latent_dim(), e.rel_error,
                e.final_rel_error, model.full_model().solve_seconds(), run.online_seconds);
  });
}
