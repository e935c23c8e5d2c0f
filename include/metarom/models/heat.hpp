#pragma once
// Heat equation u_t = κΔu on the unit interval or unit square, homogeneous Dirichlet
// boundaries, second-order finite differences on the interior grid x_i = (i+1)h,
// h = 1/(nx+1), PETSc DMDA + TS (Crank–Nicolson by default; any TS type by options).
// The initial condition is a sum of sine modes, u0 = Σ a_kl sin(kπx) sin(lπy) with
// a_kl = (k l)^-p, k, l = 1..modes, so the exact solution
// u = Σ a_kl exp(-κπ²(k² + l²) t) sin(kπx) sin(lπy) is known. The default p = 2 gives the
// coefficient decay of a smooth (C¹) profile; p = 1 that of a profile with jumps. The sine
// modes are eigenvectors of the discrete Laplacian too, so the semi-discrete solution is
// also a sum of the same modes.
#include <memory>
#include <vector>

#include "metarom/models/model.hpp"

namespace metarom {

struct HeatConfig {
  int dim = 2;            // 1 or 2
  int nx = 128, ny = 128;  // interior grid points (ny unused in 1-D)
  double kappa = 1.0;
  int modes = 3;          // sine modes per direction in the initial condition
  double ic_decay = 2.0;  // p in a_kl = (k l)^-p
  TimeGrid time{0.0, 0.05, 200, 2};

  // -heat_dim -heat_nx -heat_ny -heat_kappa -heat_modes -heat_ic_decay -heat_t_final -heat_steps
  // -heat_snapshot_stride (model.hpp: options and prefixes).
  void set_from_options(MPI_Comm comm, const std::string& prefix = "");
  Attributes to_attributes() const;  // stored as snapshot provenance
  static HeatConfig from_attributes(const Attributes& a, const std::string& context);
};

class HeatModel : public FullOrderModel, public LinearOperator {
 public:
  HeatModel(MPI_Comm comm, const HeatConfig& config);
  ~HeatModel() override;

  std::string name() const override { return "heat"; }
  const RowPartition& rows() const override;
  FieldLayout layout() const override;
  Attributes provenance() const override;
  const TimeGrid& time_grid() const override;
  Vector initial_state() const override;
  Matrix rhs(double t, const Matrix& X) const override;
  // f = κΔ_h u at sample rows from their 3- (1-D) or 5-point (2-D) neighbourhoods.
  std::unique_ptr<SampledRhs> sampled_rhs(const std::vector<long long>& rows) const override;
  std::string implicit_ts_type() const override { return "cn"; }
  // Linear: f(x) = A x, the 5-point (or 3-point) Laplacian times κ.
  const LinearOperator* linear_operator() const override { return this; }
  const QuadraticStructure* quadratic_structure() const override;
  Mat matrix() const override;
  Matrix apply(const Matrix& V) const override;
  SnapshotSet simulate_from(const Vector& x0, bool progress) override;
  double solve_seconds() const override;

  const HeatConfig& config() const;
  Vector exact_solution(double t) const;  // local rows, snapshot ordering

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace metarom
