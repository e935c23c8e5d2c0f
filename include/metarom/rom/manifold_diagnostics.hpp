#pragma once
// Where a latent ROM's trajectory goes and how well posed the manifold Galerkin ODE
// du/dt = J(u)⁺ f(t, D(u)) is along it (docs/methods.md, "Diagnosing a latent ROM"): the
// quantities that tell a ROM that fails because its decoder degenerates (J(u) loses rank)
// from one that fails because it leaves the part of latent space the decoder was trained on.
//
// Along the ROM's states u(t_k) and against the reference codes E(x(t_k)) of the full run:
//   σ_min, σ_max  the extreme singular values of the decoder Jacobian J(u) (n x r, in the
//                 state's norm), so cond = σ_max/σ_min; the same at the reference codes;
//   offset        ‖u(t_k) − E(x(t_k))‖ / ρ, the distance from the encoded full run at the
//                 same time, with ρ = the RMS distance of the reference codes from their mean;
//   reach         min_j ‖u(t_k) − E(x(t_j))‖ / ρ, the distance from the nearest reference code
//                 at any time: above 1 the ROM is further from the encoded data than the data
//                 are from their own mean;
//   reencode      ‖E(D(u(t_k))) − u(t_k)‖ / ρ, how far the encoder maps the ROM's decoded
//                 state from where it came (the right-inverse property (2.14) along the path).
#include <cmath>
#include <utility>

#include "metarom/io/snapshots.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"
#include "metarom/rom/latent_integration.hpp"
#include "metarom/types.hpp"

namespace metarom {

struct ManifoldDiagnostics {
  Vector t;                                     // the ROM's recorded times (K of them)
  Vector sigma_min, sigma_max;                  // of J(u(t_k))
  Vector reference_sigma_min, reference_sigma_max;  // of J(E(x(t_k))), the reference codes
  Vector offset, reach, reencode;               // relative to ρ
  Vector latent_scale;                          // the reference codes' standard deviation per coordinate
  double rho = 0;                               // ρ

  Index count() const { return t.size(); }
  static double cond(double smin, double smax) { return smin > 0 ? smax / smin : INFINITY; }
  // cond(J) at each recorded state, and at each reference code.
  Vector conditioning() const;
  Vector reference_conditioning() const;
  // Largest over the path (k < count) of cond(J(u)), of the reference cond, of reach.
  double max_cond() const;
  double max_reference_cond() const;
  double max_reach() const;
  // The first recorded time at which reach exceeds `level` (NaN: never).
  double first_time_beyond(double level) const;
};

// U: the ROM's latent states (r x K, replicated), t their times; codes: E(x) of the full
// run's states at the same times (r x K' with K' >= K: a failed ROM run stops early; the
// caller encodes once what it also needs for the projection error). Collective over the
// reducer's communicator.
ManifoldDiagnostics manifold_diagnostics(const Reducer& reducer, const Matrix& U, const Vector& t,
                                         const Matrix& codes);

// The latent vector field at the encoded run against how the codes u_k = E(x(t_k)) move:
//   rom_defect    ‖g(t_k, u_k) − u̇_k‖ / rms‖u̇‖, g the ROM's vector field (for manifold
//                 Galerkin J(u)⁺f(t, φ(u)), f at the decoded state);
//   state_defect  ‖J(u_k)⁺f(t_k, x_k) − u̇_k‖ / rms‖u̇‖, f at the full state itself: what the
//                 tangent projection alone costs, without the reconstruction's error in f;
// u̇_k by fourth-order finite differences of the codes in time. Where rom_defect is large
// while the path is still near the data, the ROM's velocity is wrong there, and its path
// leaves the encoded run from that time on. Collective.
struct VelocityConsistency {
  Vector t;
  Vector rom_defect, state_defect;
  double velocity_rms = 0;  // rms over k of ‖u̇_k‖
};
// codes: reducer.encode(reference.X).
VelocityConsistency velocity_consistency(const Reducer& reducer, const LatentDynamics& g, const FullOrderModel& model,
                                         const SnapshotSet& reference, const Matrix& codes);

// The extreme singular values of the decoder Jacobian at u (σ_min, σ_max), from JᵀJ summed
// over the ranks. Collective.
std::pair<double, double> decoder_jacobian_extremes(const Reducer& reducer, const Vector& u);

}  // namespace metarom
