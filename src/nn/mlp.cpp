#include "metarom/mlp.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "metarom/error.hpp"
#include "metarom/hdf5_file.hpp"

namespace metarom {

Mlp::Mlp(std::vector<int> widths, Activation hidden) : widths_(std::move(widths)), activation_(hidden) {
  if (widths_.size() < 2) throw Error("Mlp: needs at least an input and an output width");
  for (int w : widths_)
    if (w < 1) throw Error(fmt::format("Mlp: layer widths must be positive, got {}", w));
  Index total = 0;
  for (int l = 0; l < layer_count(); ++l) {
    offsets_.push_back(total);
    total += Index(widths_[l + 1]) * (widths_[l] + 1);
  }
  theta_ = Vector::Zero(total);
}

void Mlp::initialize(unsigned long long seed) {
  std::mt19937_64 gen(seed);
  theta_.setZero();
  for (int l = 0; l < layer_count(); ++l) {
    const double limit = std::sqrt(6.0 / (widths_[l] + widths_[l + 1]));
    std::uniform_real_distribution<double> dist(-limit, limit);
    auto W = weight(l);
    for (Index j = 0; j < W.cols(); ++j)
      for (Index i = 0; i < W.rows(); ++i) W(i, j) = dist(gen);
  }
}

Eigen::Map<Matrix> Mlp::weight(int l) {
  return Eigen::Map<Matrix>(theta_.data() + weight_offset(l), widths_[l + 1], widths_[l]);
}
Eigen::Map<const Matrix> Mlp::weight(int l) const {
  return Eigen::Map<const Matrix>(theta_.data() + weight_offset(l), widths_[l + 1], widths_[l]);
}
Eigen::Map<Vector> Mlp::bias(int l) { return Eigen::Map<Vector>(theta_.data() + bias_offset(l), widths_[l + 1]); }
Eigen::Map<const Vector> Mlp::bias(int l) const {
  return Eigen::Map<const Vector>(theta_.data() + bias_offset(l), widths_[l + 1]);
}

Matrix Mlp::forward(const Matrix& X) const {
  Tape tape;
  return forward(X, tape);
}

Matrix Mlp::forward(const Matrix& X, Tape& tape) const {
  if (X.rows() != input_dim())
    throw Error(fmt::format("Mlp: input has {} rows, the network takes {}", X.rows(), input_dim()));
  tape.a.resize(layer_count() + 1);
  tape.a[0] = X;
  for (int l = 0; l < layer_count(); ++l) {
    Matrix z = weight(l) * tape.a[l];
    z.colwise() += bias(l);
    if (l + 1 < layer_count() && activation_ == Activation::tanh) z = z.array().tanh().matrix();
    tape.a[l + 1] = std::move(z);
  }
  return tape.a.back();
}

Matrix Mlp::backward(const Tape& tape, const Matrix& dY, Vector& grad, bool input_gradient) const {
  if (grad.size() == 0) grad = Vector::Zero(theta_.size());
  if (grad.size() != theta_.size()) throw Error("Mlp::backward: gradient vector of the wrong size");
  if (dY.rows() != output_dim() || dY.cols() != tape.a.back().cols())
    throw Error("Mlp::backward: output gradient does not match the forward pass");
  Matrix delta = dY;  // ∂loss/∂z_l for the current layer (output layer: identity)
  for (int l = layer_count() - 1; l >= 0; --l) {
    Eigen::Map<Matrix>(grad.data() + weight_offset(l), widths_[l + 1], widths_[l]).noalias() +=
        delta * tape.a[l].transpose();
    Eigen::Map<Vector>(grad.data() + bias_offset(l), widths_[l + 1]) += delta.rowwise().sum();
    if (l == 0 && !input_gradient) return Matrix();
    Matrix da = weight(l).transpose() * delta;
    if (l == 0) return da;
    if (activation_ == Activation::tanh) delta = da.array() * (1.0 - tape.a[l].array().square());  // tanh' = 1 - tanh²
    else delta = std::move(da);
  }
  return Matrix();
}

Matrix Mlp::input_jacobian(const Vector& x) const {
  Tape tape;
  forward(x, tape);
  Matrix J = weight(0);
  for (int l = 1; l < layer_count(); ++l) {
    if (activation_ == Activation::tanh) J = (1.0 - tape.a[l].col(0).array().square()).matrix().asDiagonal() * J;
    J = weight(l) * J;
  }
  return J;
}

void Mlp::save(h5::Group& g) const {
  Attributes a;
  std::vector<long long> w(widths_.begin(), widths_.end());
  a.set("widths", w);
  a.set("hidden_activation", activation_ == Activation::tanh ? "tanh" : "identity");
  a.set("output_activation", "identity");
  g.write_attributes(a);
  for (int l = 0; l < layer_count(); ++l) {
    g.write_matrix(fmt::format("W{}", l + 1), weight(l));
    g.write_vector(fmt::format("b{}", l + 1), bias(l));
  }
}

Mlp Mlp::load(const h5::Group& g) {
  const Attributes a = g.read_attributes();
  const auto w = a.get_ints("widths", g.where());
  Activation act = Activation::tanh;
  if (a.has("hidden_activation")) {
    const std::string name = a.get_string("hidden_activation", g.where());
    if (name == "identity") act = Activation::identity;
    else if (name != "tanh") throw Error(g.where() + ": unknown hidden activation '" + name + "' (tanh, identity)");
  }
  Mlp m(std::vector<int>(w.begin(), w.end()), act);
  for (int l = 0; l < m.layer_count(); ++l) {
    m.weight(l) = g.read_matrix(fmt::format("W{}", l + 1), m.widths_[l + 1], m.widths_[l]);
    m.bias(l) = g.read_vector(fmt::format("b{}", l + 1), m.widths_[l + 1]);
  }
  return m;
}

}  // namespace metarom
