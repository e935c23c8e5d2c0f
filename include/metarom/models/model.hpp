#pragma once
// The full-order model interface the ROM layer sees (docs/methods.md, "Full-order models"):
// dx/dt = f(t, x), advanced by a PETSc TS, with states exchanged in snapshot ordering
// (the grid's natural ordering, split over the ranks as `rows()`).
//
// Each model's configuration (HeatConfig, QgConfig, BurgersConfig) reads its options in
// set_from_options(comm, prefix): each option overrides the current value, and with a
// prefix is read as -<prefix><name>, as PETSc's options prefixes.
#include <petscmat.h>

#include <memory>
#include <string>
#include <vector>

#include "metarom/error.hpp"
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

// Optional structure of a model's right-hand side, as capability objects: a model returns
// one for what it has and nullptr otherwise, so no query is paired with methods that throw.

// f(t, x) = A x.
class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual Mat matrix() const = 0;                   // assembled, in PETSc's ordering
  virtual Matrix apply(const Matrix& V) const = 0;  // A V, snapshot ordering (local rows)
};

// f(x) = c + L x + B(x, x), a polynomial of degree at most two, its parts applied column by
// column, so Galerkin ROMs can project them once.
class QuadraticStructure {
 public:
  virtual ~QuadraticStructure() = default;
  virtual Vector constant_term() const = 0;
  virtual Matrix apply_linear_term(const Matrix& V) const = 0;
  virtual Matrix apply_quadratic_term(const Matrix& V, const Matrix& W) const = 0;
};

// The quadratic structure of a linear model: c = 0, L = A, B = 0.
class LinearStructure : public QuadraticStructure {
 public:
  LinearStructure(const LinearOperator& A, const RowPartition& rows) : A_(A), rows_(rows) {}
  Vector constant_term() const override { return Vector::Zero(rows_.local()); }
  Matrix apply_linear_term(const Matrix& V) const override { return A_.apply(V); }
  Matrix apply_quadratic_term(const Matrix& V, const Matrix&) const override {
    return Matrix::Zero(V.rows(), V.cols());
  }

 private:
  const LinearOperator& A_;
  const RowPartition& rows_;
};

// f evaluated at a few chosen rows only (hyper-reduction: docs/methods.md), from the state's
// values on the rows those entries read (their stencil). Built by a model for fixed sample
// rows (FullOrderModel::sampled_rhs); its evaluations need no communication, so every rank
// evaluates all sample rows from replicated data, at a cost set by the sample, not by n.
class SampledRhs {
 public:
  virtual ~SampledRhs() = default;
  // The sample rows (global indices, in the order given) and the rows their entries of f
  // read (sorted, without repeats).
  const std::vector<long long>& rows() const { return rows_; }
  const std::vector<long long>& stencil() const { return stencil_; }
  // f(t, x) at rows(), from x at stencil() (in that order).
  virtual Vector rhs(double t, const Vector& x_stencil) const = 0;
  // ∂f_rows/∂x_stencil at x: rows().size() × stencil().size().
  virtual Matrix jacobian(double t, const Vector& x_stencil) const = 0;
  // (∂f_rows/∂x_stencil W)ᵀ for Wt = Wᵀ (c × stencil().size()): c × rows().size(). A
  // hyper-reduced ROM's Jacobian needs only this product; models whose rows read a few
  // stencil entries each form it from those entries (product_from_entries) at a cost of
  // entries × c instead of the dense J W's rows × stencil × c (10× at 80 Burgers rows).
  virtual Matrix jacobian_product_transposed(double t, const Vector& x_stencil, const Matrix& Wt) const {
    return Wt * jacobian(t, x_stencil).transpose();
  }

 protected:
  // Wᵀ Jᵀ from J's entries: `entries(add)` calls add(row, stencil position, value) once per
  // entry (repeats summed), as it would fill a dense J.
  template <class Entries>
  Matrix product_from_entries(const Matrix& Wt, Entries&& entries) const {
    Matrix P = Matrix::Zero(Wt.rows(), static_cast<Index>(rows_.size()));
    entries([&](Index row, Index at, double value) { P.col(row) += value * Wt.col(at); });
    return P;
  }
  // J itself from the same entries.
  template <class Entries>
  Matrix dense_from_entries(Entries&& entries) const {
    Matrix J = Matrix::Zero(static_cast<Index>(rows_.size()), static_cast<Index>(stencil_.size()));
    entries([&](Index row, Index at, double value) { J(row, at) += value; });
    return J;
  }

  std::vector<long long> rows_, stencil_;
};

// Refuses an initial state that does not hold the model's local rows (or is not finite).
void check_initial_state(const Vector& x0, const RowPartition& rows, const std::string& model);

// A run stopped because its state was no longer finite: `good` holds the snapshots recorded
// before (times, layout and provenance filled), so a program can save them.
class DivergedError : public Error {
 public:
  DivergedError(const std::string& what, SnapshotSet good) : Error(what), good_(std::move(good)) {}
  const SnapshotSet& good() const { return good_; }

 private:
  SnapshotSet good_;
};

// The snapshots a model keeps while it runs, each checked for NaN/Inf on every rank as it
// arrives (a collective decision): the first state that is not finite throws Error, and
// diverged() then says where; set() gives the finite snapshots kept before it.
class SnapshotRecorder {
 public:
  SnapshotRecorder(std::string model, RowPartition rows) : model_(std::move(model)), rows_(std::move(rows)) {}
  void keep(long long step, double t, const double* local);  // local: rows().local() values
  bool diverged() const { return diverged_; }
  // The snapshots kept so far, with `layout` and `provenance`.
  SnapshotSet set(FieldLayout layout, Attributes provenance) const;
  // Called in a catch block: rethrows the error that stopped a run, as DivergedError with the
  // kept snapshots when the state diverged.
  [[noreturn]] void rethrow(FieldLayout layout, Attributes provenance) const;

 private:
  std::string model_;
  RowPartition rows_;
  std::vector<double> data_, times_;
  bool diverged_ = false;
  std::string where_;
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
  // The implicit PETSc TS type latent ROMs of this model default to ("cn" for stiff
  // diffusion, "beuler" where the full model's own scheme is backward Euler); empty:
  // explicit classical RK4.
  virtual std::string implicit_ts_type() const { return ""; }
  // The latent ROM's default step as a multiple of the full model's (compare's
  // -rom_dt_multiple 0): 1, or more where the full step is bound by the grid's stability limit
  // rather than by accuracy, so the smooth latent ODE can take longer steps.
  virtual int default_rom_dt_multiple() const { return 1; }

  // Capabilities (above): the operator of a linear model; the polynomial structure of a
  // model with a quadratic (or linear) right-hand side. nullptr where the model has none.
  virtual const LinearOperator* linear_operator() const { return nullptr; }
  virtual const QuadraticStructure* quadratic_structure() const { return nullptr; }
  // ∂f/∂x at the state x (local rows, one column) applied to the columns of V: exact from
  // the polynomial structure when there is one, central differences of rhs() otherwise.
  virtual Matrix apply_jacobian(double t, const Vector& x, const Matrix& V) const;
  // f at the global rows `rows` alone (above), for models whose f is a local stencil;
  // nullptr where the model has none. Throws for a row outside 0..n-1. A model whose f is
  // f = M g(t, x), M a fixed linear operator and g local (QG: M = (−Δ_h)⁻¹ and g the
  // vorticity tendency; a finite-element model: a mass-matrix inverse), samples g instead:
  // local_rhs gives g at whole states, rhs_operator_transpose Mᵀ, and hyper-reduction
  // reconstructs g and projects it with the test basis MᵀV (docs/methods.md).
  virtual std::unique_ptr<SampledRhs> sampled_rhs(const std::vector<long long>& rows) const {
    (void)rows;
    return nullptr;
  }
  virtual Matrix local_rhs(double t, const Matrix& X) const { return rhs(t, X); }  // g per column
  virtual Matrix rhs_operator_transpose(const Matrix& V) const { return V; }      // Mᵀ V

  // Chaotic models: trajectories decorrelate from any ROM's within the run, so ROMs are
  // ranked by statistics (flow_statistics.hpp) and learned dynamics chosen by them.
  virtual bool chaotic() const { return false; }
  // Transport-dominated models: advection outweighs diffusion at the grid scale (a cell Péclet
  // or Reynolds number above 2), so states move as fronts. Neural reducers' manifold Galerkin
  // ROMs of such flows leave the manifold and fail; their automatic ROM is manifold LSPG
  // (LatentRom::resolve; measured in docs/meta-autoencoder.md).
  virtual bool transport_dominated() const { return false; }
  // Kinetic energy and enstrophy of each column (2 x N: row 0 E, row 1 Z), for flows that
  // define them (QG); an empty matrix otherwise. Collective.
  virtual Matrix energy_enstrophy(const Matrix&) const { return Matrix(); }

  // Advances over the time grid from x(t0) = x0 (local rows) and records the snapshots;
  // solve_seconds() is the wall time of the last time integration (recording included,
  // set-up excluded). simulate() starts from initial_state().
  virtual SnapshotSet simulate_from(const Vector& x0, bool progress) = 0;
  virtual SnapshotSet simulate(bool progress) { return simulate_from(initial_state(), progress); }
  virtual double solve_seconds() const = 0;
};

}  // namespace metarom

#include <memory>

namespace metarom {
// Rebuilds the full-order model that produced a snapshot set from its provenance
// attributes; options in the PETSc database (-heat_nx, ...) override the stored values.
std::unique_ptr<FullOrderModel> create_model_from_provenance(MPI_Comm comm, const Attributes& provenance,
                                                             const std::string& context);
// The models metarom provides, by name (heat, qg, burgers, reaction).
const std::vector<std::string>& model_names();
// The configuration of the model `model` read from the options database (-heat_nx, ...), as
// the provenance create_model builds it from; throws, naming `context`, for an unknown name.
Attributes model_settings_from_options(MPI_Comm comm, const std::string& model, const std::string& context);
// Whether `provenance` names a model metarom can rebuild (model_names()); a recording of a
// PETSc program (model "petsc-ts") or data from elsewhere names none.
bool can_rebuild_model(const Attributes& provenance);
// The model exactly as `provenance` describes it, no option read: a run of a parametric set
// (trajectory_provenance) or a point of a sweep.
std::unique_ptr<FullOrderModel> create_model(MPI_Comm comm, const Attributes& provenance, const std::string& context);
}  // namespace metarom
