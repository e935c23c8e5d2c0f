#include "metarom/nn/mlp.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>
#include <random>

#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"

namespace metarom {

Mlp::Mlp(std::vector<int> widths, Activation hidden, Split split, const RowPartition& rows)
    : widths_(std::move(widths)), activation_(hidden), split_(split), rows_(rows) {
  if (widths_.size() < 2) throw Error("Mlp: needs at least an input and an output width");
  for (int w : widths_)
    if (w < 1) throw Error(fmt::format("Mlp: layer widths must be positive, got {}", w));
  if (split_ == Split::none) {
    rows_ = RowPartition::serial(0);
  } else {
    const int split_width = split_ == Split::input ? widths_.front() : widths_.back();
    if (rows_.global != split_width)
      throw Error(fmt::format("Mlp: the row partition covers {} values, the split layer has {}", rows_.global,
                              split_width));
  }
  Index total = 0;
  for (int l = 0; l < layer_count(); ++l) {
    offsets_.push_back(total);
    total += Index(out_local(l)) * (in_local(l) + 1);
  }
  theta_ = Vector::Zero(total);
}

int Mlp::in_local(int l) const {
  return l == 0 && split_ == Split::input ? static_cast<int>(rows_.local()) : widths_[l];
}

int Mlp::out_local(int l) const {
  return l == layer_count() - 1 && split_ == Split::output ? static_cast<int>(rows_.local()) : widths_[l + 1];
}

void Mlp::reduce(Matrix& m) const {
  if (split_ != Split::none) allreduce_sum(rows_.comm, m.data(), m.size());
}

void Mlp::initialize(unsigned long long seed) {
  // The same draws as the whole network on one rank: each rank keeps its block.
  std::mt19937_64 gen(seed);
  theta_.setZero();
  for (int l = 0; l < layer_count(); ++l) {
    const double limit = std::sqrt(6.0 / (widths_[l] + widths_[l + 1]));
    std::uniform_real_distribution<double> dist(-limit, limit);
    auto W = weight(l);
    const long long r0 = l == layer_count() - 1 && split_ == Split::output ? rows_.begin : 0;
    const long long c0 = l == 0 && split_ == Split::input ? rows_.begin : 0;
    for (long long j = 0; j < widths_[l]; ++j)
      for (long long i = 0; i < widths_[l + 1]; ++i) {
        const double v = dist(gen);
        if (i >= r0 && i < r0 + W.rows() && j >= c0 && j < c0 + W.cols()) W(i - r0, j - c0) = v;
      }
  }
}

std::vector<bool> Mlp::distributed_parameters() const {
  std::vector<bool> mask(theta_.size(), false);
  if (split_ == Split::none) return mask;
  const int l = split_ == Split::input ? 0 : layer_count() - 1;
  const Index end = split_ == Split::input ? bias_offset(l) : bias_offset(l) + out_local(l);
  std::fill(mask.begin() + weight_offset(l), mask.begin() + end, true);
  return mask;
}

Eigen::Map<Matrix> Mlp::weight(int l) {
  return Eigen::Map<Matrix>(theta_.data() + weight_offset(l), out_local(l), in_local(l));
}
Eigen::Map<const Matrix> Mlp::weight(int l) const {
  return Eigen::Map<const Matrix>(theta_.data() + weight_offset(l), out_local(l), in_local(l));
}
void Mlp::set_parameters(const Vector& theta) {
  if (theta.size() != theta_.size())
    throw Error(fmt::format("Mlp: {} parameters given, the network of widths {} holds {} on this rank", theta.size(),
                            fmt::join(widths_, "-"), theta_.size()));
  theta_ = theta;
}

Eigen::Map<Vector> Mlp::bias(int l) { return Eigen::Map<Vector>(theta_.data() + bias_offset(l), out_local(l)); }
Eigen::Map<const Vector> Mlp::bias(int l) const {
  return Eigen::Map<const Vector>(theta_.data() + bias_offset(l), out_local(l));
}
void Mlp::require_parameter_layout(const Vector& v) const {
  if (v.size() != theta_.size())
    throw Error(fmt::format("Mlp: a vector of {} values is not laid out like the {} parameters", v.size(), theta_.size()));
}
Eigen::Map<Matrix> Mlp::weight_in(Vector& v, int l) const {
  require_parameter_layout(v);
  return Eigen::Map<Matrix>(v.data() + weight_offset(l), out_local(l), in_local(l));
}
Eigen::Map<Vector> Mlp::bias_in(Vector& v, int l) const {
  require_parameter_layout(v);
  return Eigen::Map<Vector>(v.data() + bias_offset(l), out_local(l));
}

Matrix Mlp::forward(const Matrix& X) const {
  Tape tape;
  return forward(X, tape);
}

Matrix Mlp::forward(const Matrix& X, Tape& tape) const {
  if (X.rows() != in_local(0))
    throw Error(fmt::format("Mlp: input has {} rows, the network takes {}", X.rows(), in_local(0)));
  tape.a.resize(layer_count() + 1);
  tape.a[0] = X;
  for (int l = 0; l < layer_count(); ++l) {
    Matrix z = weight(l) * tape.a[l];
    if (l == 0 && split_ == Split::input) reduce(z);  // the one allreduce of a forward pass
    z.colwise() += bias(l);
    if (l + 1 < layer_count() && activation_ == Activation::tanh) z = tanh_activation(z);
    tape.a[l + 1] = std::move(z);
  }
  return tape.a.back();
}

Matrix Mlp::backward(const Tape& tape, const Matrix& dY, Vector& grad, bool input_gradient) const {
  if (grad.size() == 0) grad = Vector::Zero(theta_.size());
  if (grad.size() != theta_.size()) throw Error("Mlp::backward: gradient vector of the wrong size");
  if (dY.rows() != out_local(layer_count() - 1) || dY.cols() != tape.a.back().cols())
    throw Error("Mlp::backward: output gradient does not match the forward pass");
  Matrix delta = dY;  // ∂loss/∂z_l for the current layer (output layer: identity)
  for (int l = layer_count() - 1; l >= 0; --l) {
    Eigen::Map<Matrix>(grad.data() + weight_offset(l), out_local(l), in_local(l)).noalias() +=
        delta * tape.a[l].transpose();
    Eigen::Map<Vector>(grad.data() + bias_offset(l), out_local(l)) += row_sums(delta);
    if (l == 0 && !input_gradient) return Matrix();
    Matrix da = weight(l).transpose() * delta;
    // The last layer's rows are split: its input gradient sums over every rank's rows, also
    // when it is the only layer (no hidden layer: the input gradient itself).
    if (l == layer_count() - 1 && split_ == Split::output) reduce(da);
    if (l == 0) return da;
    if (activation_ == Activation::tanh) delta = da.array() * (1.0 - tape.a[l].array().square());  // tanh' = 1 - tanh²
    else delta = std::move(da);
  }
  return Matrix();
}

Matrix Mlp::input_jacobian(const Vector& x) const { return value_and_jacobian(x).second; }

std::pair<Vector, Matrix> Mlp::value_and_jacobian(const Vector& x) const {
  if (x.size() != in_local(0))
    throw Error(fmt::format("Mlp: input has {} rows, the network takes {}", x.size(), in_local(0)));
  // Matrix-vector products on one column (a manifold ROM's right-hand side at r = 5 spends
  // its time here): the chain rule J = W_L D_{L-1} W_{L-1} ... D_1 W_1 alongside.
  Vector a = x;
  Matrix J = weight(0);
  for (int l = 0; l < layer_count(); ++l) {
    Vector z = weight(l) * a;
    if (l == 0 && split_ == Split::input) allreduce_sum(rows_.comm, z.data(), z.size());  // as forward()
    z += bias(l);
    if (l > 0) J = weight(l) * J;
    if (l + 1 < layer_count() && activation_ == Activation::tanh) {
      z = tanh_activation(z);
      J.array().colwise() *= 1.0 - z.array().square();  // tanh' = 1 − tanh²
    }
    a = std::move(z);
  }
  return {std::move(a), std::move(J)};
}

namespace {
// σ''(z) of the hidden layer, or empty when second derivatives are not available.
Vector second_derivative(const Mlp& net, const Vector& x) {
  if (net.layer_count() != 2 || net.split() != Mlp::Split::none) return Vector();
  if (net.hidden_activation() == Mlp::Activation::identity) return Vector::Zero(net.widths()[1]);
  const Vector t = tanh_activation(Vector(net.weight(0) * x + net.bias(0)));
  return (-2 * t.array() * (1 - t.array().square())).matrix();
}
}  // namespace

namespace {
// Σ_k v_k ∇²y_k and Σ_m w_m ∂J/∂x_m from σ''(z) = d (one hidden layer); each forms diag(c) W₁
// first, so the last product is one BLAS call rather than a lazy triple product.
Matrix contract_hessian(const Mlp& net, const Vector& d, const Vector& v) {
  const Vector c = d.cwiseProduct(net.weight(1).transpose() * v);
  const Matrix cW = c.asDiagonal() * net.weight(0);
  return net.weight(0).transpose() * cW;
}
Matrix derive_jacobian(const Mlp& net, const Vector& d, const Vector& w) {
  const Vector c = d.cwiseProduct(net.weight(0) * w);
  const Matrix cW = c.asDiagonal() * net.weight(0);
  return net.weight(1) * cW;
}
}  // namespace

Matrix Mlp::hessian_contraction(const Vector& x, const Vector& v) const {
  if (layer_count() == 1 && split_ == Split::none) return Matrix::Zero(input_dim(), input_dim());
  const Vector d = second_derivative(*this, x);
  return d.size() ? contract_hessian(*this, d, v) : Matrix();
}

Matrix Mlp::jacobian_derivative(const Vector& x, const Vector& w) const {
  if (layer_count() == 1 && split_ == Split::none) return Matrix::Zero(output_dim(), input_dim());
  const Vector d = second_derivative(*this, x);
  return d.size() ? derive_jacobian(*this, d, w) : Matrix();
}

std::pair<Matrix, Matrix> Mlp::second_derivatives(const Vector& x, const Vector& v, const Vector& w) const {
  if (layer_count() == 1 && split_ == Split::none)
    return {Matrix::Zero(input_dim(), input_dim()), Matrix::Zero(output_dim(), input_dim())};
  const Vector d = second_derivative(*this, x);  // one pass through the hidden layer for both
  if (d.size() == 0) return {};
  return {contract_hessian(*this, d, v), derive_jacobian(*this, d, w)};
}

void Mlp::save(h5::Group& g) const {
  // The same data sets whatever the distribution: split layers are written in parallel.
  Attributes a;
  std::vector<long long> w(widths_.begin(), widths_.end());
  a.set("widths", w);
  a.set("hidden_activation", activation_ == Activation::tanh ? "tanh" : "identity");
  a.set("output_activation", "identity");
  g.write_attributes(a);
  for (int l = 0; l < layer_count(); ++l) {
    const std::string W = fmt::format("W{}", l + 1), b = fmt::format("b{}", l + 1);
    if (l == 0 && split_ == Split::input) g.write_columns(W, weight(l), rows_);
    else if (l == layer_count() - 1 && split_ == Split::output) g.write_rows(W, weight(l), rows_);
    else g.write_matrix(W, weight(l));
    if (l == layer_count() - 1 && split_ == Split::output) g.write_vector_rows(b, bias(l), rows_);
    else g.write_vector(b, bias(l));
  }
}

Mlp Mlp::load(const h5::Group& g, Split split, const RowPartition& rows) {
  const Attributes a = g.read_attributes();
  const auto w = a.get_ints("widths", g.where());
  Activation act = Activation::tanh;
  if (a.has("hidden_activation")) {
    const std::string name = a.get_string("hidden_activation", g.where());
    if (name == "identity") act = Activation::identity;
    else if (name != "tanh") throw Error(g.where() + ": unknown hidden activation '" + name + "' (tanh, identity)");
  }
  // The widths against the stored layers before the network allocates anything from them.
  if (w.size() < 2) throw Error(fmt::format("{}: attribute 'widths' lists {} width(s), a network needs 2 or more", g.where(), w.size()));
  for (size_t l = 0; l < w.size(); ++l) {
    if (w[l] < 1 || w[l] > std::numeric_limits<int>::max())
      throw Error(fmt::format("{}: attribute 'widths' holds {}, widths must be in [1, 2^31)", g.where(), w[l]));
    if (l + 1 == w.size()) break;
    const std::string W = fmt::format("W{}", l + 1), b = fmt::format("b{}", l + 1);
    const std::vector<long long> expected{w[l], w[l + 1]};  // a w[l+1] x w[l] matrix, stored [cols, rows]
    if (g.shape(W) != expected || g.shape(b) != std::vector<long long>{w[l + 1]})
      throw Error(fmt::format("{}: layer {} is stored as {} and {}, but 'widths' {} asks for [{}, {}] and [{}]",
                              g.where(), l + 1, to_string(g.shape(W)), to_string(g.shape(b)), to_string(w), w[l],
                              w[l + 1], w[l + 1]));
  }
  Mlp m(std::vector<int>(w.begin(), w.end()), act, split, rows);
  const int last = m.layer_count() - 1;
  for (int l = 0; l <= last; ++l) {
    const std::string W = fmt::format("W{}", l + 1), b = fmt::format("b{}", l + 1);
    if (l == 0 && split == Split::input) m.weight(l) = g.read_columns(W, rows, m.widths_[1]);
    else if (l == last && split == Split::output) m.weight(l) = g.read_rows(W, rows, m.widths_[l]);
    else m.weight(l) = g.read_matrix(W, m.widths_[l + 1], m.widths_[l]);
    if (l == last && split == Split::output) m.bias(l) = g.read_vector_rows(b, rows);
    else m.bias(l) = g.read_vector(b, m.widths_[l + 1]);
  }
  return m;
}

}  // namespace metarom
