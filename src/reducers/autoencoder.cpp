#include "metarom/reducers/autoencoder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/optim/tao_trainer.hpp"

namespace metarom {

namespace {
PetscErrorCode neural_options(const char* prefix, NeuralSettings* s) {
  PetscInt epochs = s->train.epochs, batch = s->train.batch_size, steps = s->train_steps;
  PetscInt seed = static_cast<PetscInt>(s->train.seed);
  PetscReal lr = s->train.learning_rate;
  PetscBool monitor = s->train.progress ? PETSC_TRUE : PETSC_FALSE, set;
  char file[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, prefix, "Neural reducers (ae, ri-ae, meta-ae, ae-corrected)", "Reducer");
  PetscInt widths[16], count = 16;
  for (size_t k = 0; k < s->hidden.size() && k < 16; ++k) widths[k] = s->hidden[k];
  PetscCall(PetscOptionsIntArray("-ae_hidden",
                                 "Hidden layer widths (comma separated; the decoder mirrors them; 0: no hidden layer)",
                                 "Reducer", widths, &count, &set));
  if (set && count == 0) s->hidden = {-1};  // given without a value: refused in set_from_options
  else if (set && count == 1 && widths[0] == 0) s->hidden.clear();  // networks without a hidden layer, asked for
  else if (set) s->hidden.assign(widths, widths + count);
  PetscCall(PetscOptionsInt("-ae_epochs", "Training epochs (-1: from -ae_steps)", "Reducer", epochs, &epochs, nullptr));
  PetscCall(PetscOptionsInt("-ae_steps", "Training budget in Adam steps when -ae_epochs is not given", "Reducer", steps,
                            &steps, nullptr));
  PetscCall(PetscOptionsInt("-ae_batch_size", "Mini-batch size", "Reducer", batch, &batch, nullptr));
  PetscCall(PetscOptionsReal("-ae_learning_rate", "Adam learning rate", "Reducer", lr, &lr, nullptr));
  PetscCall(PetscOptionsInt("-ae_seed", "Seed of the initial weights and the shuffling", "Reducer", seed, &seed,
                            nullptr));
  PetscCall(PetscOptionsString("-ae_checkpoint", "Checkpoint file: written every epoch, resumed from if present",
                               "Reducer", s->train.checkpoint.c_str(), file, sizeof file, &set));
  if (set) s->train.checkpoint = file;
  PetscCall(PetscOptionsBool("-ae_monitor", "Print the loss of every epoch", "Reducer", monitor, &monitor, nullptr));
  char opt[32];
  PetscCall(PetscOptionsString("-ae_optimizer", "adam (mini-batch) or tao (full batch, -tao_type lmvm ...)", "Reducer",
                               s->optimizer.c_str(), opt, sizeof opt, &set));
  if (set) s->optimizer = opt;
  PetscBool normalize = s->normalize ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscOptionsBool("-ae_normalize", "Train on states shifted by their mean and scaled to unit RMS",
                             "Reducer", normalize, &normalize, nullptr));
  s->normalize = normalize;
  PetscInt pod_modes = s->pod_modes;
  PetscCall(PetscOptionsInt("-ae_pod_modes",
                            "K > 0: networks act on the K leading POD coordinates of the centered states (0: on the "
                            "states; -1: K = max(32, 2r), at most N - 1)",
                            "Reducer", pod_modes, &pod_modes, nullptr));
  s->pod_modes = static_cast<int>(pod_modes);
  PetscCall(PetscOptionsString("-ae_activation", "Hidden-layer activation: tanh or identity (linear networks)",
                               "Reducer", s->activation == Mlp::Activation::tanh ? "tanh" : "identity", opt,
                               sizeof opt, &set));
  if (set) {
    if (std::string(opt) == "tanh") s->activation = Mlp::Activation::tanh;
    else if (std::string(opt) == "identity") s->activation = Mlp::Activation::identity;
    else SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-ae_activation must be tanh or identity, got %s", opt);
  }
  PetscOptionsEnd();
  s->train.epochs = static_cast<int>(epochs);
  s->train_steps = static_cast<int>(steps);
  s->train.batch_size = static_cast<int>(batch);
  s->train.learning_rate = lr;
  s->train.seed = static_cast<unsigned long long>(seed);
  s->train.progress = monitor;
  PetscFunctionReturn(0);
}

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

void NeuralSettings::set_from_options(const std::string& prefix) {
  METAROM_PETSC(neural_options(prefix.empty() ? nullptr : prefix.c_str(), this));
  if (latent_dim < 1) throw Error("neural reducer: -reducer_latent_dim must be >= 1");
  if (hidden.size() == 1 && hidden[0] == -1)
    throw Error("neural reducer: -ae_hidden was given no widths (give widths such as 100 or 64,32, or 0 for "
                "networks without a hidden layer)");
  for (int h : hidden)
    if (h < 1) throw Error("neural reducer: -ae_hidden widths must be >= 1 (or the single value 0: no hidden layer)");
  if (pod_modes < automatic) throw Error("neural reducer: -ae_pod_modes must be >= 0 (or -1: automatic)");
  if (train.epochs < automatic) throw Error("neural reducer: -ae_epochs must be >= 0 (or -1: from -ae_steps)");
  if (train_steps < 1) throw Error("neural reducer: -ae_steps must be >= 1");
  if (train.batch_size < 1) throw Error("neural reducer: -ae_batch_size must be >= 1");
  if (optimizer != "adam" && optimizer != "tao")
    throw Error("neural reducer: -ae_optimizer must be adam or tao, got '" + optimizer + "'");
}

void NeuralSettings::resolve(Index samples) {
  if (pod_modes == automatic)
    pod_modes = static_cast<int>(std::min<Index>(std::max(32, 2 * latent_dim), std::max<Index>(samples - 1, 1)));
  if (train.epochs == automatic) {
    const Index batches = (samples + std::max(train.batch_size, 1) - 1) / std::max(train.batch_size, 1);
    train.epochs = optimizer == "tao" ? 1000 : static_cast<int>(std::max<Index>(1, (train_steps + batches - 1) / batches));
  }
}

std::vector<int> NeuralSettings::encoder_widths(int n) const {
  std::vector<int> w{n};
  w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(latent_dim);
  return w;
}

std::vector<int> NeuralSettings::decoder_widths(int n) const {
  std::vector<int> w{latent_dim};
  w.insert(w.end(), hidden.rbegin(), hidden.rend());
  w.push_back(n);
  return w;
}

TrainResult train_parameters(Vector& params, Index samples, const BatchLoss& loss_grad, const NeuralSettings& s,
                             const std::string& what) {
  if (s.optimizer == "tao")
    return train_tao(params, samples, loss_grad, s.train.batch_size, s.train.epochs, s.train.progress, what);
  return train_adam(params, samples, loss_grad, s.train, what);
}

Matrix gather_columns(const Matrix& X, const std::vector<Index>& idx) {
  Matrix out(X.rows(), static_cast<Index>(idx.size()));
  for (size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Index>(k)) = X.col(idx[k]);
  return out;
}

void require_serial(const RowPartition& rows, const std::string& what) {
  if (rows.distributed())
    throw Error(what + ": runs on one rank only for now (the states are distributed over " +
                std::to_string(rows.size()) + " ranks)");
}

NetworkLayout network_layout(const Normalization& norm, const RowPartition& state_rows) {
  const bool split = norm.splits_networks();
  return {norm.network_rows(state_rows), split ? Mlp::Split::input : Mlp::Split::none,
          split ? Mlp::Split::output : Mlp::Split::none};
}

void build_networks(const NeuralSettings& s, const Normalization& norm, const RowPartition& rows, Mlp& first,
                    Mlp& decoder) {
  const NetworkLayout net = network_layout(norm, rows);
  const int width = static_cast<int>(net.rows.global);
  first = Mlp(s.encoder_widths(width), s.activation, net.first, net.rows);
  decoder = Mlp(s.decoder_widths(width), s.activation, net.decoder, net.rows);
  first.initialize(s.train.seed * 2 + 1);
  decoder.initialize(s.train.seed * 2 + 2);
}

void Autoencoder::initialize(const RowPartition& rows) {
  build_networks(settings_, norm_, rows, encoder_, decoder_);
  rows_ = rows;
  net_rows_ = norm_.network_rows(rows);
}

Vector pack_parameters(const Mlp& first, const Mlp& decoder) {
  Vector p(first.parameters().size() + decoder.parameters().size());
  p << first.parameters(), decoder.parameters();
  return p;
}

void unpack_parameters(const Vector& p, Mlp& first, Mlp& decoder) {
  first.parameters() = p.head(first.parameters().size());
  decoder.parameters() = p.tail(decoder.parameters().size());
}

void save_networks(h5::Group& g, const char* first_name, const Mlp& first, const Mlp& decoder, const TrainResult& r) {
  if (!r.epoch_loss.empty()) {
    Attributes a;
    a.set("best_epoch", r.best_epoch + 1);
    a.set("best_loss", r.best_loss);
    a.set("train_seconds", r.seconds);
    g.write_attributes(a);
  }
  h5::Group e = g.create_group(first_name);
  first.save(e);
  h5::Group d = g.create_group("decoder");
  decoder.save(d);
}

void load_networks(const h5::Group& g, const char* first_name, const Normalization& norm, const RowPartition& rows,
                   Mlp& first, Mlp& decoder) {
  const NetworkLayout net = network_layout(norm, rows);
  first = Mlp::load(g.open_group(first_name), net.first, net.rows);
  decoder = Mlp::load(g.open_group("decoder"), net.decoder, net.rows);
  if (decoder.output_dim() != net.rows.global || first.input_dim() != net.rows.global)
    throw Error(fmt::format("{}: networks for {} {}, expected {}", g.where(), decoder.output_dim(),
                            norm.splits_networks() ? "state values" : "POD coordinates", net.rows.global));
}

Vector Autoencoder::parameters() const { return pack_parameters(encoder_, decoder_); }

void Autoencoder::set_parameters(const Vector& p) { unpack_parameters(p, encoder_, decoder_); }

double Autoencoder::batch_loss(const Matrix& X, Vector& grad) const {
  Mlp::Tape te, td;
  const Matrix U = encoder_.forward(X, te);
  const Matrix R = decoder_.forward(U, td) - X;
  const double scale = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  Vector ge = Vector::Zero(encoder_.parameters().size()), gd = Vector::Zero(decoder_.parameters().size());
  const Matrix dU = decoder_.backward(td, 2 * scale * R, gd);
  encoder_.backward(te, dU, ge, false);
  grad.resize(ge.size() + gd.size());
  grad << ge, gd;
  return scale * allreduce_sum(net_rows_.comm, R.squaredNorm());
}

void Autoencoder::fit(const SnapshotSet& train) {
  train.validate(type() + " fit");
  if (settings_.optimizer == "tao") require_serial(train.rows, type() + " with -ae_optimizer tao");
  settings_.resolve(train.count());
  norm_ = settings_.normalization_for(train);
  initialize(train.rows);
  result_ = train_reducer(*this, norm_.apply(train.X), settings_);
}

void Autoencoder::save(h5::Group& g) const {
  Attributes a;
  a.set("latent_dim", latent_dim());
  a.set("hidden", std::vector<long long>(settings_.hidden.begin(), settings_.hidden.end()));
  a.set("epochs", settings_.train.epochs);
  a.set("batch_size", settings_.train.batch_size);
  a.set("learning_rate", settings_.train.learning_rate);
  a.set("seed", static_cast<long long>(settings_.train.seed));
  g.write_attributes(a);
  norm_.save(g, rows_);
  save_networks(g, "encoder", encoder_, decoder_, result_);
}

void Autoencoder::load(const h5::Group& g, const RowPartition& rows) {
  norm_.load(g, rows);
  load_networks(g, "encoder", norm_, rows, encoder_, decoder_);
  net_rows_ = norm_.network_rows(rows);
  const Attributes a = g.read_attributes();
  settings_.latent_dim = decoder_.input_dim();
  const auto hidden = a.get_ints("hidden", g.where());
  settings_.hidden.assign(hidden.begin(), hidden.end());
  rows_ = rows;
}

void Autoencoder::view(std::ostream& os) const {
  os << fmt::format("{}: r = {}, encoder {}, decoder {} (tanh hidden layers)\n", type(), latent_dim(),
                    fmt::join(encoder_.widths(), "-"), fmt::join(decoder_.widths(), "-"));
  if (!result_.epoch_loss.empty())
    os << fmt::format("  trained {} epochs in {:.1f} s; best mean batch loss {:.6e} (epoch {})\n",
                      result_.epoch_loss.size(), result_.seconds, result_.best_loss, result_.best_epoch + 1);
}

void RightInvertibleAutoencoder::read_options(const std::string& prefix) {
  Autoencoder::read_options(prefix);
  METAROM_PETSC(ri_options(prefix.empty() ? nullptr : prefix.c_str(), &lambda_));
  if (lambda_ < 0) throw Error("ri-ae: -ri_lambda must be >= 0");
}

// (4.2): L = ‖φ(θ(x)) − x‖²/(nB) + λ‖θ(φ(θ(x))) − θ(x)‖²/(rB), back-propagated through
// both applications of θ.
double RightInvertibleAutoencoder::batch_loss(const Matrix& X, Vector& grad) const {
  Mlp::Tape te, td, te2;
  const Matrix Z = encoder_.forward(X, te);
  const Matrix Y = decoder_.forward(Z, td);
  const Matrix Z2 = encoder_.forward(Y, te2);
  const Matrix R = Y - X, D = Z2 - Z;
  const double sn = 1.0 / (static_cast<double>(net_rows_.global) * X.cols());
  const double sr = lambda_ / (static_cast<double>(Z.rows()) * X.cols());
  Vector ge = Vector::Zero(encoder_.parameters().size()), gd = Vector::Zero(decoder_.parameters().size());
  const Matrix dY = encoder_.backward(te2, 2 * sr * D, ge) + 2 * sn * R;
  const Matrix dZ = decoder_.backward(td, dY, gd) - 2 * sr * D;
  encoder_.backward(te, dZ, ge, false);
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
