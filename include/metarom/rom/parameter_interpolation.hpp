#pragma once
// Interpolation over scattered parameter points, for learned operators that depend on the
// parameters (LaSDI: Fries, He & Choi 2022 fit latent dynamics at each training parameter and
// interpolate their coefficients in between).
//
// A polyharmonic spline with a linear tail,
//     s(μ) = Σ_j w_j φ(‖μ̂ − μ̂_j‖) + v₀ + vᵀμ̂,   φ(ρ) = ρ³,   Σ_j w_j = 0,  Σ_j w_j μ̂_j = 0,
// in coordinates μ̂ scaled to [0, 1] by the points' range in each parameter (so parameters of
// different units weigh alike). It passes through every point, reproduces affine functions of
// μ exactly (an operator linear in κ, as the heat equation's is, is interpolated without
// error), and in one parameter it is the natural cubic spline. A parameter at one value in
// every point is left out; the linear tail needs at least d + 1 points not on one hyperplane.
// Everything is linear in the data, so it is applied through cardinal weights:
// s(μ) = Σ_j α_j(μ) y_j.
#include <string>
#include <vector>

#include "metarom/types.hpp"

namespace metarom {

class ParameterInterpolation {
 public:
  ParameterInterpolation() = default;
  // points: d x J, one column per point (distinct). `context` names them in errors.
  ParameterInterpolation(Matrix points, const std::string& context);

  // α(μ) (J values, summing to 1): the interpolant at μ of any data given at the points.
  Vector weights(const Vector& mu) const;
  const Matrix& points() const { return points_; }
  Index size() const { return points_.cols(); }

 private:
  Vector scaled(const Vector& mu) const;  // μ̂ over the parameters that vary
  Matrix points_;                         // d x J as given
  std::vector<Index> varying_;            // the parameters with a range
  Vector lo_, width_;                     // of each varying parameter
  Matrix scaled_points_;                  // μ̂_j, d' x J
  Matrix inverse_;                        // of [Φ P; Pᵀ 0], (J + 1 + d') square
};

}  // namespace metarom
