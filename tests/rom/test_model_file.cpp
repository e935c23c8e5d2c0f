// tests for src/rom/model_file.cpp (and the reducer part, src/reducers/reducer_file.cpp): a POD model file read back bit for bit with what
// it was fitted on, a state size that does not match refused, an unknown reducer type
// named. (Neural reducers' and learned dynamics' round trips are tested with them.)
#include <petscsys.h>

#include "metarom/rom/model_file.hpp"
#include "metarom/reducers/pod.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::require_error;
using metarom::test::ScratchDir;
using metarom::test::distribute;

TEST_CASE("POD models round-trip through HDF5 bit for bit", "[reducers][pod][mpi]") {
  ScratchDir dir;
  Vector sigma(5);
  sigma << 4, 3, 2, 1, 0.5;
  const SnapshotSet s = distribute(test::matrix_with_singular_values(77, 12, sigma, 2), PETSC_COMM_WORLD);
  Pod pod;
  auto pod_settings = pod.settings();
  pod_settings.center = true;
  pod_settings.energy = 0.95;
  pod.set_settings(pod_settings);
  pod.fit(s);
  save_model(dir.path("pod.h5"), pod, s, "train.h5", 0.5);
  ModelFile m = load_model(dir.path("pod.h5"), PETSC_COMM_WORLD);
  auto* back = dynamic_cast<Pod*>(m.reducer.get());
  REQUIRE(back);
  CHECK(back->latent_dim() == pod.latent_dim());
  CHECK((back->basis() - pod.basis()).norm() == 0.0);
  CHECK((back->mean() - pod.mean()).norm() == 0.0);
  CHECK((back->singular_values() - pod.singular_values()).norm() == 0.0);
  CHECK(m.training.n == 77);
  CHECK(m.training.count == 12);
  CHECK(m.training.file == "train.h5");
  require_error([&] { load_model(dir.path("pod.h5"), PETSC_COMM_WORLD, [](const ModelFile&) {
                  return RowPartition::serial(78);
                }); },
                {"states of size 77", "78"});
  require_error([] { create_reducer("no-such"); }, {"unknown reducer type 'no-such'", "pod"});
}
