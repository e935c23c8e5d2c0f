// tests for src/reducers/sparse_autoencoder.cpp: the gradients of f and g against central
// finite differences (sigmoid and identity layers, any rank count), the decoder Jacobian
// likewise, ANAMO and Adam lowering the loss, codes' ℓ₁ norm falling as λ grows, and model
// files round-tripping bit for bit.
#include <petscsys.h>

#include <cmath>

#include "metarom/reducers/model_file.hpp"
#include "metarom/reducers/sparse_autoencoder.hpp"
#include "test_support.hpp"

using namespace metarom;
using metarom::test::distribute;
using metarom::test::ScratchDir;

namespace {
using Act = SparseAutoencoder::Activation;
Matrix data(Index n, Index N) {
  Matrix X = 0.5 * test::random_matrix(n, N, 13);
  return X.array() * 0.4 + 0.5;  // in (0, 1) mostly, as a sigmoid decoder can reach
}
}  // namespace

TEST_CASE("sparse-ae gradients match central differences", "[reducers][sparse-ae][mpi]") {
  const Index n = 12, N = 7;
  const SnapshotSet s = distribute(data(n, N), PETSC_COMM_WORLD);
  for (const Act a : {Act::sigmoid, Act::identity}) {
    for (const int l : {3, 16}) {  // under- and overcomplete
      INFO("activation " << to_string(a) << ", ℓ = " << l);
      SparseAutoencoder ae;
      ae.settings().latent_dim = l;
      ae.settings().encoder_activation = ae.settings().decoder_activation = a;
      ae.settings().seed = 3;
      ae.initialize(s.rows);
      Vector p = ae.parameters();
      p += 0.1 * test::random_matrix(p.size(), 1, 5 + s.rows.rank()).col(0);  // non-zero biases
      // The same perturbation on every rank for the replicated encoder bias.
      p.segment(Index(l) * s.rows.local(), l) = 0.1 * test::random_matrix(l, 1, 77).col(0);
      Vector gf, gg;
      ae.loss(p, s.X, &gf, &gg);
      // Central differences: error O(h²) ~ 1e-10 relative with h = 1e-5, round-off ~ ε/h.
      const double h = 1e-5;
      double worst_f = 0, worst_g = 0, scale_f = 0, scale_g = 0;
      // One rank's entries at a time (the loss sums over ranks); the replicated encoder bias
      // on every rank at once, in the first pass. Every rank takes the same number of steps.
      const Index be0 = Index(l) * s.rows.local(), be1 = be0 + l;
      const Index count = static_cast<Index>(allreduce_max(s.rows.comm, double(p.size())));
      for (int owner = 0; owner < s.rows.size(); ++owner) {
        for (Index i = 0; i < count; i += 3) {
          const bool replicated = i >= be0 && i < be1;
          const bool mine = i < p.size() && ((owner == s.rows.rank() && !replicated) || (owner == 0 && replicated));
          Vector pp = p, pm = p;
          if (mine) pp(i) += h, pm(i) -= h;
          const auto lp = ae.loss(pp, s.X), lm = ae.loss(pm, s.X);
          if (!mine) continue;
          worst_f = std::max(worst_f, std::abs((lp.f - lm.f) / (2 * h) - gf(i)));
          // g = mean‖h‖₁ is smooth where no code is zero (sigmoid codes are positive).
          if (a == Act::sigmoid) worst_g = std::max(worst_g, std::abs((lp.g - lm.g) / (2 * h) - gg(i)));
          scale_f = std::max(scale_f, std::abs(gf(i)));
          scale_g = std::max(scale_g, std::abs(gg(i)));
        }
      }
      CHECK(allreduce_max(s.rows.comm, worst_f) <= 1e-7 * std::max(1.0, scale_f));
      CHECK(allreduce_max(s.rows.comm, worst_g) <= 1e-7 * std::max(1.0, scale_g));
    }
  }
}

TEST_CASE("sparse-ae decoder Jacobian matches central differences", "[reducers][sparse-ae][mpi]") {
  const SnapshotSet s = distribute(data(10, 4), PETSC_COMM_WORLD);
  SparseAutoencoder ae;
  ae.settings().latent_dim = 4;
  ae.settings().decoder_activation = Act::sigmoid;
  ae.initialize(s.rows);
  const Vector u = Vector::LinSpaced(4, -0.5, 0.7);
  const Matrix J = ae.decoder_jacobian(u);
  for (Index k = 0; k < 4; ++k) {
    const double h = 1e-6;
    const Vector e = Vector::Unit(4, k) * h;
    const Vector fd = (ae.decode(u + e) - ae.decode(u - e)) / (2 * h);
    CHECK((fd - J.col(k)).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("sparse-ae training lowers the loss; the codes' l1 norm falls as lambda grows", "[reducers][sparse-ae]") {
  const SnapshotSet s = distribute(data(20, 30), MPI_COMM_SELF);
  for (const char* opt : {"anamo", "adam"}) {
    SparseAutoencoder ae;
    ae.settings().latent_dim = 6;
    ae.settings().lambda = 0.01;
    ae.settings().optimizer = opt;
    ae.settings().epochs = 50;
    ae.settings().learning_rate = 1e-2;
    ae.fit(s);
    INFO(opt);
    CHECK(ae.history().back() < 0.5 * ae.history().front());
  }
  double previous = INFINITY;
  for (const double lambda : {0.0, 0.1, 1.0}) {
    SparseAutoencoder ae;
    ae.settings().latent_dim = 6;
    ae.settings().lambda = lambda;
    ae.settings().epochs = 50;
    ae.fit(s);
    const double l1 = ae.encode(s.X).cwiseAbs().sum() / 30;
    INFO("λ = " << lambda << ": mean ‖E(x)‖₁ = " << l1);
    CHECK(l1 < previous);
    previous = l1;
  }
}

TEST_CASE("sparse-ae models round-trip through HDF5 bit for bit", "[reducers][sparse-ae][mpi]") {
  ScratchDir dir;
  const SnapshotSet s = distribute(data(15, 8), PETSC_COMM_WORLD);
  SparseAutoencoder ae;
  ae.settings().latent_dim = 20;
  ae.settings().encoder_activation = Act::sigmoid;
  ae.settings().epochs = 3;
  ae.fit(s);
  save_model(dir.path("sae.h5"), ae, s, "train.h5", 0.1);
  ModelFile m = load_model(dir.path("sae.h5"), PETSC_COMM_WORLD);
  auto* back = dynamic_cast<SparseAutoencoder*>(m.reducer.get());
  REQUIRE(back);
  CHECK((back->parameters() - ae.parameters()).norm() == 0.0);
  CHECK(back->history() == ae.history());
  CHECK(back->settings().encoder_activation == Act::sigmoid);
  CHECK((back->encode(s.X) - ae.encode(s.X)).norm() == 0.0);
}
