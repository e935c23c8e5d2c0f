// Autoencoder training benchmark (not a test). Same architecture, batch and precision as
// the PyTorch baseline apps/bench_autoencoder.py, which it runs in the same process tree:
// canonical autoencoder 784-100-5 (tanh), float64, one thread, Adam, batch 100, 8,000
// random samples. Prints samples per second of both and their ratio, and the cost of one
// meta-autoencoder epoch relative to a canonical one: with I = 4 unrolled Gauss–Newton
// steps, and with the implicit gradient (inner problem regularized by β).
//   metarom_bench_autoencoder [-bench_epochs 3] [-bench_python /usr/bin/python3] [-bench_latent_penalty 1e-3]
#include <fmt/format.h>
#include <petscsys.h>

#include <cstdio>
#include <iostream>
#include <random>

#include "metarom/error.hpp"
#include "program.hpp"
#include "metarom/reducers/meta_autoencoder.hpp"
#include "metarom/io/petsc_handle.hpp"

using namespace metarom;

namespace {

// Best seconds per epoch over `epochs` timed epochs (after one warm-up epoch).
template <class R>
double seconds_per_epoch(R& reducer, const SnapshotSet& data, int epochs) {
  double best = 1e300;
  for (int e = 0; e <= epochs; ++e) {
    auto reducer_settings = reducer.settings();
    reducer_settings.train.epochs = 1;
    reducer_settings.train.seed = static_cast<unsigned long long>(e);
    reducer.set_settings(reducer_settings);
    reducer.fit(data);
    if (e > 0) best = std::min(best, reducer.training().seconds);
  }
  return best;
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  return status == 0 ? out : std::string();
}

double json_number(const std::string& text, const std::string& key) {
  const auto at = text.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size() + 3));
}

void run() {
  PetscInt epochs = 3;
  // Debian's interpreter, where python3-torch installs, unless told otherwise.
  char python[PETSC_MAX_PATH_LEN];
  std::snprintf(python, sizeof python, "%s", apps::system_python().c_str());
  METAROM_PETSC(PetscOptionsGetInt(nullptr, nullptr, "-bench_epochs", &epochs, nullptr));
  METAROM_PETSC(PetscOptionsGetString(nullptr, nullptr, "-bench_python", python, sizeof python, nullptr));
  PetscReal latent_penalty = 1e-3;  // β of the implicit meta-AE's regularized inner problem
  METAROM_PETSC(PetscOptionsGetReal(nullptr, nullptr, "-bench_latent_penalty", &latent_penalty, nullptr));
  const int n = 784, N = 8000;
  SnapshotSet data;
  data.rows = RowPartition::serial(n);
  data.X.resize(n, N);
  std::mt19937_64 gen(0);
  std::uniform_real_distribution<double> u(0, 1);
  for (Index j = 0; j < N; ++j)
    for (Index i = 0; i < n; ++i) data.X(i, j) = u(gen);
  data.t = Vector::LinSpaced(N, 0, N - 1);

  NeuralSettings s;
  s.latent_dim = 5;
  s.hidden = {100};
  s.train.batch_size = 100;
  s.train.learning_rate = 1e-3;
  s.pod_modes = 0;  // 784-100-5 on the pixels
  Autoencoder ae;
  ae.set_settings(s);
  const double ae_epoch = seconds_per_epoch(ae, data, static_cast<int>(epochs));
  MetaAutoencoder meta;
  meta.set_settings(s);
  meta.set_latent_penalty(0);  // the paper's outer loss
  const double meta_epoch = seconds_per_epoch(meta, data, static_cast<int>(epochs));
  // The envelope gradient: the inner problem solved to convergence (Newton–Levenberg–
  // Marquardt) at every batch, no unrolled adjoint.
  MetaAutoencoder implicit;
  implicit.set_settings(s);
  implicit.set_gradient(MetaAutoencoder::Gradient::implicit);
  implicit.set_latent_penalty(latent_penalty);
  const double implicit_epoch = seconds_per_epoch(implicit, data, static_cast<int>(epochs));

  std::string out = fmt::format("Autoencoder training, 784-100-5 (tanh), float64, 1 thread, Adam, batch 100, {} samples\n",
                                N);
  out += fmt::format("  metarom canonical AE   {:8.3f} s/epoch  {:9.0f} samples/s\n", ae_epoch, N / ae_epoch);
  out += fmt::format("  metarom meta-AE (I=4)  {:8.3f} s/epoch  {:9.0f} samples/s  = {:.2f}x a canonical epoch\n",
                     meta_epoch, N / meta_epoch, meta_epoch / ae_epoch);
  out += fmt::format("  metarom meta-AE (implicit, β = {:g})  {:8.3f} s/epoch  {:9.0f} samples/s  = {:.2f}x a canonical "
                     "epoch (implicit)\n",
                     latent_penalty, implicit_epoch, N / implicit_epoch, implicit_epoch / ae_epoch);
  const std::string script = apps::program_data_file("bench_autoencoder.py").string();
  const std::string torch =
      run_command(fmt::format("OMP_NUM_THREADS=1 {} {} --epochs {} 2>/dev/null", python, script, epochs));
  const double torch_epoch = json_number(torch, "seconds_per_epoch");
  if (torch_epoch > 0) {
    out += fmt::format("  PyTorch canonical AE   {:8.3f} s/epoch  {:9.0f} samples/s  (torch {})\n", torch_epoch,
                       N / torch_epoch, torch.substr(torch.find("\"torch\"") + 10, 8));
    out += fmt::format("  throughput ratio metarom / PyTorch: {:.2f}x\n", torch_epoch / ae_epoch);
  } else {
    out += "  PyTorch baseline not run: install Debian's python3-torch (apt-get install python3-torch)\n";
  }
  std::cout << out;
}

}  // namespace

int main(int argc, char** argv) { return metarom::run_program(argc, argv, "metarom_bench_autoencoder", run); }
