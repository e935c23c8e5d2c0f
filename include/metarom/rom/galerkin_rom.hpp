#pragma once
// POD-Galerkin latent ROM of a linear full-order model dx/dt = A x (docs/methods.md, "Latent-space
// reduced models"). With an affine decoder x = x̄ + J u, the Galerkin condition
// Jᵀ(dx/dt - A x) = 0 gives du/dt = A_r u + c with A_r = M⁻¹JᵀAJ, c = M⁻¹JᵀAx̄ and
// M = JᵀJ (the identity for POD). A_r and c are formed once, so the online cost does not
// depend on n. The latent ODE is advanced by a PETSc TS on a sequential Vec of size r
// (options prefix "rom_": -rom_ts_type, -rom_ts_dt is set from the time grid, ...).
#include <string>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/models/model.hpp"
#include "metarom/reducers/reducer.hpp"

namespace metarom {

// The Galerkin projection onto the span of V (local rows; full column rank, not necessarily
// orthonormal): (VᵀV)⁻¹VᵀF for the columns of F (local rows), VᵀV and VᵀF formed in one
// allreduce over comm. Every Galerkin ROM's offline projection — linear, quadratic, and the
// plugin's projection of an application's operator — is this one. Throws, naming `what`,
// when V's columns are (nearly) linearly dependent.
Matrix galerkin_project(const Matrix& V, const Matrix& F, MPI_Comm comm, const std::string& what);

// Throws (naming `what`) unless the reducer's rows are distributed exactly like the model's.
void require_same_rows(const FullOrderModel& model, const Reducer& reducer, const std::string& what);

struct LatentTrajectory {
  Vector t;              // recorded times
  Matrix U;              // r x T latent states at those times
  double seconds = 0;    // wall time of the latent time integration
  std::string ts_type;   // TS type that ran
  long long steps = 0;   // time steps taken
};

// Collects the recorded states of a latent time integration (every integrator's one way of
// building its LatentTrajectory).
class LatentRecorder {
 public:
  explicit LatentRecorder(Index r, Index expected = 0) : r_(r) { data_.reserve(static_cast<size_t>(expected * r)); }
  void add(double t, const double* u) {
    data_.insert(data_.end(), u, u + r_);
    times_.push_back(t);
  }
  Index count() const { return static_cast<Index>(times_.size()); }
  LatentTrajectory finish(double seconds, std::string ts_type, long long steps) const;

 private:
  Index r_;
  std::vector<double> data_, times_;
};

// A latent time integration that failed (diverged, a Newton solve that did not converge, a
// state that is not finite): a result to report, not a crash.
class LatentIntegrationError : public Error {
 public:
  using Error::Error;
};

class LinearGalerkinRom {
 public:
  // Projects the model's operator onto the reducer's affine decoder (collective).
  LinearGalerkinRom(const FullOrderModel& model, const Reducer& reducer);

  const Matrix& reduced_operator() const { return Ar_; }
  const Vector& affine_term() const { return c_; }
  int latent_dim() const { return static_cast<int>(Ar_.rows()); }

  // Advances u from u0 over `grid` (same dt and snapshot stride), recording every stride
  // steps. Runs redundantly on each rank (the latent state is replicated).
  LatentTrajectory solve(const Vector& u0, const TimeGrid& grid, const std::string& prefix = "rom_") const;

 private:
  Matrix Ar_;
  Vector c_;
};

}  // namespace metarom
