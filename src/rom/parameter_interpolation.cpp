#include "metarom/rom/parameter_interpolation.hpp"

#include <fmt/format.h>

#include <Eigen/LU>
#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

namespace {
double cubic(double rho) { return rho * rho * rho; }
}  // namespace

ParameterInterpolation::ParameterInterpolation(Matrix points, const std::string& context) : points_(std::move(points)) {
  const Index d = points_.rows(), J = points_.cols();
  if (J < 1) throw Error(context + ": no parameter points to interpolate between");
  if (!points_.allFinite()) throw Error(context + ": a parameter point is not finite");
  for (Index i = 0; i < d; ++i) {
    const double lo = points_.row(i).minCoeff(), hi = points_.row(i).maxCoeff();
    if (hi - lo > 1e-12 * std::max({1.0, std::abs(lo), std::abs(hi)})) varying_.push_back(i);
  }
  const Index dv = static_cast<Index>(varying_.size());
  lo_.resize(dv);
  width_.resize(dv);
  for (Index a = 0; a < dv; ++a) {
    lo_(a) = points_.row(varying_[a]).minCoeff();
    width_(a) = points_.row(varying_[a]).maxCoeff() - lo_(a);
  }
  scaled_points_.resize(dv, J);
  for (Index j = 0; j < J; ++j) scaled_points_.col(j) = scaled(points_.col(j));
  const Matrix& S = scaled_points_;
  for (Index j = 0; j < J; ++j)
    for (Index k = 0; k < j; ++k)
      if ((S.col(j) - S.col(k)).norm() < 1e-12)
        throw Error(fmt::format("{}: parameter points {} and {} coincide", context, k, j));
  // [Φ P; Pᵀ 0]: P = [1 μ̂ᵀ] needs full column rank (d' + 1 points not on one hyperplane);
  // then the system is nonsingular for distinct points (φ = ρ³ is conditionally positive
  // definite of order 2).
  const Index m = J + 1 + dv;
  Matrix M = Matrix::Zero(m, m);
  for (Index j = 0; j < J; ++j) {
    for (Index k = 0; k < J; ++k) M(j, k) = cubic((S.col(j) - S.col(k)).norm());
    M(j, J) = M(J, j) = 1;
    for (Index a = 0; a < dv; ++a) M(j, J + 1 + a) = M(J + 1 + a, j) = S(a, j);
  }
  Eigen::FullPivLU<Matrix> tail(M.bottomLeftCorner(1 + dv, J));
  if (tail.rank() < 1 + dv)
    throw Error(fmt::format("{}: {} parameter points that vary in {} parameters lie on one hyperplane; interpolating "
                            "needs at least {} points not on one",
                            context, J, dv, dv + 1));
  Eigen::FullPivLU<Matrix> lu(M);
  if (!lu.isInvertible()) throw Error(context + ": the interpolation system is singular");
  inverse_ = lu.inverse();
}

Vector ParameterInterpolation::scaled(const Vector& mu) const {
  Vector s(static_cast<Index>(varying_.size()));
  for (Index a = 0; a < s.size(); ++a) s(a) = (mu(varying_[static_cast<size_t>(a)]) - lo_(a)) / width_(a);
  return s;
}

Vector ParameterInterpolation::weights(const Vector& mu) const {
  if (mu.size() != points_.rows())
    throw Error(fmt::format("parameter interpolation: a point of {} values, the data has {}", mu.size(), points_.rows()));
  const Index J = size(), dv = static_cast<Index>(varying_.size());
  const Vector s = scaled(mu);
  Vector b(J + 1 + dv);
  for (Index j = 0; j < J; ++j) b(j) = cubic((s - scaled_points_.col(j)).norm());
  b(J) = 1;
  b.tail(dv) = s;
  // The system is symmetric: α = (M⁻¹ b)_{1..J} gives Σ α_j y_j = [y; 0]ᵀ M⁻¹ b.
  return (inverse_ * b).head(J);
}

}  // namespace metarom
