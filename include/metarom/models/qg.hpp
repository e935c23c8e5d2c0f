#pragma once
// Wind-driven double-gyre quasi-geostrophic ocean model (San & Iliescu 2015; the ODE Test
// Problems "quasigeostrophic" problem), vorticity–streamfunction form on [0, 1] x [0, 2]:
//
//   ω_t + J(ψ, ω) - Ro⁻¹ ψ_x = Re⁻¹ Δω + Ro⁻¹ F,   ω = -Δψ,   F = sin(π(y - 1)),
//   J(ψ, ω) = ψ_y ω_x - ψ_x ω_y,   ψ = ω = 0 on the boundary.
//
// Discretization: interior grid nx x ny, hx = 1/(nx+1), hy = 2/(ny+1), 5-point Laplacian,
// Arakawa's energy- and enstrophy-conserving Jacobian, central ψ_x, and a fast Poisson solve
// (poisson.hpp). The state is ψ (as in ODE Test Problems): ψ_t = (-Δ_h)⁻¹ ω_t, so the
// model is an ODE ψ_t = f(ψ) = c + L ψ + B(ψ, ψ) with
//   c = (-Δ_h)⁻¹ Ro⁻¹F,  L v = (-Δ_h)⁻¹ (Ro⁻¹ D_x v + Re⁻¹ Δ_h ω(v)),
//   B(v, w) = -(-Δ_h)⁻¹ J_A(ω(v), w),  ω(v) = -Δ_h v,
// where J_A(a, b) ≈ a_x b_y - a_y b_x is Arakawa's Jacobian (so J(ψ, ω) = J_A(ω, ψ)).
// Time stepping: PETSc TS, classical RK4 with a fixed step by default (any TS by options).
#include <functional>
#include <memory>
#include <string>

#include "metarom/models/model.hpp"

namespace metarom {

struct QgConfig {
  int nx = 63, ny = 127;
  double re = 450.0, ro = 0.0036;
  double dt = 1e-4;
  double spinup_time = 10.0;  // from rest; the window starts here
  double window = 5.0;        // length of the recorded window
  int stride = 100;           // steps between snapshots
  std::string poisson = "dst";
  std::string spinup_file;    // where the spun-up state is kept (empty: not kept)

  // -qg_nx -qg_ny -qg_re -qg_ro -qg_dt -qg_spinup_time -qg_window -qg_snapshot_stride
  // -qg_poisson dst|ksp -qg_spinup_file
  // (model.hpp: options and prefixes)
  void set_from_options(MPI_Comm comm, const std::string& prefix = "");
  Attributes to_attributes() const;
  static QgConfig from_attributes(const Attributes& a, const std::string& context);
  TimeGrid window_grid() const;  // the recorded window: [spinup_time, spinup_time + window]
  static constexpr double day = 0.0109;  // one "day" in model time units
};

class QgModel : public FullOrderModel, public QuadraticStructure {
 public:
  QgModel(MPI_Comm comm, const QgConfig& config);
  ~QgModel() override;

  std::string name() const override { return "qg"; }
  const RowPartition& rows() const override;
  FieldLayout layout() const override;
  Attributes provenance() const override;
  const TimeGrid& time_grid() const override;
  // The spun-up state ψ(spinup_time): loaded from the spin-up file when it matches this
  // configuration, otherwise computed from rest (and saved there).
  Vector initial_state() const override;
  Matrix rhs(double t, const Matrix& X) const override;
  // simulate(): spin-up (or load), then the window; simulate_from(): the window from x0.
  SnapshotSet simulate(bool progress) override;
  SnapshotSet simulate_from(const Vector& x0, bool progress) override;
  double solve_seconds() const override;

  // f = (−Δ_h)⁻¹ g(ψ) with g the vorticity tendency ω_t, a local stencil (ψ on the 5 × 5
  // box around a point less its corners): sampled_rhs evaluates g at sample rows, local_rhs g
  // everywhere, rhs_operator_transpose applies (−Δ_h)⁻¹ (symmetric) for hyper-reduction.
  std::unique_ptr<SampledRhs> sampled_rhs(const std::vector<long long>& rows) const override;
  Matrix local_rhs(double t, const Matrix& X) const override;
  Matrix rhs_operator_transpose(const Matrix& V) const override { return poisson(V); }

  // The ODE's structure f(ψ) = c + L ψ + B(ψ, ψ), applied column by column.
  const QuadraticStructure* quadratic_structure() const override { return this; }
  Vector constant_term() const override;
  Matrix apply_linear_term(const Matrix& V) const override;
  Matrix apply_quadratic_term(const Matrix& V, const Matrix& W) const override;

  // Building blocks, in snapshot ordering (exposed for tests and diagnostics).
  Matrix arakawa(const Matrix& A, const Matrix& B) const;  // J_A(a, b) per column
  Matrix vorticity(const Matrix& Psi) const;               // ω = -Δ_h ψ
  Matrix poisson(const Matrix& Omega) const;               // (-Δ_h)⁻¹ ω
  // E = ½ Σ_cells |∇_h ψ|² h_x h_y = ½ Σ ψ ω h_x h_y (summation by parts, zero Dirichlet
  // ghosts) and Z = ½ Σ ω² h_x h_y with ω = −Δ_h ψ, per column.
  Matrix energy_enstrophy(const Matrix& Psi) const override;
  bool chaotic() const override { return true; }
  // Explicit RK4 at the CFL limit of the grid: latent ROMs step at the snapshot spacing.
  int default_rom_dt_multiple() const override { return time_grid().stride; }
  Vector spin_up(bool progress) const;
  // Advances ψ from t0 over `steps` steps of dt, calling record(step, t, ψ) at step 0 and
  // after each step; returns the TSSolve wall time.
  double advance(Vector& psi, double t0, int steps,
                 const std::function<void(int, double, const Vector&)>& record) const;
  void set_progress(bool on) { progress_ = on; }
  // Wall time spent in Poisson solves inside right-hand-side evaluations, since construction.
  double poisson_seconds() const;

  const QgConfig& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool progress_ = false;
};

}  // namespace metarom
