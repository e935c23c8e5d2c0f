#pragma once
// The full-order model interface the ROM layer sees (docs/methods.md, "Full-order models"):
// dx/dt = f(t, x), advanced by a PETSc TS, with states exchanged in snapshot ordering
// (the grid's natural ordering, split over the ranks as `rows()`).
//
// Each model's configuration (HeatConfig, QgConfig, BurgersConfig) reads its options in
// set_from_options(comm, prefix): each option overrides the current value, and with a
// prefix is read as -<prefix><name>, as PETSc's options prefixes.
#include <petscmat.h>

#include <string>

#include "metarom/io/attributes.hpp"
#include "metarom/io/snapshots.hpp"

namespace metarom {

// Times at which the model is advanced and recorded: steps of dt = (t_final - t0)/steps,
// a snapshot every `stride` steps starting with t0.
struct TimeGrid {
  double t0 = 0.0;
  double t_final = 0.0;
  int steps = 0;
  int stride = 1;
  double dt() const { return (t_final - t0) / steps; }
  int snapshots() const { return steps / stride + 1; }

  // A model's time options and provenance, named after it: -<model>_t_final,
  // -<model>_steps, -<model>_snapshot_stride; attributes <model>_t0, ... .
  void set_from_options(MPI_Comm comm, const std::string& model, const std::string& prefix = "");
  void check(const std::string& model) const;  // throws, naming the option
  void to_attributes(Attributes& a, const std::string& model) const;
  static TimeGrid from_attributes(const Attributes& a, const std::string& model, const std::string& context);
};

class FullOrderModel {
 public:
  virtual ~FullOrderModel() = default;
  virtual std::string name() const = 0;
  virtual const RowPartition& rows() const = 0;
  virtual FieldLayout layout() const = 0;
  virtual Attributes provenance() const = 0;
  virtual const TimeGrid& time_grid() const = 0;

  virtual Vector initial_state() const = 0;                 // local rows of x(t0)
  virtual Matrix rhs(double t, const Matrix& X) const = 0;  // f(t, x) for each column
  // Linear models (f(t, x) = A x) expose A: assembled (PETSc ordering) and applied in
  // snapshot ordering.
  virtual bool linear() const { return false; }
  // The implicit PETSc TS type latent ROMs of this model default to ("cn" for stiff
  // diffusion, "beuler" where the full model's own scheme is backward Euler); empty:
  // explicit classical RK4.
  virtual std::string implicit_ts_type() const { return ""; }
  virtual Mat operator_matrix() const { return nullptr; }
  virtual Matrix apply_operator(const Matrix& V) const;  // throws for nonlinear models

  // Models whose right-hand side is a polynomial of degree at most two,
  // f(x) = c + L x + B(x, x), expose its parts (column by column) so Galerkin ROMs can
  // precompute them; linear models do so with c = 0, L = A, B = 0.
  virtual bool quadratic() const { return linear(); }
  virtual Vector constant_term() const;
  virtual Matrix apply_linear_term(const Matrix& V) const;
  virtual Matrix apply_quadratic_term(const Matrix& V, const Matrix& W) const;
  // ∂f/∂x at the state x (local rows, one column) applied to the columns of V: exact from
  // the polynomial structure when there is one, central differences of rhs() otherwise.
  virtual Matrix apply_jacobian(double t, const Vector& x, const Matrix& V) const;

  // Chaotic models: trajectories decorrelate from any ROM's within the run, so ROMs are
  // ranked by statistics (flow_statistics.hpp) and learned dynamics chosen by them.
  virtual bool chaotic() const { return false; }
  // Kinetic energy and enstrophy of each column (2 x N: row 0 E, row 1 Z), for flows that
  // define them (QG); an empty matrix otherwise. Collective.
  virtual Matrix energy_enstrophy(const Matrix&) const { return Matrix(); }

  // Advances over the time grid and records the snapshots; solve_seconds() is the wall
  // time of the last time integration (recording included, set-up excluded).
  virtual SnapshotSet simulate(bool progress) = 0;
  virtual double solve_seconds() const = 0;
};

}  // namespace metarom

#include <memory>

namespace metarom {
// Rebuilds the full-order model that produced a snapshot set from its provenance
// attributes; options in the PETSc database (-heat_nx, ...) override the stored values.
std::unique_ptr<FullOrderModel> create_model_from_provenance(MPI_Comm comm, const Attributes& provenance,
                                                             const std::string& context);
}  // namespace metarom
