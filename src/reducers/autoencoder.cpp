#include "metarom/reducers/autoencoder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

namespace {
PetscErrorCode ri_options(const char* prefix, double* lambda) {
  PetscReal l = *lambda;
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Right-invertible autoencoder", "Reducer");
  PetscCall(PetscOptionsReal("-ri_lambda", "Weight of the right-inverse term (4.2)", "Reducer", l, &l, nullptr));
  PetscOptionsEnd();
  *lambda = l;
  PetscFunctionReturn(0);
}
}  // namespace

double Autoencoder::batch_loss(const Matrix& X, Vector& grad) const {
  Mlp::Tape te, td;
  const Matrix U = first_.forward(X, te);
  const Matrix R = decoder_.forward(U, td) - X;
  const double scale = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  Vector ge = Vector::Zero(first_.parameters().size()), gd = Vector::Zero(decoder_.parameters().size());
  const Matrix dU = decoder_.backward(td, 2 * scale * R, gd);
  first_.backward(te, dU, ge, false);
  grad.resize(ge.size() + gd.size());
  grad << ge, gd;
  return scale * allreduce_sum(net_rows_.comm, R.squaredNorm());
}

void Autoencoder::fit(const SnapshotView& train) { result_ = this->train(prepare_fit(train)); }

void Autoencoder::save(h5::Group& g) const {
  Attributes a;
  a.set("latent_dim", latent_dim());
  a.set("hidden", std::vector<long long>(settings_.hidden.begin(), settings_.hidden.end()));
  a.set("epochs", settings_.train.epochs);
  a.set("batch_size", settings_.train.batch_size);
  a.set("learning_rate", settings_.train.learning_rate);
  a.set("seed", static_cast<long long>(settings_.train.seed));
  g.write_attributes(a);
  save_networks(g);
}

void Autoencoder::load(const h5::Group& g, const RowPartition& rows) {
  load_networks(g, rows);
  const auto hidden = g.read_attributes().get_ints("hidden", g.where());
  settings_.hidden.assign(hidden.begin(), hidden.end());
}

void Autoencoder::view(std::ostream& os) const {
  os << fmt::format("{}: r = {}, encoder {}, decoder {} (tanh hidden layers)\n", type(), latent_dim(),
                    fmt::join(first_.widths(), "-"), fmt::join(decoder_.widths(), "-"));
  view_training(os);
}

void RightInvertibleAutoencoder::read_options(const std::string& prefix) {
  Autoencoder::read_options(prefix);
  METAROM_PETSC(ri_options(petsc_prefix(prefix), &lambda_));
  if (lambda_ < 0) throw Error("ri-ae: -ri_lambda must be >= 0");
}

// (4.2): L = ‖φ(θ(x)) − x‖²/(nB) + λ‖θ(φ(θ(x))) − θ(x)‖²/(rB), back-propagated through
// both applications of θ.
double RightInvertibleAutoencoder::batch_loss(const Matrix& X, Vector& grad) const {
  Mlp::Tape te, td, te2;
  const Matrix Z = first_.forward(X, te);
  const Matrix Y = decoder_.forward(Z, td);
  const Matrix Z2 = first_.forward(Y, te2);
  const Matrix R = Y - X, D = Z2 - Z;
  const double sn = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  const double sr = lambda_ / (static_cast<double>(Z.rows()) * X.cols());
  Vector ge = Vector::Zero(first_.parameters().size()), gd = Vector::Zero(decoder_.parameters().size());
  const Matrix dY = first_.backward(te2, 2 * sr * D, ge) + 2 * sn * R;
  const Matrix dZ = decoder_.backward(td, dY, gd) - 2 * sr * D;
  first_.backward(te, dZ, ge, false);
  grad.resize(ge.size() + gd.size());
  grad << ge, gd;
  return sn * allreduce_sum(net_rows_.comm, R.squaredNorm()) + sr * D.squaredNorm();
}

void RightInvertibleAutoencoder::save(h5::Group& g) const {
  Autoencoder::save(g);
  Attributes a;
  a.set("lambda", lambda_);
  g.write_attributes(a);
}

void RightInvertibleAutoencoder::load(const h5::Group& g, const RowPartition& rows) {
  Autoencoder::load(g, rows);
  lambda_ = g.read_attributes().get_double("lambda", g.where());
}

}  // namespace metarom
