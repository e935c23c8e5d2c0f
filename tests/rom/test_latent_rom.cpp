// tests for src/rom/latent_rom.cpp: the ROM kinds and their names come from one table.
#include <petscsys.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>

#include "metarom/reducers/autoencoder.hpp"
#include "metarom/error.hpp"
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
                                                              {RomKind::learned, "learned"}};
  CHECK(rom_kind_names().size() == expected.size());
  for (const auto& [kind, name] : expected) {
    CHECK(rom_kind_name(kind) == name);
    CHECK(rom_kind_from_name(name) == kind);
  }
  test::require_error([] { rom_kind_from_name("galerkn"); }, {"auto, galerkin, manifold-galerkin, lspg, learned", "galerkn"});
}
