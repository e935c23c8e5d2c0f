#include "metarom/reducers/neural_reducer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <petscsys.h>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/optim/adam.hpp"
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

}  // namespace

void NeuralSettings::set_from_options(const std::string& prefix) {
  METAROM_PETSC(neural_options(petsc_prefix(prefix), this));
  check();
}

void NeuralSettings::check() const {
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

Matrix NeuralReducer::batch_columns(const Matrix& X, const std::vector<Index>& idx) {
  Matrix out(X.rows(), static_cast<Index>(idx.size()));
  for (size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Index>(k)) = X.col(idx[k]);
  return out;
}

NeuralReducer::Layout NeuralReducer::layout(const RowPartition& state_rows) const {
  const bool split = norm_.splits_networks();
  return {norm_.network_rows(state_rows), split ? Mlp::Split::input : Mlp::Split::none,
          split ? Mlp::Split::output : Mlp::Split::none};
}

void NeuralReducer::initialize(const RowPartition& rows) {
  check_architecture();
  const Layout net = layout(rows);
  const int width = static_cast<int>(net.rows.global);
  first_ = Mlp(settings_.encoder_widths(width), settings_.activation, net.first, net.rows);
  decoder_ = Mlp(settings_.decoder_widths(width), settings_.activation, net.decoder, net.rows);
  first_.initialize(settings_.train.seed * 2 + 1);
  decoder_.initialize(settings_.train.seed * 2 + 2);
  rows_ = rows;
  net_rows_ = net.rows;
}

Vector NeuralReducer::parameters() const {
  Vector p(first_.parameters().size() + decoder_.parameters().size());
  p << first_.parameters(), decoder_.parameters();
  return p;
}

void NeuralReducer::set_parameters(const Vector& p) {
  if (p.size() != first_.parameters().size() + decoder_.parameters().size())
    throw Error(fmt::format("{}: {} parameters given, the networks have {}", type(), p.size(),
                            first_.parameters().size() + decoder_.parameters().size()));
  first_.set_parameters(p.head(first_.parameters().size()));
  decoder_.set_parameters(p.tail(decoder_.parameters().size()));
}

ParameterLayout NeuralReducer::parameter_layout(const Mlp& net) const { return {rows_.comm, net.distributed_parameters()}; }

ParameterLayout NeuralReducer::parameter_layout() const {
  ParameterLayout p = parameter_layout(first_);
  const std::vector<bool> d = decoder_.distributed_parameters();
  p.distributed.insert(p.distributed.end(), d.begin(), d.end());
  return p;
}

Matrix NeuralReducer::prepare_fit(const SnapshotView& train) {
  train.validate(type() + " fit");
  settings_.resolve(train.count());
  norm_ = settings_.normalization_for(train);
  initialize(train.rows);
  return norm_.apply(train.X);
}

TrainResult NeuralReducer::train(const Matrix& X) {
  const BatchLoss loss = [&](const std::vector<Index>& batch, const Vector& params, Vector& grad) {
    set_parameters(params);
    return batch_loss(batch_columns(X, batch), grad);
  };
  Vector p = parameters();
  const TrainSettings& t = settings_.train;
  TrainResult r = settings_.optimizer == "tao"
                      ? train_tao(p, parameter_layout(), X.cols(), loss, t.batch_size, t.epochs, t.progress, type())
                      : train_adam(p, X.cols(), loss, t, type());
  set_parameters(p);
  return r;
}

void NeuralReducer::save_networks(h5::Group& g) const {
  norm_.save(g, rows_);
  if (!result_.epoch_loss.empty()) {
    Attributes a;
    a.set("best_epoch", result_.best_epoch + 1);
    a.set("best_loss", result_.best_loss);
    a.set("train_seconds", result_.seconds);
    g.write_attributes(a);
  }
  h5::Group e = g.create_group(first_name_);
  first_.save(e);
  h5::Group d = g.create_group("decoder");
  decoder_.save(d);
}

void NeuralReducer::load_networks(const h5::Group& g, const RowPartition& rows) {
  norm_.load(g, rows);
  const Layout net = layout(rows);
  first_ = Mlp::load(g.open_group(first_name_), net.first, net.rows);
  decoder_ = Mlp::load(g.open_group("decoder"), net.decoder, net.rows);
  if (decoder_.output_dim() != net.rows.global || first_.input_dim() != net.rows.global)
    throw Error(fmt::format("{}: networks for {} {}, expected {}", g.where(), decoder_.output_dim(),
                            norm_.splits_networks() ? "state values" : "POD coordinates", net.rows.global));
  net_rows_ = net.rows;
  rows_ = rows;
  settings_.latent_dim = decoder_.input_dim();
}

std::string NeuralReducer::settings_summary() const {
  const NeuralSettings& s = settings_;
  return fmt::format("hidden {}, POD stage K = {} (centred), batch {}, {} epochs, Adam lr {:g}, seed {}",
                     fmt::join(s.hidden, ","), s.pod_modes, s.train.batch_size, s.train.epochs, s.train.learning_rate,
                     s.train.seed);
}

void NeuralReducer::view_training(std::ostream& os) const {
  if (result_.epoch_loss.empty()) return;
  // TAO's history holds one loss per objective evaluation, and best_epoch its iterations.
  if (settings_.optimizer == "tao")
    os << fmt::format("  trained by TAO: {} iterations, {} objective evaluations in {:.1f} s; final loss {:.6e}\n",
                      result_.best_epoch, result_.epoch_loss.size(), result_.seconds, result_.best_loss);
  else
    os << fmt::format("  trained {} epochs in {:.1f} s; best mean batch loss {:.6e} (epoch {})\n",
                      result_.epoch_loss.size(), result_.seconds, result_.best_loss, result_.best_epoch + 1);
}

}  // namespace metarom
