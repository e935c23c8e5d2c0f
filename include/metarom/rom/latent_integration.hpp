#pragma once
// The latent ODE du/dt = g(t, u) (or F(t, u, u̇) = 0) of a reduced model and its time
// integration (docs/methods.md, "Latent-space reduced models"): a PETSc TS on a small
// sequential Vec (options prefix "rom_" in metarom's programs), the latent state replicated on
// every rank; or a one-step map's own loop (LSPG). Every integrator records its states
// through LatentRecorder and reports a failure as LatentIntegrationError.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "metarom/error.hpp"
#include "metarom/models/model.hpp"
#include "metarom/types.hpp"

namespace metarom {

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
  LatentIntegrationError(const std::string& what, LatentTrajectory partial)
      : Error(what), partial_(std::move(partial)) {}
  // The states recorded before the failure (at least u0 where the integration started).
  const LatentTrajectory& partial() const { return partial_; }

 private:
  LatentTrajectory partial_;
};

class LatentDynamics {
 public:
  virtual ~LatentDynamics() = default;
  virtual int dim() const = 0;
  virtual Vector rhs(double t, const Vector& u) const = 0;
  // ∂g/∂u; the default is a central finite difference of rhs().
  virtual Matrix jacobian(double t, const Vector& u) const;
  virtual std::string name() const = 0;
};

// A latent ODE in implicit form, F(t, u, u̇) = 0 (r equations): the reduction of an
// application that states its equations as F(t, x, ẋ) = 0 (the PETSc plugin's implicit,
// IMEX and DAE programs).
class ImplicitLatentDynamics {
 public:
  virtual ~ImplicitLatentDynamics() = default;
  virtual int dim() const = 0;
  virtual Vector residual(double t, const Vector& u, const Vector& udot) const = 0;
  // shift ∂F/∂u̇ + ∂F/∂u (TS's IJacobian); the default is a central finite difference of
  // residual() along u with u̇ moving as shift·δu (as TS's stages do).
  virtual Matrix jacobian(double t, const Vector& u, const Vector& udot, double shift) const;
  virtual std::string name() const = 0;
};

// Called with every latent state the TS accepts (step 0, the initial state, included).
using LatentMonitor = std::function<void(long long step, double t, const Vector& u)>;

// Advances u0 over `grid` (its dt and stride), recording every stride steps; explicit TS
// types use g, implicit ones g and its Jacobian (their Newton solves use a direct LU of the
// r x r Jacobian by default). Default type (-<prefix>ts_type overrides it): classical RK4,
// or the implicit type `implicit_type` names (the model's FullOrderModel::implicit_ts_type);
// fixed steps. With adaptive_tolerance > 0 (and explicit)
// the step is chosen by an error estimate instead: Dormand–Prince RK5(4) with rtol = tol
// and atol = tol·max|u0|, grid.dt the first step, every accepted step recorded.
LatentTrajectory integrate_latent(const LatentDynamics& g, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix = "rom_", const std::string& implicit_type = "",
                                  double adaptive_tolerance = 0, const LatentMonitor& monitor = {});
// The implicit form: an implicit TS type (default `implicit_type`, "beuler" when empty;
// -<prefix>ts_type overrides), with fixed steps over the grid (options may choose an
// adaptor), Newton on F with its Jacobian, lagged as above.
LatentTrajectory integrate_latent(const ImplicitLatentDynamics& F, const Vector& u0, const TimeGrid& grid,
                                  const std::string& prefix, const std::string& implicit_type = "",
                                  const LatentMonitor& monitor = {});

// A latent trajectory by a one-step map, u_{k+1} = step(u_k, t_{k+1}, Δt), over the grid's
// fixed steps (the LSPG variants' own time loops), recording every stride-th state; the
// monitor sees every state. `ts_type` names the scheme in the result.
using LatentStep = std::function<Vector(const Vector& u, double t_next, double dt)>;
LatentTrajectory march_latent(const Vector& u0, const TimeGrid& grid, const LatentStep& step, const std::string& ts_type,
                              const LatentMonitor& monitor = {});

}  // namespace metarom
