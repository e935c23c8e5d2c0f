// tests for src/rom/latent_rom.cpp: the ROM kinds and their names come from one table; the
// automatic kind by model and reducer.
#include <petscsys.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>

#include "metarom/reducers/autoencoder.hpp"
#include "metarom/error.hpp"
#include "metarom/models/burgers.hpp"
#include "metarom/models/heat.hpp"
#include "metarom/rom/latent_rom.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/reducers/pod.hpp"
#include "metarom/models/qg.hpp"
#include "test_support.hpp"

using namespace metarom;

TEST_CASE("ROM kinds and their names come from one table", "[rom]") {
  const std::vector<std::pair<RomKind, std::string>> expected{{RomKind::automatic, "auto"},
                                                              {RomKind::galerkin, "galerkin"},
                                                              {RomKind::manifold_galerkin, "manifold-galerkin"},
                                                              {RomKind::lspg, "lspg"},
                                                              {RomKind::learned, "learned"},
                                                              {RomKind::galerkin_hr, "galerkin-hr"}};
  CHECK(rom_kind_names().size() == expected.size());
  for (const auto& [kind, name] : expected) {
    CHECK(rom_kind_name(kind) == name);
    CHECK(rom_kind_from_name(name) == kind);
  }
  test::require_error([] { rom_kind_from_name("galerkn"); }, {"auto, galerkin, manifold-galerkin, lspg, learned, galerkin-hr", "galerkn"});
}

TEST_CASE("auto is Galerkin, or manifold LSPG for neural reducers on transport", "[rom][mpi]") {
  // Cell Reynolds number a·h·Re: NM-ROM's Burgers (a = 1, h = 1/11 here, Re = 1e4) is far
  // above 2; at Re = 10 it is 0.9, diffusion-dominated.
  BurgersConfig c;
  c.nx = c.ny = 12;
  c.time = TimeGrid{0.0, 0.2, 20, 2};
  BurgersModel transport(PETSC_COMM_WORLD, c);
  c.re = 10;
  BurgersModel diffusive(PETSC_COMM_WORLD, c);
  CHECK(transport.transport_dominated());
  CHECK_FALSE(diffusive.transport_dominated());
  const SnapshotSet s = transport.simulate(false);
  Pod pod;
  pod.set_latent_dim(3);
  pod.fit(s);
  Autoencoder staged, plain;
  NeuralSettings ns = staged.settings();
  ns.latent_dim = 3;
  ns.hidden = {4};
  ns.train.epochs = 1;
  ns.pod_modes = 4;
  staged.set_settings(ns);
  staged.fit(s);
  ns.pod_modes = 0;  // the networks on the states: no stage to project LSPG's residual on
  plain.set_settings(ns);
  plain.fit(s);
  CHECK(LatentRom::resolve(RomKind::automatic, transport, pod) == RomKind::galerkin);
  CHECK(LatentRom::resolve(RomKind::automatic, transport, staged) == RomKind::lspg);
  CHECK(LatentRom::resolve(RomKind::automatic, transport, plain) == RomKind::manifold_galerkin);
  CHECK(LatentRom::resolve(RomKind::automatic, diffusive, staged) == RomKind::manifold_galerkin);
  // What a closure corrects stays a Galerkin ROM; an explicit kind is kept.
  CHECK(LatentRom::galerkin_kind(transport, staged) == RomKind::manifold_galerkin);
  CHECK(LatentRom::resolve(RomKind::manifold_galerkin, transport, staged) == RomKind::manifold_galerkin);
  HeatConfig h;
  h.nx = h.ny = 8;
  HeatModel heat(PETSC_COMM_WORLD, h);
  CHECK_FALSE(heat.transport_dominated());
}
