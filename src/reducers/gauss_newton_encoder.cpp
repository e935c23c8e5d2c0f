#include "metarom/reducers/gauss_newton_encoder.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

GaussNewtonEncoder::GaussNewtonEncoder(const Mlp& decoder)
    : dec_(decoder), linear_(decoder.hidden_activation() == Mlp::Activation::identity) {
  if (decoder.layer_count() != 2)
    throw Error(fmt::format("Gauss–Newton encoder: the decoder must have one hidden layer (5.1), it has {}",
                            decoder.layer_count() - 1));
}

Matrix GaussNewtonEncoder::hidden(const Matrix& U) const {
  Matrix Z = dec_.weight(0) * U;
  Z.colwise() += dec_.bias(0);
  return linear_ ? Z : tanh_activation(Z);
}

Matrix GaussNewtonEncoder::slopes(const Matrix& T) const {
  return linear_ ? Matrix(Matrix::Ones(T.rows(), T.cols())) : Matrix(1.0 - T.array().square());
}

void GaussNewtonEncoder::form_gram() {
  const auto W2 = dec_.weight(1);
  const Index h = W2.cols();
  // M by a rank update of its lower triangle (BLAS syrk: half a general product's work).
  M_.setZero(h, h);
  M_.selfadjointView<Eigen::Lower>().rankUpdate(W2.transpose());
  if (dec_.split() == Mlp::Split::output) allreduce_sum(dec_.rows().comm, M_.data(), M_.size());
  Matrix full = M_.selfadjointView<Eigen::Lower>();
  M_.swap(full);
}

Matrix GaussNewtonEncoder::gram_hessians(const Matrix& A, const Matrix& S) const {
  const auto W1 = dec_.weight(0);
  const auto W2 = dec_.weight(1);
  const Index r = W1.cols(), m = S.cols();
  if (dec_.split() != Mlp::Split::output && W2.rows() < W2.cols()) {
    const Matrix JA = W2 * A;  // the Jacobians J_j = W₂A_j side by side
    Matrix H(r, r * m);
    for (Index j = 0; j < m; ++j) H.middleCols(j * r, r).noalias() = JA.middleCols(j * r, r).transpose() * JA.middleCols(j * r, r);
    return H;
  }
  Matrix SMA = M_ * A;
  for (Index j = 0; j < m; ++j) SMA.middleCols(j * r, r) = S.col(j).asDiagonal() * SMA.middleCols(j * r, r);
  return W1.transpose() * SMA;
}

Matrix GaussNewtonEncoder::solve_adaptive(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s) {
  const auto W1 = dec_.weight(0);
  const auto W2 = dec_.weight(1);
  const auto b2 = dec_.bias(1);
  const Index r = W1.cols(), h = W1.rows(), B = X.cols();
  if (X.rows() != W2.rows() || U0.rows() != r || U0.cols() != B)
    throw Error("Gauss–Newton encoder: batch shapes do not match the decoder");
  if (!(s.regularization >= 0)) throw Error("Gauss–Newton encoder: the regularization λ must be >= 0");
  const double lambda = s.regularization;
  const bool split = dec_.split() == Mlp::Split::output;
  form_gram();
  Xc_ = X.colwise() - b2;
  steps_.clear();
  // Residuals ‖φ(u_i) − x_i‖² for the whole batch, formed directly (an n-sized product
  // per iteration) so that accepting a step is not decided by cancellation, and the
  // gradients' W₂ᵀ(φ(u_i) − x_i) from the same residual: M t − Q would cancel once the
  // residual is small next to x (a well-fitted decoder), stalling the iteration short of
  // the minimizer. One allreduce of the (1 + h) x B sums per iteration. With s.gram, through
  // M and Q instead: tᵀMt − 2tᵀQ + ‖x − b₂‖², free of n, resolved to ε‖x − b₂‖².
  Matrix G;  // W₂ᵀ(φ(u) − x) of the accepted iterates
  Vector xx;  // ‖x_i − b₂‖² (gram)
  if (s.gram) {
    Q_.noalias() = W2.transpose() * Xc_;
    Matrix both(1 + h, B);
    both.row(0) = Xc_.colwise().squaredNorm();
    both.bottomRows(h) = Q_;
    if (split) allreduce_sum(dec_.rows().comm, both.data(), both.size());
    xx = both.row(0).transpose();
    Q_ = both.bottomRows(h);
  }
  auto residuals = [&](const Matrix& T, Matrix& g) -> Vector {
    if (s.gram) {
      g.noalias() = M_ * T;
      g -= Q_;
      return (T.cwiseProduct(g - Q_).colwise().sum().transpose() + xx).cwiseMax(0.0);
    }
    const Matrix R = (W2 * T) - Xc_;
    Matrix both(1 + h, B);
    both.row(0) = R.colwise().squaredNorm();
    both.bottomRows(h).noalias() = W2.transpose() * R;
    if (split) allreduce_sum(dec_.rows().comm, both.data(), both.size());
    g = both.bottomRows(h);
    return both.row(0).transpose();
  };
  // The objective ‖φ(u_i) − x_i‖² + λ‖u_i‖² that a step must lower.
  auto objective = [&](const Matrix& U, const Matrix& T, Matrix& g) -> Vector {
    Vector f = residuals(T, g);
    if (lambda > 0) f += lambda * U.colwise().squaredNorm().transpose();
    return f;
  };
  Matrix U = U0, T = hidden(U);
  Vector f = objective(U, T, G), gamma = Vector::Constant(B, std::max(s.damping, 1e-12));
  std::vector<char> active(B, 1);
  // The model Hessians H_i (Gauss–Newton's A_iᵀMA_i, or Newton's, plus λI) and gradients g_i
  // of the samples `which` at the current iterates, undamped. The products with M (or W₂) of
  // all the samples' A_i = diag(S_i)W₁ are one matrix product.
  std::vector<Matrix> Hs;
  std::vector<Vector> gs;
  auto models = [&](const std::vector<Index>& which) {
    const Index m = static_cast<Index>(which.size());
    Matrix S(h, m), A(h, r * m);
    for (Index j = 0; j < m; ++j) {
      S.col(j) = linear_ ? Vector::Ones(h) : Vector(1.0 - T.col(which[j]).array().square());
      A.middleCols(j * r, r) = S.col(j).asDiagonal() * W1;
    }
    const Matrix Hall = gram_hessians(A, S);
    Hs.resize(m);
    gs.resize(m);
    for (Index j = 0; j < m; ++j) {
      const Index i = which[j];
      const auto Ai = A.middleCols(j * r, r);
      Matrix& H = Hs[j];
      H = Hall.middleCols(j * r, r);
      // Newton: the residual's curvature Σ_k F_k ∇²φ_k = W₁ᵀ diag(W₂ᵀF ⊙ tanh''(z)) W₁, with
      // tanh'' = −2tS; where H + γI is not positive definite the step is refused (γ grows).
      if (s.newton && !linear_)
        H.noalias() += W1.transpose() * (G.col(i).array() * -2.0 * T.col(i).array() * S.col(j).array()).matrix().asDiagonal() * W1;
      H.diagonal().array() += lambda;
      gs[j].noalias() = Ai.transpose() * G.col(i);
      gs[j] += lambda * U.col(i);
    }
  };
  auto steps = [&](const Vector& damping) {
    Matrix P = Matrix::Zero(r, B);
    std::vector<Index> which;
    for (Index i = 0; i < B; ++i)
      if (active[i]) which.push_back(i);
    models(which);
    for (std::size_t j = 0; j < which.size(); ++j) {
      Hs[j].diagonal().array() += damping(which[j]);
      const Eigen::LLT<Matrix> llt(Hs[j]);
      if (llt.info() == Eigen::Success) P.col(which[j]) = llt.solve(gs[j]);
    }
    return P;
  };
  // Whether the undamped model step of sample i promises a decrease gᵀH⁻¹g below 1e-14 f,
  // about what a sum of squares resolves (its relative round-off grows from ε ≈ 1.1e-16 with
  // the number of terms): then the iterate is a minimizer as far as f can tell. (1e-12 is too
  // coarse: a Gauss–Newton step refused for the model's error, not round-off, then ends a
  // large-residual iteration with |Jᵀr| = 4e-6 |J||r|.)
  auto resolved = [&](Index i) {
    models({i});
    const Eigen::LLT<Matrix> llt(Hs[0]);
    return llt.info() == Eigen::Success && gs[0].dot(llt.solve(gs[0])) <= 1e-14 * (s.gram ? f(i) + xx(i) : f(i));
  };
  iterations_ = 0;
  for (int k = 0; k < 4 * s.iterations; ++k) {
    ++iterations_;
    // Candidate steps for the samples still iterating.
    const Matrix P = steps(gamma);
    const Matrix Ut = U - P, Tt = hidden(Ut);
    Matrix Gt;
    const Vector ft = objective(Ut, Tt, Gt);
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
        // No step lowers the objective: a minimum to round-off, or one as far as f resolves
        // (growing γ then only wasted iterations: about 25 a batch on the Burgers set).
        if (gamma(i) > 1e12 || resolved(i)) active[i] = 0;
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
    const Vector ft = objective(Ut, Tt, Gt);
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

namespace {
// The inverse of a small symmetric positive definite H (r x r, r ≤ a few dozen) by Cholesky,
// written out: one call per sample, where Eigen's LLT::solve calls the BLAS (dtrsm) with its
// per-call overhead. False where H is not positive definite.
bool invert_spd(Eigen::Ref<Matrix> H, Eigen::Ref<Matrix> Hinv) {
  const Index r = H.rows();
  for (Index j = 0; j < r; ++j) {  // H = LLᵀ, L in H's lower triangle
    double d = H(j, j);
    for (Index k = 0; k < j; ++k) d -= H(j, k) * H(j, k);
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    H(j, j) = d;
    for (Index i = j + 1; i < r; ++i) {
      double v = H(i, j);
      for (Index k = 0; k < j; ++k) v -= H(i, k) * H(j, k);
      H(i, j) = v / d;
    }
  }
  for (Index j = 0; j < r; ++j) {  // L⁻¹ in Hinv's lower triangle
    Hinv(j, j) = 1 / H(j, j);
    for (Index i = j + 1; i < r; ++i) {
      double v = 0;
      for (Index k = j; k < i; ++k) v -= H(i, k) * Hinv(k, j);
      Hinv(i, j) = v / H(i, i);
    }
  }
  for (Index j = 0; j < r; ++j)  // H⁻¹ = L⁻ᵀL⁻¹, upper triangle first, then mirrored
    for (Index i = 0; i <= j; ++i) {
      double v = 0;
      for (Index k = j; k < r; ++k) v += Hinv(k, i) * Hinv(k, j);
      Hinv(i, j) = v;
    }
  for (Index j = 0; j < r; ++j)
    for (Index i = j + 1; i < r; ++i) Hinv(i, j) = Hinv(j, i);
  return true;
}
}  // namespace

Matrix GaussNewtonEncoder::solve(const Matrix& X, const Matrix& U0, const GaussNewtonSettings& s) {
  if (s.adaptive) return solve_adaptive(X, U0, s);
  const auto W1 = dec_.weight(0);
  const auto W2 = dec_.weight(1);
  const auto b2 = dec_.bias(1);
  const Index r = W1.cols(), h = W1.rows(), B = X.cols();
  if (X.rows() != W2.rows() || U0.rows() != r || U0.cols() != B)
    throw Error("Gauss–Newton encoder: batch shapes do not match the decoder");
  if (s.damping < 0) throw Error("Gauss–Newton encoder: damping must be >= 0");
  if (!(s.regularization >= 0)) throw Error("Gauss–Newton encoder: the regularization λ must be >= 0");
  damping_ = s.damping;
  lambda_ = s.regularization;
  // Once per batch: the only products with n rows or columns.
  // W₂ and X hold this rank's rows of the state: M and Q are sums over the ranks.
  form_gram();
  Xc_ = X.colwise() - b2;
  Q_.noalias() = W2.transpose() * Xc_;
  if (dec_.split() == Mlp::Split::output) allreduce_sum(dec_.rows().comm, Q_.data(), Q_.size());
  steps_.clear();
  iterations_ = 0;
  Matrix U = U0;
  for (int k = 0; k < s.iterations; ++k) {
    Step st;
    st.U = U;
    st.T = hidden(U);
    st.G.noalias() = M_ * st.T;
    st.G -= Q_;
    // A_i = diag(S_i) W₁ for every sample, side by side: h x rB; g_i = A_iᵀG_i = W₁ᵀ(S_i ⊙ G_i).
    const Matrix S = slopes(st.T);
    Matrix A(h, r * B);
    for (Index i = 0; i < B; ++i) A.middleCols(i * r, r) = S.col(i).asDiagonal() * W1;
    Matrix H = gram_hessians(A, S);
    Matrix g = W1.transpose() * S.cwiseProduct(st.G);
    if (lambda_ > 0) g += lambda_ * U;
    st.P.resize(r, B);
    st.Hinv.resize(r, r * B);
    double largest = 0;
    for (Index i = 0; i < B; ++i) {
      auto Hi = H.middleCols(i * r, r);
      Hi.diagonal().array() += damping_ + lambda_;
      if (!invert_spd(Hi, st.Hinv.middleCols(i * r, r)))
        throw Error("Gauss–Newton encoder: JᵀJ + (γ + λ)I is not positive definite (increase the damping)");
      st.P.col(i).noalias() = st.Hinv.middleCols(i * r, r) * g.col(i);
      largest = std::max(largest, st.P.col(i).norm() / (1.0 + U.col(i).norm()));
    }
    U -= st.P;
    steps_.push_back(std::move(st));
    iterations_ = static_cast<int>(steps_.size());
    if (s.tolerance > 0 && largest <= s.tolerance) break;
  }
  Ufinal_ = U;
  Tfinal_ = hidden(U);
  Gfinal_.noalias() = M_ * Tfinal_;
  Gfinal_ -= Q_;
  return U;
}

double GaussNewtonEncoder::reconstruction_loss(double scale) const {
  // Σ_i tᵢᵀ(Mtᵢ − qᵢ) − tᵢᵀqᵢ (M and Q are the ranks' sums) + ‖X − b₂1ᵀ‖² (this rank's rows).
  const double gram = (Tfinal_.cwiseProduct(Gfinal_ - Q_)).sum();
  const double xx = dec_.split() == Mlp::Split::output ? allreduce_sum(dec_.rows().comm, Xc_.squaredNorm())
                                                       : Xc_.squaredNorm();
  return scale * std::max(gram + xx, 0.0);
}

// Reverse mode of one step U_k = U_{k-1} − p, p_i = H_i⁻¹(g_i + λu_i), H_i = (γ + λ)I + A_iᵀMA_i,
// g_i = A_iᵀG_i, G = MT − Q, A_i = diag(S_i)W₁, S = 1 − T², T = tanh(W₁U + b₁),
// M = W₂ᵀW₂, Q = W₂ᵀ(X − b₂1ᵀ). With p̄ = −Ū_k and ḡ_i = H_i⁻¹p̄_i:
//   Ā_i = G_iḡ_iᵀ − MA_i(ḡ_ip_iᵀ + p_iḡ_iᵀ) = a_iḡ_iᵀ − c_ip_iᵀ,  a = G − MD,  c = MḠ,
//   Ḡ = S ⊙ W₁ḡ (= A_iḡ_i),  D = S ⊙ W₁p (= A_ip_i),  M̄ += Ḡ(T − D)ᵀ,  Q̄ = −Ḡ,
//   S̄ = rowdot(Ā_i, W₁) = a ⊙ W₁ḡ − c ⊙ W₁p,  T̄ = MḠ − 2T ⊙ S̄,  Z̄ = T̄ ⊙ S,
//   W̄₁ += Σ_i diag(S_i)Ā_i + Z̄Uᵀ = (S ⊙ a)ḡᵀ − (S ⊙ c)pᵀ + Z̄Uᵀ,  b̄₁ += Z̄1,
//   Ū_{k-1} = Ū_k + W₁ᵀZ̄ + λḡ
// — every term a product over the whole batch but ḡ_i = H_i⁻¹p̄_i (r x r each). M̄ and Q̄ are
// summed over the steps and turned into W̄₂, b̄₂ once at the end. The reconstruction term
// s Σ‖W₂t_i + b₂ − x_i‖² = s Σ(tᵢᵀMtᵢ − 2tᵢᵀqᵢ + ‖x_i − b₂‖²) seeds M̄ = sTTᵀ, Q̄ = −2sT,
// T̄ = 2s(MT − Q) and b̄₂ = −2s(X − b₂1ᵀ)1 at U_I.
Matrix GaussNewtonEncoder::backward(const Matrix& Ubar_in, Vector& grad, double reconstruction_scale) const {
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
  Matrix Mbar = Matrix::Zero(h, h), Gsum = Matrix::Zero(h, Ubar.cols());
  const double s = reconstruction_scale;
  if (s > 0) {
    const Matrix S = slopes(Tfinal_);
    Mbar.noalias() += s * Tfinal_ * Tfinal_.transpose();
    Gsum += 2 * s * Tfinal_;
    const Matrix Zbar = (2 * s * Gfinal_).cwiseProduct(S);
    gW1.noalias() += Zbar * Ufinal_.transpose();
    gb1 += Zbar.rowwise().sum();
    Ubar.noalias() += W1.transpose() * Zbar;
  }
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    const Step& st = *it;
    const Index B = st.U.cols();
    const Matrix S = slopes(st.T);
    Matrix Gl(r, B);  // the ḡ_i
    for (Index i = 0; i < B; ++i) Gl.col(i).noalias() = -(st.Hinv.middleCols(i * r, r) * Ubar.col(i));
    const Matrix WG = W1 * Gl, WP = W1 * st.P;
    Matrix GD(h, 2 * B);  // [Ḡ D], then [MḠ MD] in one product
    GD.leftCols(B) = S.cwiseProduct(WG);
    GD.rightCols(B) = S.cwiseProduct(WP);
    const Matrix MGD = M_ * GD;
    const auto Gbar = GD.leftCols(B), D = GD.rightCols(B);
    const auto c = MGD.leftCols(B);
    const Matrix a = st.G - MGD.rightCols(B);
    // W̄₁ += (S ⊙ a)ḡᵀ − (S ⊙ c)pᵀ, as one product.
    Matrix SA(h, 2 * B), GP(r, 2 * B);
    SA.leftCols(B) = S.cwiseProduct(a);
    SA.rightCols(B) = -S.cwiseProduct(c);
    GP.leftCols(B) = Gl;
    GP.rightCols(B) = st.P;
    gW1.noalias() += SA * GP.transpose();
    Mbar.noalias() += Gbar * (st.T - D).transpose();
    Gsum += Gbar;
    Matrix Tbar = c;
    if (!linear_) Tbar.array() -= 2.0 * st.T.array() * (a.cwiseProduct(WG) - c.cwiseProduct(WP)).array();
    const Matrix Zbar = Tbar.cwiseProduct(S);
    gW1.noalias() += Zbar * st.U.transpose();
    gb1 += Zbar.rowwise().sum();
    Ubar.noalias() += W1.transpose() * Zbar;
    if (lambda_ > 0) Ubar += lambda_ * Gl;
  }
  if (!steps_.empty() || s > 0) {
    // M = W₂ᵀW₂: W̄₂ += W₂(M̄ + M̄ᵀ). Q = W₂ᵀ(X − b₂1ᵀ) with Q̄ = −ΣḠ:
    // W̄₂ += (X − b₂1ᵀ)Q̄ᵀ, b̄₂ += −W₂Q̄1.
    gW2.noalias() += W2 * (Mbar + Mbar.transpose());
    gW2.noalias() -= Xc_ * Gsum.transpose();
    gb2.noalias() += W2 * Gsum.rowwise().sum();
    if (s > 0) gb2 -= 2 * s * Xc_.rowwise().sum();
  }
  return Ubar;
}

}  // namespace metarom
