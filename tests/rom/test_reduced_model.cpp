// tests for src/rom/reduced_model.cpp: a saved POD model loads with the full model its
// provenance names, distributed like it, and runs its ROM to the full run's states where
// theory says it must; a changed grid and a provenance without a model are refused by name.
#include <petscsys.h>

#include "metarom/io/trajectory_set.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/rom/reduced_model.hpp"
#include "test_support.hpp"

using namespace metarom;
using test::require_error;
using test::ScopedOptions;
using test::ScratchDir;

TEST_CASE("a saved model loads with its full model and runs its ROM", "[rom][reduced_model][mpi]") {
  ScratchDir dir;
  HeatConfig c = test::heat_config(12, TimeGrid{0.0, 0.02, 40, 2});
  HeatModel heat(PETSC_COMM_WORLD, c);
  const SnapshotSet s = heat.simulate(false);
  // The initial state is a sum of 3 x 3 sine modes, eigenvectors of the discrete Laplacian:
  // the run stays in their 9-dimensional span, which POD with r = 9 recovers, and Galerkin on
  // an invariant subspace is the full Crank–Nicolson run itself, up to round-off.
  Pod pod;
  pod.set_latent_dim(9);
  pod.fit(s);
  const std::string path = dir.path("pod.h5");
  save_model(path, pod, s, "heat.h5", 0.1);

  ReducedModel model = load_reduced_model(path, PETSC_COMM_WORLD);
  CHECK(model.path() == path);
  CHECK(model.full_model().name() == "heat");
  const RowPartition& a = model.reducer().rows();
  const RowPartition& b = model.full_model().rows();
  CHECK(a.global == 144);
  CHECK((a.begin == b.begin && a.end == b.end && a.global == b.global));
  CHECK(model.dynamics() == nullptr);
  CHECK(model.file().training.count == s.count());

  const LatentRom rom = model.rom();
  CHECK(rom.kind() == RomKind::galerkin);  // an affine decoder on a linear model
  const RomRun run = model.run(rom);
  const SnapshotSet full = model.full_model().simulate(false);
  const RomErrors e = model.errors(run, full);
  INFO("relative error over the run " << e.rel_error);
  CHECK(e.finite);
  CHECK(e.rel_error < 1e-10);
  CHECK(e.final_rel_error < 1e-10);
  const SnapshotSet decoded = model.decode(run);
  CHECK(decoded.count() == full.count());
  CHECK(decoded.provenance.get_string("rom_model_file", "test") == path);
  CHECK(decoded.provenance.get_string("model", "test") == "heat");
  require_error([&] { model.errors(run, select_snapshots(full, 0, 3)); }, {"the ROM recorded", "the reference has 3"});

  // Options still override the stored settings: a grid of another size is refused by name.
  {
    const ScopedOptions other_grid{{"-heat_nx", "10"}};
    require_error([&] { load_reduced_model(path, PETSC_COMM_WORLD); },
                  {"pod.h5", "states of 144 values", "the rebuilt heat model has 120"});
  }
  // A model fitted on snapshots whose provenance names no model cannot be run here.
  SnapshotSet bare = s;
  bare.provenance = Attributes();
  save_model(dir.path("bare.h5"), pod, bare, "recording.h5", 0.1);
  require_error([&] { load_reduced_model(dir.path("bare.h5"), PETSC_COMM_WORLD); },
                {"bare.h5", "names no model"});
}

TEST_CASE("a model fitted across a kappa sweep predicts a kappa it never saw, and says when it extrapolates",
          "[rom][reduced_model][parametric][mpi]") {
  ScratchDir dir;
  HeatConfig c = test::heat_config(12, TimeGrid{0.0, 0.02, 40, 2});
  // Runs at κ = 0.5 and 2, joined into one parametric set (the differing κ becomes its parameter).
  std::vector<SnapshotSet> runs;
  for (const double kappa : {0.5, 2.0}) {
    auto m = create_model(PETSC_COMM_WORLD, with_parameters(c.to_attributes(), {"heat_kappa"}, Vector::Constant(1, kappa), "test"),
                          "test");
    runs.push_back(m->simulate(false));
  }
  const SnapshotSet s = merge_trajectories(runs, {"kappa 0.5", "kappa 2"});
  REQUIRE(s.trajectory_count() == 2);
  REQUIRE(s.parameter_names == std::vector<std::string>{"heat_kappa"});
  // Whatever κ, the run stays in the span of the same 3 x 3 sine modes (eigenvectors of the
  // discrete Laplacian, κ scales their decay rates only): POD r = 9 of both runs spans it, and
  // Galerkin on that invariant subspace at any κ is the full Crank–Nicolson run up to round-off.
  Pod pod;
  pod.set_latent_dim(9);
  pod.fit(s);
  const std::string path = dir.path("pod_kappa.h5");
  save_model(path, pod, s, "sweep.h5", 0.1);
  {
    const ScopedOptions held_out{{"-heat_kappa", "1.2"}};
    ReducedModel model = load_reduced_model(path, PETSC_COMM_WORLD);
    CHECK(model.file().training.trajectories == 2);
    CHECK(model.file().training.parameter_names == std::vector<std::string>{"heat_kappa"});
    CHECK(model.file().training.parameters(0, 0) == 0.5);
    CHECK(model.file().training.parameters(0, 1) == 2.0);
    CHECK(model.extrapolation().empty());  // 1.2 lies inside [0.5, 2]
    const RomRun run = model.run(model.rom());
    const SnapshotSet full = model.full_model().simulate(false);
    CHECK(full.provenance.get_double("heat_kappa", "test") == 1.2);
    const RomErrors e = model.errors(run, full);
    INFO("relative error at kappa = 1.2 " << e.rel_error);
    CHECK(e.rel_error < 1e-10);
  }
  {
    const ScopedOptions outside{{"-heat_kappa", "3"}, {"-heat_ic_decay", "1.5"}};
    ReducedModel model = load_reduced_model(path, PETSC_COMM_WORLD);
    const std::vector<std::string> e = model.extrapolation();
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "heat_ic_decay = 1.5, trained at 2 only");
    CHECK(e[1] == "heat_kappa = 3 outside the trained [0.5, 2]");
  }
}
