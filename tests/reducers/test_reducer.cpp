// tests for src/reducers/reducer.cpp: each reducer reads its options under its own prefix
// (PETSc's XSetFromOptions pattern), so two reducers in one program keep separate
// settings; the latent dimension has one owner, the Reducer.
#include <petscsys.h>

#include "metarom/reducers/autoencoder.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/pod.hpp"
#include "test_support.hpp"

using namespace metarom;
using test::ScopedOptions;

TEST_CASE("two reducers with different prefixes read their own options", "[reducers][options]") {
  const ScopedOptions opts{{"-coarse_reducer_latent_dim", "3"},
                            {"-coarse_pod_energy", "0.5"},
                            {"-fine_reducer_latent_dim", "12"},
                            {"-fine_pod_center", "1"},
                            {"-reducer_latent_dim", "7"}};
  Pod coarse, fine, plain;
  coarse.set_from_options("coarse_");
  fine.set_from_options("fine_");
  plain.set_from_options();
  CHECK(coarse.options_prefix() == "coarse_");
  CHECK(coarse.settings().latent_dim == 3);
  CHECK(coarse.settings().energy == 0.5);
  CHECK_FALSE(coarse.settings().center);
  CHECK(fine.settings().latent_dim == 12);
  CHECK(fine.settings().energy == Pod::Settings{}.energy);  // untouched: its prefix sets none
  CHECK(fine.settings().center);
  CHECK(plain.settings().latent_dim == 7);  // the unprefixed option is the unprefixed reducer's
  CHECK_FALSE(plain.settings().center);
}

TEST_CASE("neural reducers under prefixes: latent dimension, network and meta settings", "[reducers][options]") {
  const ScopedOptions opts{{"-enc_reducer_latent_dim", "4"},
                            {"-enc_ae_hidden", "16,8"},
                            {"-enc_ri_lambda", "0.25"},
                            {"-meta_reducer_latent_dim", "6"},
                            {"-meta_ae_batch_size", "7"},
                            {"-meta_meta_gn_iterations", "2"}};
  RightInvertibleAutoencoder ri;
  MetaAutoencoder meta;
  ri.set_from_options("enc_");
  meta.set_from_options("meta_");
  CHECK(ri.settings().latent_dim == 4);
  CHECK(ri.settings().hidden == std::vector<int>{16, 8});
  CHECK(ri.lambda() == 0.25);
  CHECK(ri.settings().train.batch_size == NeuralSettings{}.train.batch_size);
  CHECK(meta.settings().latent_dim == 6);
  CHECK(meta.settings().hidden == NeuralSettings{}.hidden);
  CHECK(meta.settings().train.batch_size == 7);
  CHECK(meta.training_solver().iterations == 2);
  // A prefixed value that breaks a rule is refused with the option's name.
  const ScopedOptions bad{{"-bad_reducer_latent_dim", "0"}};
  Autoencoder ae;
  test::require_error([&] { ae.set_from_options("bad_"); }, {"-reducer_latent_dim", ">= 1"});
}

TEST_CASE("reducer kinds and their names come from one table", "[reducers][registry]") {
  // Every name the command line and model files use (data/FORMAT.md's reducer types).
  const std::vector<std::pair<ReducerKind, std::string>> expected{
      {ReducerKind::pod, "pod"},       {ReducerKind::linear_ae, "linear-ae"}, {ReducerKind::sparse_ae, "sparse-ae"},
      {ReducerKind::ae, "ae"},         {ReducerKind::ri_ae, "ri-ae"},         {ReducerKind::meta_ae, "meta-ae"},
      {ReducerKind::ae_corrected, "ae-corrected"}};
  CHECK(reducer_types().size() >= expected.size());
  for (const auto& [kind, name] : expected) {
    INFO(name);
    CHECK(reducer_kind_name(kind) == name);
    CHECK(reducer_kind_from_name(name) == kind);
    const auto r = create_reducer(name);
    CHECK(r->kind() == kind);
    CHECK(r->type() == name);
  }
  // Only POD and the linear autoencoder choose r by energy (-r 0).
  CHECK(create_reducer("pod")->chooses_latent_dim_by_energy());
  CHECK(create_reducer("linear-ae")->chooses_latent_dim_by_energy());
  CHECK_FALSE(create_reducer("meta-ae")->chooses_latent_dim_by_energy());
  CHECK(reducer_kind_from_name("no-such") == ReducerKind::custom);
  test::require_error([] { reducer_kind_name(ReducerKind::custom); }, {"custom reducer"});
  // A program's own type: registered by name, custom kind, its own type name.
  struct Renamed : Pod {
    ReducerKind kind() const override { return ReducerKind::custom; }
    std::string type() const override { return "test-renamed-pod"; }
  };
  register_reducer("test-renamed-pod", [] { return std::make_unique<Renamed>(); });
  const auto custom = create_reducer("test-renamed-pod");
  CHECK(custom->kind() == ReducerKind::custom);
  CHECK(custom->type() == "test-renamed-pod");
}
