// tests for src/nn/mlp.cpp: reverse-mode gradients and input Jacobians against central
// finite differences, the (5.1) architecture, seeded initialization and HDF5 round trips.
#include <petscsys.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "metarom/io/hdf5_file.hpp"
#include "metarom/nn/mlp.hpp"
#include "test_support.hpp"

using namespace metarom;

using metarom::test::random_matrix;
using metarom::test::shifted;

TEST_CASE("MLP parameter gradients match finite differences", "[nn][mlp]") {
  for (const std::vector<int>& widths : {std::vector<int>{7, 5, 3}, std::vector<int>{4, 6, 5, 2}}) {
    Mlp net(widths);
    net.initialize(3);
    net.set_parameters(net.parameters() + 0.1 * random_matrix(net.parameters().size(), 1, 4).col(0));  // nonzero biases too
    const Matrix X = random_matrix(widths.front(), 9, 5), C = random_matrix(widths.back(), 9, 6);
    // loss = Σ C ⊙ net(X): ∂loss/∂output = C.
    auto loss = [&](const Mlp& m) { return m.forward(X).cwiseProduct(C).sum(); };
    Mlp::Tape tape;
    net.forward(X, tape);
    Vector grad;
    const Matrix dX = net.backward(tape, C, grad);
    const double eps = 1e-6;
    double worst = 0;
    for (Index k = 0; k < net.parameters().size(); ++k) {
      const Mlp p = shifted(net, k, eps), m = shifted(net, k, -eps);
      const double fd = (loss(p) - loss(m)) / (2 * eps);
      worst = std::max(worst, std::abs(fd - grad(k)) / (1 + std::abs(fd)));
    }
    CHECK(worst < 1e-8);
    // Input gradient.
    double worst_x = 0;
    for (Index i = 0; i < X.rows(); ++i)
      for (Index j = 0; j < X.cols(); ++j) {
        Matrix Xp = X, Xm = X;
        Xp(i, j) += eps;
        Xm(i, j) -= eps;
        const double fd = (net.forward(Xp).cwiseProduct(C).sum() - net.forward(Xm).cwiseProduct(C).sum()) / (2 * eps);
        worst_x = std::max(worst_x, std::abs(fd - dX(i, j)) / (1 + std::abs(fd)));
      }
    CHECK(worst_x < 1e-8);
  }
}

TEST_CASE("MLP input Jacobian matches finite differences", "[nn][mlp]") {
  Mlp net({3, 8, 6});
  net.initialize(11);
  const Vector x = random_matrix(3, 1, 12).col(0);
  const Matrix J = net.input_jacobian(x);
  REQUIRE(J.rows() == 6);
  REQUIRE(J.cols() == 3);
  const double eps = 1e-6;
  for (Index k = 0; k < 3; ++k) {
    Vector xp = x, xm = x;
    xp(k) += eps;
    xm(k) -= eps;
    const Vector fd = (net.forward(xp) - net.forward(xm)) / (2 * eps);
    CHECK((fd - J.col(k)).norm() < 1e-8 * (1 + fd.norm()));
  }
}

TEST_CASE("the tanh activation is std::tanh to 2 epsilon, overflow-free, zero-, infinity- and NaN-safe", "[nn][mlp]") {
  // sign(z)(1 − e)/(1 + e) with e = exp(−2|z|) ∈ (0, 1]: e carries one rounding of exp, 1 ± e
  // one each and the quotient one: a few ε of |tanh| ≤ 1 in absolute terms; 2ε bounds what
  // a dense sweep of [−40, 40] (and the tiny and huge values below) reaches.
  const Vector z = Vector::LinSpaced(200001, -40, 40);
  const Vector t = tanh_activation(z);
  double worst = 0;
  for (Index i = 0; i < z.size(); ++i) worst = std::max(worst, std::abs(t(i) - std::tanh(z(i))));
  CHECK(worst <= 2 * std::numeric_limits<double>::epsilon());
  Vector special(8);
  const double inf = std::numeric_limits<double>::infinity();
  special << 0.0, 1e-300, -1e-12, 710.0, -1e308, inf, -inf, std::nan("");
  const Vector ts = tanh_activation(special);
  CHECK(ts(0) == 0.0);
  CHECK(std::abs(ts(1) - 1e-300) <= 2 * std::numeric_limits<double>::epsilon());
  CHECK(std::abs(ts(2) + 1e-12) <= 2 * std::numeric_limits<double>::epsilon());
  CHECK(ts(3) == 1.0);
  CHECK(ts(4) == -1.0);
  CHECK(ts(5) == 1.0);
  CHECK(ts(6) == -1.0);
  CHECK(std::isnan(ts(7)));
  // A batch (matrix) keeps its shape.
  const Matrix Z = random_matrix(4, 3, 30) * 5;
  const Matrix T = tanh_activation(Z);
  REQUIRE(T.rows() == 4);
  REQUIRE(T.cols() == 3);
  CHECK((T - Matrix(Z.array().tanh())).cwiseAbs().maxCoeff() <= 2 * std::numeric_limits<double>::epsilon());
}

TEST_CASE("MLP value and Jacobian from one pass equal the forward pass and its finite differences", "[nn][mlp][mpi]") {
  // A decoder r = 3 -> ... -> n = 11 with 0, 1 and 2 hidden layers, whole and with its output
  // rows split over the ranks (the manifold ROMs' decoder). The value must be the forward
  // pass's to round-off (the same products, as matrix-vector ones: a few ulps); the Jacobian
  // matches central differences with h = 1e-6 of these smooth maps to ~1e-9 relative.
  const int n = 11, r = 3;
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{7}, std::vector<int>{7, 5}})
    for (const bool split : {false, true}) {
      INFO("hidden layers " << hidden.size() << (split ? ", output split over ranks" : ""));
      std::vector<int> widths{r};
      widths.insert(widths.end(), hidden.begin(), hidden.end());
      widths.push_back(n);
      Mlp net(widths, Mlp::Activation::tanh, split ? Mlp::Split::output : Mlp::Split::none, rows);
      net.initialize(21);
      const Vector x = random_matrix(r, 1, 22).col(0);
      const auto [y, J] = net.value_and_jacobian(x);
      const Vector y_forward = net.forward(x).col(0);
      REQUIRE(y.size() == y_forward.size());
      CHECK((y - y_forward).norm() <= 1e-14 * y_forward.norm());
      REQUIRE(J.rows() == y.size());
      REQUIRE(J.cols() == r);
      CHECK((net.input_jacobian(x) - J).norm() == 0.0);
      const double eps = 1e-6;
      for (Index k = 0; k < r; ++k) {
        Vector xp = x, xm = x;
        xp(k) += eps;
        xm(k) -= eps;
        const Vector fd = (net.forward(xp) - net.forward(xm)) / (2 * eps);
        CHECK((fd - J.col(k)).norm() < 1e-8 * (1 + fd.norm()));
      }
    }
}

TEST_CASE("MLP is the (5.1) network and round-trips through HDF5 bit for bit", "[nn][mlp]") {
  Mlp net({10, 4, 2});
  net.initialize(7);
  Mlp same({10, 4, 2});
  same.initialize(7);
  CHECK((net.parameters() - same.parameters()).norm() == 0.0);  // seeded
  const Matrix X = random_matrix(10, 3, 8);
  const Matrix expected = (net.weight(1) * ((net.weight(0) * X).colwise() + net.bias(0)).array().tanh().matrix())
                              .colwise() + net.bias(1);
  CHECK((net.forward(X) - expected).norm() < 1e-14);
  // Every rank runs this serial test in the shared scratch directory: one file per rank, or
  // the ranks race creating the same file (seen as "truncated or corrupt" under mpiexec -n 2).
  test::ScratchDir dir;
  const std::string path = dir.path("mlp-" + std::to_string(test::world_rank()) + ".h5");
  {
    h5::File f = h5::File::create(path, MPI_COMM_SELF);
    h5::Group g = f.root().create_group("net");
    net.save(g);
    f.commit();
  }
  h5::File f = h5::File::open(path, MPI_COMM_SELF);
  const Mlp back = Mlp::load(f.root().open_group("net"));
  CHECK(back.widths() == net.widths());
  CHECK((back.parameters() - net.parameters()).norm() == 0.0);
}

TEST_CASE("second derivatives of a one-hidden-layer network match finite differences of its Jacobian", "[nn][mlp]") {
  Mlp net({3, 7, 4});
  net.initialize(9);
  net.bias(0).setConstant(0.3);
  const Vector x = test::random_matrix(3, 1, 10).col(0), v = test::random_matrix(4, 1, 11).col(0),
               w = test::random_matrix(3, 1, 12).col(0);
  const double h = 1e-5;
  // Σ_m w_m ∂J/∂x_m is the derivative of J along w; Σ_k v_k ∇²y_k = ∂(Jᵀv)/∂x.
  const Matrix D = (net.input_jacobian(x + h * w) - net.input_jacobian(x - h * w)) / (2 * h);
  Matrix C(3, 3);
  for (int m = 0; m < 3; ++m) {
    Vector e = Vector::Zero(3);
    e(m) = h;
    C.col(m) = (net.input_jacobian(x + e).transpose() * v - net.input_jacobian(x - e).transpose() * v) / (2 * h);
  }
  // Central differences of smooth functions with h = 1e-5: errors ~1e-10 relative.
  CHECK((net.jacobian_derivative(x, w) - D).norm() < 1e-8 * D.norm());
  CHECK((net.hessian_contraction(x, v) - C).norm() < 1e-8 * C.norm());
  CHECK((net.hessian_contraction(x, v) - net.hessian_contraction(x, v).transpose()).norm() < 1e-14 * C.norm());
  // Both from one pass: the same arithmetic, so the same numbers.
  const auto [C1, D1] = net.second_derivatives(x, v, w);
  CHECK(C1 == net.hessian_contraction(x, v));
  CHECK(D1 == net.jacobian_derivative(x, w));
  // Deeper networks say they have none.
  Mlp deep({3, 5, 5, 2});
  deep.initialize(1);
  CHECK(deep.hessian_contraction(x, Vector::Ones(2)).size() == 0);
}

TEST_CASE("distributed MLP gradients match finite differences for every depth", "[nn][mlp][mpi]") {
  // A decoder whose output rows are split over the ranks (Split::output) and an encoder whose
  // input rows are (Split::input), with 0, 1 and 2 hidden layers; the loss Σ C ⊙ net(·)
  // summed over all ranks' rows. Central differences with h = 1e-6 of this smooth loss are
  // accurate to ~1e-9 relative; a missing reduction errs by O(1).
  const int n = 11, r = 3;
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{5}, std::vector<int>{5, 4}}) {
    INFO("hidden layers " << hidden.size());
    std::vector<int> dec{r}, enc{n};
    dec.insert(dec.end(), hidden.begin(), hidden.end());
    dec.push_back(n);
    enc.insert(enc.end(), hidden.rbegin(), hidden.rend());
    enc.push_back(r);
    const double eps = 1e-6;
    {
      Mlp net(dec, Mlp::Activation::tanh, Mlp::Split::output, rows);
      net.initialize(7);
      const Matrix U = random_matrix(r, 4, 8);
      const Matrix C = random_matrix(n, 4, 9).middleRows(rows.begin, rows.local());
      auto loss = [&](const Matrix& V) { return allreduce_sum(rows.comm, net.forward(V).cwiseProduct(C).sum()); };
      Mlp::Tape tape;
      net.forward(U, tape);
      Vector grad;
      const Matrix dU = net.backward(tape, C, grad);
      double worst = 0;
      for (Index i = 0; i < U.rows(); ++i)
        for (Index j = 0; j < U.cols(); ++j) {
          Matrix Up = U, Um = U;
          Up(i, j) += eps;
          Um(i, j) -= eps;
          const double fd = (loss(Up) - loss(Um)) / (2 * eps);
          worst = std::max(worst, std::abs(fd - dU(i, j)) / (1 + std::abs(fd)));
        }
      CHECK(worst < 1e-7);
    }
    {
      Mlp net(enc, Mlp::Activation::tanh, Mlp::Split::input, rows);
      net.initialize(10);
      const Matrix Xfull = random_matrix(n, 4, 11);
      const Matrix X = Xfull.middleRows(rows.begin, rows.local());
      const Matrix C = random_matrix(r, 4, 12);  // the output is replicated: the loss is too
      Mlp::Tape tape;
      net.forward(X, tape);
      Vector grad;
      const Matrix dX = net.backward(tape, C, grad);
      double worst = 0;
      for (Index g = 0; g < n; ++g)
        for (Index j = 0; j < X.cols(); ++j) {
          const bool mine = g >= rows.begin && g < rows.end;
          Matrix Xp = X, Xm = X;
          if (mine) {
            Xp(g - rows.begin, j) += eps;
            Xm(g - rows.begin, j) -= eps;
          }
          const double fd = (net.forward(Xp).cwiseProduct(C).sum() - net.forward(Xm).cwiseProduct(C).sum()) / (2 * eps);
          if (mine) worst = std::max(worst, std::abs(fd - dX(g - rows.begin, j)) / (1 + std::abs(fd)));
        }
      CHECK(worst < 1e-7);
    }
  }
}

TEST_CASE("views of a gradient by layer hold that layer's derivatives", "[nn][mlp]") {
  // output = W₂ tanh(W₁x + b₁) + b₂ and loss = Σ C ⊙ output, so ∂loss/∂W₂ = C Hᵀ and
  // ∂loss/∂b₂ = C 1 with H = tanh(W₁X + b₁1ᵀ): what weight_in / bias_in must show.
  Mlp net({6, 4, 3});
  net.initialize(7);
  net.set_parameters(net.parameters() + 0.1 * random_matrix(net.parameters().size(), 1, 8).col(0));
  const Matrix X = random_matrix(6, 5, 9), C = random_matrix(3, 5, 10);
  Mlp::Tape tape;
  net.forward(X, tape);
  Vector grad;
  net.backward(tape, C, grad);
  Matrix H = net.weight(0) * X;
  H.colwise() += net.bias(0);
  H = H.array().tanh().matrix();
  CHECK((net.weight_in(grad, 1) - C * H.transpose()).norm() < 1e-13 * (C * H.transpose()).norm());
  CHECK((net.bias_in(grad, 1) - C.rowwise().sum()).norm() < 1e-13 * C.rowwise().sum().norm());
  // The parameters' own views agree with weight() and bias().
  Vector p = net.parameters();
  CHECK(net.weight_in(p, 0) == net.weight(0));
  CHECK(net.bias_in(p, 1) == net.bias(1));
  Vector wrong(3);
  test::require_error([&] { net.weight_in(wrong, 0); }, {"not laid out like"});
}

TEST_CASE("replicated MLP gradients are bitwise equal on every rank", "[nn][mlp][mpi]") {
  // An encoder with split input (its first weight matrix held by columns) keeps its biases
  // and later layers on every rank; the ranks must compute their gradients bit for bit alike
  // (else training drifts apart by round-off and the ranks' decisions may differ). n = 11 on
  // 2 ranks puts the first bias at offsets 30 and 25: destinations of different alignment.
  const int n = 11;
  const RowPartition rows = RowPartition::split(PETSC_COMM_WORLD, n);
  Mlp net({n, 5, 4, 3}, Mlp::Activation::tanh, Mlp::Split::input, rows);
  net.initialize(3);
  const Matrix X = random_matrix(n, 37, 4).middleRows(rows.begin, rows.local());
  Mlp::Tape tape;
  net.forward(X, tape);
  Vector grad;
  net.backward(tape, random_matrix(3, 37, 5), grad);
  for (int l = 0; l < net.layer_count(); ++l) {
    std::vector<Vector> blocks{Vector(net.bias_in(grad, l))};
    if (l > 0) blocks.emplace_back(Eigen::Map<const Vector>(net.weight_in(grad, l).data(), net.weight_in(grad, l).size()));
    for (const Vector& mine : blocks) {
      Vector first = mine;
      MPI_Bcast(first.data(), static_cast<int>(first.size()), MPI_DOUBLE, 0, rows.comm);
      INFO("layer " << l);
      CHECK(allreduce_max(rows.comm, (mine - first).cwiseAbs().maxCoeff()) == 0.0);
    }
  }
}

TEST_CASE("MLP parameters are replaced whole, at the network's length only", "[nn][mlp]") {
  Mlp net({3, 4, 2});
  net.initialize(1);
  const Vector p = random_matrix(net.parameters().size(), 1, 2).col(0);
  net.set_parameters(p);
  CHECK(net.parameters() == p);
  CHECK(net.bias(1)(1) == p(p.size() - 1));  // the flat layout [W₁, b₁, W₂, b₂]
  test::require_error([&] { net.set_parameters(Vector::Zero(p.size() + 1)); }, {"27 parameters given", "3-4-2", "26"});
  CHECK(net.parameters() == p);
}
