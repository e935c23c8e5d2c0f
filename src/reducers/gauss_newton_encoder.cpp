#include "metarom/reducers/gauss_newton_encoder.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>

#include "metarom/error.hpp"

namespace metarom {

GaussNewtonEncoder::GaussNewtonEncoder(const Mlp& decoder)
    : dec_(decoder), linear_(decoder.hidden_activation() == Mlp::Activation::identity) {
  if (decoder.layer_count() != 2)
    throw Error(fmt::format("Gauss–Newton encoder: the decoder must have one hidden layer (5.1), it has {}",
                            decoder.layer_count() - 1));
}

Matrix GaussNewtonEncoder::solve_adaptive(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s) {
  const auto W1 = dec_.weight(0);
  const auto b1 = dec_.bias(0);
  const auto W2 = dec_.weight(1);
  const auto b2 = dec_.bias(1);
  const Index r = W1.cols(), h = W1.rows(), B = X.cols();
  if (X.rows() != W2.rows() || U0.rows() != r || U0.cols() != B)
    throw Error("Gauss–Newton encoder: batch shapes do not match the decoder");
  const bool split = dec_.split() == Mlp::Split::output;
  M_.noalias() = W2.transpose() * W2;
  Xc_ = X.colwise() - b2;
  if (split) allreduce_sum(dec_.rows().comm, M_.data(), M_.size());
  steps_.clear();
  auto hidden = [&](const Matrix& U) -> Matrix {
    Matrix Z = W1 * U;
    Z.colwise() += b1;
    return linear_ ? Z : Matrix(Z.array().tanh());
  };
  // Residuals ‖φ(u_i) − x_i‖² for the whole batch, formed directly (an n-sized product
  // per iteration) so that accepting a step is not decided by cancellation, and the
  // gradients' W₂ᵀ(φ(u_i) − x_i) from the same residual: M t − Q would cancel once the
  // residual is small next to x (a well-fitted decoder), stalling the iteration short of
  // the minimizer. One allreduce of the (1 + h) x B sums per iteration.
  Matrix G;  // W₂ᵀ(φ(u) − x) of the accepted iterates
  auto residuals = [&](const Matrix& T, Matrix& g) -> Vector {
    const Matrix R = (W2 * T) - Xc_;
    Matrix both(1 + h, B);
    both.row(0) = R.colwise().squaredNorm();
    both.bottomRows(h).noalias() = W2.transpose() * R;
    if (split) allreduce_sum(dec_.rows().comm, both.data(), both.size());
    g = both.bottomRows(h);
    return both.row(0).transpose();
  };
  Matrix U = U0, T = hidden(U);
  Vector f = residuals(T, G), gamma = Vector::Constant(B, std::max(s.damping, 1e-12));
  std::vector<char> active(B, 1);
  const Matrix I = Matrix::Identity(r, r);
  auto steps = [&](const Vector& damping) {
    Matrix P = Matrix::Zero(r, B);
    for (Index i = 0; i < B; ++i) {
      if (!active[i]) continue;
      const Vector S = linear_ ? Vector::Ones(h) : Vector(1.0 - T.col(i).array().square());
      const Matrix A = S.asDiagonal() * W1;
      const Vector g = A.transpose() * G.col(i);
      P.col(i) = (A.transpose() * (M_ * A) + damping(i) * I).llt().solve(g);
    }
    return P;
  };
  for (int k = 0; k < 4 * s.iterations; ++k) {
    // Candidate steps for the samples still iterating.
    const Matrix P = steps(gamma);
    const Matrix Ut = U - P, Tt = hidden(Ut);
    Matrix Gt;
    const Vector ft = residuals(Tt, Gt);
    bool any = false;
    for (Index i = 0; i < B; ++i) {
      if (!active[i]) continue;
      if (ft(i) < f(i)) {
        U.col(i) = Ut.col(i);
        T.col(i) = Tt.col(i);
        G.col(i) = Gt.col(i);
        f(i) = ft(i);
        gamma(i) = std::max(gamma(i) / 3, 1e-12);
        if (s.tolerance > 0 && P.col(i).norm() <= s.tolerance * (1 + U.col(i).norm())) active[i] = 0;
      } else {
        gamma(i) *= 4;
        if (gamma(i) > 1e12) active[i] = 0;  // no step lowers the residual: a minimum to round-off
      }
      any = any || active[i];
    }
    if (!any) break;
  }
  // Polish: near a minimum Gauss–Newton converges quadratically to the minimizer itself, so
  // a few lightly damped steps (taken unless the residual grows beyond round-off) make the
  // result independent of the path the damped iteration took (and of the rank count).
  std::fill(active.begin(), active.end(), 1);
  const Vector light = Vector::Constant(B, 1e-12);
  for (int k = 0; k < 3; ++k) {
    const Matrix P = steps(light);
    const Matrix Ut = U - P, Tt = hidden(Ut);
    Matrix Gt;
    const Vector ft = residuals(Tt, Gt);
    for (Index i = 0; i < B; ++i)
      if (active[i] && ft(i) <= f(i) * (1 + 1e-10) + 1e-300) {
        U.col(i) = Ut.col(i);
        T.col(i) = Tt.col(i);
        G.col(i) = Gt.col(i);
        f(i) = ft(i);
      } else {
        active[i] = 0;
      }
  }
  return U;
}

Matrix GaussNewtonEncoder::solve(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s) {
  if (s.adaptive) return solve_adaptive(X, U0, s);
  const auto W1 = dec_.weight(0);
  const auto b1 = dec_.bias(0);
  const auto W2 = dec_.weight(1);
  const auto b2 = dec_.bias(1);
  const Index r = W1.cols(), h = W1.rows(), B = X.cols();
  if (X.rows() != W2.rows() || U0.rows() != r || U0.cols() != B)
    throw Error("Gauss–Newton encoder: batch shapes do not match the decoder");
  if (s.damping < 0) throw Error("Gauss–Newton encoder: damping must be >= 0");
  damping_ = s.damping;
  // Once per batch: the only products with n rows or columns.
  // W₂ and X hold this rank's rows of the state: M and Q are sums over the ranks.
  M_.noalias() = W2.transpose() * W2;
  Xc_ = X.colwise() - b2;
  Q_.noalias() = W2.transpose() * Xc_;
  if (dec_.split() == Mlp::Split::output) {
    allreduce_sum(dec_.rows().comm, M_.data(), M_.size());
    allreduce_sum(dec_.rows().comm, Q_.data(), Q_.size());
  }
  steps_.clear();
  Matrix U = U0;
  for (int k = 0; k < s.iterations; ++k) {
    Step st;
    st.U = U;
    Matrix Z = W1 * U;
    Z.colwise() += b1;
    st.T = linear_ ? Z : Matrix(Z.array().tanh());
    st.G.noalias() = M_ * st.T;
    st.G -= Q_;
    // A_i = diag(1 − t_i²) W₁ for every sample, side by side: h x rB.
    Matrix A(h, r * B);
    for (Index i = 0; i < B; ++i)
      A.middleCols(i * r, r) = linear_ ? Matrix(W1) : Matrix((1.0 - st.T.col(i).array().square()).matrix().asDiagonal() * W1);
    st.MA.noalias() = M_ * A;
    st.P.resize(r, B);
    st.Hinv.resize(r, r * B);
    const Matrix I = Matrix::Identity(r, r);
    double largest = 0;
    for (Index i = 0; i < B; ++i) {
      const auto Ai = A.middleCols(i * r, r);
      Matrix H = Ai.transpose() * st.MA.middleCols(i * r, r);
      H.diagonal().array() += damping_;
      Eigen::LLT<Matrix> llt(H);
      if (llt.info() != Eigen::Success)
        throw Error("Gauss–Newton encoder: JᵀJ + γI is not positive definite (increase the damping)");
      st.Hinv.middleCols(i * r, r) = llt.solve(I);
      st.P.col(i) = st.Hinv.middleCols(i * r, r) * (Ai.transpose() * st.G.col(i));
      largest = std::max(largest, st.P.col(i).norm() / (1.0 + U.col(i).norm()));
    }
    U -= st.P;
    steps_.push_back(std::move(st));
    if (s.tolerance > 0 && largest <= s.tolerance) break;
  }
  return U;
}

// Reverse mode of one step U_k = U_{k-1} − p, p_i = H_i⁻¹ g_i, H_i = γI + A_iᵀMA_i,
// g_i = A_iᵀG_i, G = MT − Q, A_i = diag(S_i)W₁, S = 1 − T², T = tanh(W₁U + b₁),
// M = W₂ᵀW₂, Q = W₂ᵀ(X − b₂1ᵀ). With p̄ = −Ū_k and ḡ_i = H_i⁻¹p̄_i:
//   Ā_i = G_iḡ_iᵀ − MA_i(ḡ_ip_iᵀ + p_iḡ_iᵀ),  Ḡ_i = A_iḡ_i,
//   M̄ += Σ_i −(A_iḡ_i)(A_ip_i)ᵀ + ḠTᵀ,  Q̄ = −Ḡ,  T̄ = MḠ − 2T ⊙ S̄,  S̄_i = rowdot(Ā_i, W₁),
//   W̄₁ += Σ_i diag(S_i)Ā_i + Z̄Uᵀ,  Z̄ = T̄ ⊙ S,  b̄₁ += Z̄1,  Ū_{k-1} = Ū_k + W₁ᵀZ̄.
// M̄ and Q̄ are summed over the steps and turned into W̄₂, b̄₂ once at the end.
Matrix GaussNewtonEncoder::backward(const Matrix& Ubar_in, Vector& grad) const {
  const auto W1 = dec_.weight(0);
  const auto W2 = dec_.weight(1);
  const Index r = W1.cols(), h = W1.rows();
  if (grad.size() == 0) grad = Vector::Zero(dec_.parameters().size());
  // The decoder's gradient blocks, through Mlp's views of a parameter-shaped vector.
  auto gW1 = dec_.weight_in(grad, 0);
  auto gb1 = dec_.bias_in(grad, 0);
  auto gW2 = dec_.weight_in(grad, 1);
  auto gb2 = dec_.bias_in(grad, 1);

  Matrix Ubar = Ubar_in;
  Matrix Mbar = Matrix::Zero(h, h), Gsum;
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    const Step& st = *it;
    const Index B = st.U.cols();
    // S = tanh'(Z) = 1 − T² (constant 1 for a linear hidden layer, which then has no S̄ term).
    const Matrix S = linear_ ? Matrix(Matrix::Ones(h, B)) : Matrix(1.0 - st.T.array().square());
    Matrix Gbar(h, B), D(h, B), Tbar(h, B), Sbar(h, B);
    for (Index i = 0; i < B; ++i) {
      const Matrix Ai = S.col(i).asDiagonal() * W1;
      const Vector pbar = -Ubar.col(i);
      const Vector gbar = st.Hinv.middleCols(i * r, r) * pbar;
      const Vector& p = st.P.col(i);
      const Matrix Abar = st.G.col(i) * gbar.transpose() -
                          st.MA.middleCols(i * r, r) * (gbar * p.transpose() + p * gbar.transpose());
      Gbar.col(i).noalias() = Ai * gbar;
      D.col(i).noalias() = Ai * p;
      Sbar.col(i) = Abar.cwiseProduct(W1).rowwise().sum();
      gW1.noalias() += S.col(i).asDiagonal() * Abar;
    }
    Mbar.noalias() -= Gbar * D.transpose();
    Mbar.noalias() += Gbar * st.T.transpose();
    if (Gsum.size() == 0) Gsum = Gbar;
    else Gsum += Gbar;
    Tbar.noalias() = M_ * Gbar;
    if (!linear_) Tbar.array() -= 2.0 * st.T.array() * Sbar.array();
    const Matrix Zbar = Tbar.cwiseProduct(S);
    gW1.noalias() += Zbar * st.U.transpose();
    gb1 += Zbar.rowwise().sum();
    Ubar.noalias() += W1.transpose() * Zbar;
  }
  if (!steps_.empty()) {
    // M = W₂ᵀW₂: W̄₂ += W₂(M̄ + M̄ᵀ). Q = W₂ᵀ(X − b₂1ᵀ) with Q̄ = −ΣḠ:
    // W̄₂ += (X − b₂1ᵀ)Q̄ᵀ, b̄₂ += −W₂Q̄1.
    gW2.noalias() += W2 * (Mbar + Mbar.transpose());
    gW2.noalias() -= Xc_ * Gsum.transpose();
    gb2.noalias() += W2 * Gsum.rowwise().sum();
  }
  return Ubar;
}

}  // namespace metarom
