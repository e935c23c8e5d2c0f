// Reproduces Table 5.1 of Popov et al. (the meta-autoencoder paper): the canonical
// autoencoder (2.3) and the meta-autoencoder (3.16) on MNIST with the paper's settings
// (r = 5, one tanh hidden layer of h = 100, I = 4 Gauss–Newton steps, Adam), train and test
// MSE (3.20) and second-reconstruction MSE (5.2).
//   metarom import-mnist package -o mnist.h5
//   metarom_table51 -train mnist_train.h5 -test mnist_test.h5 [-ae_epochs 100 -ae_batch_size 100
//                   -ae_learning_rate 1e-3 -ae_seed 0 -ae_monitor]
// Settings are not tuned on the test set: the defaults are fixed before any run.
#include <fmt/format.h>
#include <petscsys.h>

#include <iostream>

#include "metarom/error.hpp"
#include "metarom/program.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/reducers/metrics.hpp"
#include "metarom/io/petsc_handle.hpp"

using namespace metarom;

namespace {

std::string option(const char* name, const char* fallback) {
  char buf[PETSC_MAX_PATH_LEN];
  PetscBool set = PETSC_FALSE;
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, name, buf, sizeof buf, &set));
  return set ? buf : fallback;
}

void run() {
  const std::string train_path = option("-train", "mnist_train.h5"), test_path = option("-test", "mnist_test.h5");
  const SnapshotSet train = read_snapshots(train_path, MPI_COMM_SELF);
  const SnapshotSet test = read_snapshots(test_path, MPI_COMM_SELF);
  NeuralSettings s;  // the paper's settings, then any -ae_* option
  s.latent_dim = 5;
  s.hidden = {100};
  s.train.epochs = 100;
  s.train.batch_size = 100;
  s.train.learning_rate = 1e-3;
  s.pod_modes = 0;  // the networks on the pixels

  Autoencoder ae;
  ae.set_settings(s);
  ae.set_from_options();
  s = ae.settings();
  std::cerr << fmt::format("training ae: {} images, {} epochs, batch {}, Adam lr {}\n", train.count(), s.train.epochs,
                           s.train.batch_size, s.train.learning_rate);
  ae.fit(train);
  MetaAutoencoder meta;
  meta.set_settings(s);
  // I = 4, and γ = 1e-3, the damping this program was checked with.
  GaussNewtonSettings inner = meta.training_solver(), encode = meta.encoding_solver();
  inner.iterations = 4;
  inner.damping = encode.damping = 1e-3;
  meta.set_training_solver(inner);
  meta.set_encoding_solver(encode);
  meta.set_latent_penalty(0);  // the paper's outer loss (3.20) alone
  std::cerr << "training meta-ae (I = 4 unrolled Gauss–Newton steps)\n";
  meta.fit(train);

  // The drift of repeated reconstructions is reported on the test set only.
  const ReconstructionMetrics a_tr = reconstruction_metrics(ae, train, 1), a_te = reconstruction_metrics(ae, test, 100);
  const ReconstructionMetrics m_tr = reconstruction_metrics(meta, train, 1),
                              m_te = reconstruction_metrics(meta, test, 100);
  // The paper's protocol: the encoder is I = 4 Gauss–Newton steps from θ₀ at test time too.
  meta.set_evaluation_iterations(4);
  const ReconstructionMetrics p_tr = reconstruction_metrics(meta, train, 1), p_te = reconstruction_metrics(meta, test, 100);
  meta.set_evaluation_iterations(0);
  std::string t = fmt::format(
      "Table 5.1 reproduction: MNIST {} train / {} test images, r = {}, h = {}, {} epochs, batch {}, Adam lr {}, "
      "seed {}\n\n",
      train.count(), test.count(), s.latent_dim, s.hidden.front(), s.train.epochs, s.train.batch_size, s.train.learning_rate,
      s.train.seed);
  t += "meta-AE (I = 4): encoded with the paper's protocol, 4 Gauss–Newton steps from θ₀; meta-AE (solved): the "
       "encoder's inner problem solved to convergence (metarom's default)\n\n";
  t += fmt::format("{:<40} {:>14} {:>16} {:>16} {:>10}\n", "", "canonical AE", "meta-AE (I = 4)", "meta-AE (solved)",
                   "I=4 / AE");
  auto row = [&](const char* name, double a, double p, double m) {
    t += fmt::format("{:<40} {:>14.4e} {:>16.4e} {:>16.4e} {:>10.4f}\n", name, a, p, m, p / a);
  };
  row("Training MSE", a_tr.mse, p_tr.mse, m_tr.mse);
  row("Testing MSE", a_te.mse, p_te.mse, m_te.mse);
  row("Training second reconstruction MSE", a_tr.sr_mse, p_tr.sr_mse, m_tr.sr_mse);
  row("Testing second reconstruction MSE", a_te.sr_mse, p_te.sr_mse, m_te.sr_mse);
  row("Testing drift of 100th reconstruction", a_te.drift, p_te.drift, m_te.drift);
  row("Testing right-inverse violation", a_te.right_inverse, p_te.right_inverse, m_te.right_inverse);
  row("  relative to |θ(x)|", a_te.right_inverse_rel, p_te.right_inverse_rel, m_te.right_inverse_rel);
  t += fmt::format("\nPaper (Table 5.1): testing MSE 2.9126e-02 vs 2.6416e-02 (meta/AE 0.907); testing SR MSE "
                   "1.3101e-03 vs 3.2502e-05 (meta/AE 0.0248)\n");
  t += fmt::format("Training time: ae {:.1f} s ({:.3f} s/epoch), meta-ae {:.1f} s ({:.3f} s/epoch), ratio {:.2f}\n",
                   ae.training().seconds, ae.training().seconds / s.train.epochs, meta.training().seconds,
                   meta.training().seconds / s.train.epochs, meta.training().seconds / ae.training().seconds);
  std::cout << t;
}

}  // namespace

int main(int argc, char** argv) { return metarom::run_program(argc, argv, "metarom_table51", run); }
