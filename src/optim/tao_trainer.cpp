#include "metarom/optim/tao_trainer.hpp"

#include <fmt/format.h>
#include <petsctao.h>

#include <iostream>
#include <numeric>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"
#include "metarom/io/row_partition.hpp"

namespace metarom {

namespace {
// What rank 0 tells the other ranks next.
enum Command : int { evaluate = 1, finish = 2, fail = 3 };

// Every parameter once, in rank 0's vector: each rank's distributed block in rank order,
// then the replicated entries.
struct VecLayout {
  MPI_Comm comm;
  int rank = 0, size = 1;
  std::vector<Index> own;         // this rank's distributed parameters
  std::vector<Index> replicated;  // the replicated ones (every rank holds the same values)
  std::vector<int> counts, offsets;  // rank 0: where each rank's block sits
  PetscInt global = 0;               // rank 0: the vector's length

  VecLayout(const ParameterLayout& p, Index params) : comm(p.comm) {
    if (static_cast<Index>(p.distributed.size()) != params)
      throw Error(fmt::format("TAO training: the parameter layout covers {} values, the parameters are {}",
                              p.distributed.size(), params));
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (Index i = 0; i < params; ++i) (p.distributed[i] ? own : replicated).push_back(i);
    const int mine = static_cast<int>(own.size());
    counts.assign(static_cast<std::size_t>(size), 0);
    MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
    offsets.assign(static_cast<std::size_t>(size), 0);
    for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
    global = static_cast<PetscInt>(offsets.back() + counts.back() + static_cast<Index>(replicated.size()));
  }
  bool root() const { return rank == 0; }

  // Rank 0's x -> every rank's parameters.
  void scatter(const double* x, Vector& params) const {
    std::vector<double> block(own.size());
    MPI_Scatterv(x, counts.data(), offsets.data(), MPI_DOUBLE, block.data(), static_cast<int>(block.size()),
                 MPI_DOUBLE, 0, comm);
    for (std::size_t k = 0; k < own.size(); ++k) params(own[k]) = block[k];
    std::vector<double> rep(replicated.size());
    if (root()) std::copy(x + global - static_cast<PetscInt>(rep.size()), x + global, rep.begin());
    MPI_Bcast(rep.data(), static_cast<int>(rep.size()), MPI_DOUBLE, 0, comm);
    for (std::size_t k = 0; k < rep.size(); ++k) params(replicated[k]) = rep[k];
  }
  // Every rank's parameters (or a gradient laid out like them) -> rank 0's x. The
  // replicated entries are rank 0's.
  void gather(const Vector& params, double* x) const {
    std::vector<double> block(own.size());
    for (std::size_t k = 0; k < own.size(); ++k) block[k] = params(own[k]);
    MPI_Gatherv(block.data(), static_cast<int>(block.size()), MPI_DOUBLE, x, counts.data(), offsets.data(),
                MPI_DOUBLE, 0, comm);
    if (root())
      for (std::size_t k = 0; k < replicated.size(); ++k)
        x[global - static_cast<PetscInt>(replicated.size()) + static_cast<PetscInt>(k)] = params(replicated[k]);
  }
};

struct TaoContext {
  const BatchLoss* loss_grad;
  const VecLayout* layout;
  Index samples;
  int batch;
  Vector params, grad, batch_grad;
  std::vector<double> history;
  std::string evaluation_error;  // rank 0: an evaluation failed (every rank knows)
};

// One evaluation of the objective and its gradient, on every rank together: rank 0's x in,
// rank 0's objective and gradient out (x and g are read and written on rank 0 only). A
// failure on any rank throws on every rank with the same message; the ranks compare notes
// after each batch, since the loss's own collective calls are made batch by batch.
double evaluate_everywhere(TaoContext& c, const double* x, double* g) {
  const VecLayout& l = *c.layout;
  l.scatter(x, c.params);
  double total = 0;
  c.grad.setZero();
  std::vector<Index> idx;
  for (Index first = 0; first < c.samples; first += c.batch) {
    std::string error;
    try {
      idx.resize(std::min<Index>(c.batch, c.samples - first));
      std::iota(idx.begin(), idx.end(), first);
      c.batch_grad.setZero();
      const double w = static_cast<double>(idx.size()) / c.samples;
      total += w * (*c.loss_grad)(idx, c.params, c.batch_grad);
      c.grad += w * c.batch_grad;
    } catch (const std::exception& e) {
      error = *e.what() ? e.what() : "unknown error";
    }
    error = first_error(l.comm, error);
    if (!error.empty()) throw Error(error);
  }
  l.gather(c.grad, g);
  c.history.push_back(total);
  return total;
}

PetscErrorCode objective_gradient(Tao, Vec x, PetscReal* f, Vec g, void* ctx) {
  auto* c = static_cast<TaoContext*>(ctx);
  const PetscScalar* px;
  PetscScalar* pg;
  PetscFunctionBeginUser;
  int command = evaluate;
  MPI_Bcast(&command, 1, MPI_INT, 0, c->layout->comm);
  PetscCall(VecGetArrayRead(x, &px));
  PetscCall(VecGetArray(g, &pg));
  const PetscErrorCode failed =
      petsc_guard(PETSC_COMM_SELF, [&] { *f = evaluate_everywhere(*c, px, pg); }, &c->evaluation_error);
  PetscCall(VecRestoreArray(g, &pg));
  PetscCall(VecRestoreArrayRead(x, &px));
  PetscFunctionReturn(failed);
}

struct Outcome {
  PetscInt iterations = 0;
  PetscReal objective = 0, gnorm = 0;
  TaoConvergedReason reason = TAO_CONTINUE_ITERATING;
};

// Rank 0: TAO on a sequential vector of every parameter (starting from `solution`, laid
// out by VecLayout), each evaluation served by all ranks; the solution replaces it.
Outcome solve_on_root(TaoContext& ctx, Vector& solution, int iterations) {
  const VecLayout& layout = *ctx.layout;
  VecHandle x;
  METAROM_PETSC(VecCreateSeq(PETSC_COMM_SELF, layout.global, x.address()));
  PetscScalar* px;
  METAROM_PETSC(VecGetArray(x, &px));
  std::copy(solution.data(), solution.data() + layout.global, px);
  METAROM_PETSC(VecRestoreArray(x, &px));
  TaoHandle tao;
  METAROM_PETSC(TaoCreate(PETSC_COMM_SELF, tao.address()));
  METAROM_PETSC(TaoSetType(tao, TAOLMVM));
  METAROM_PETSC(TaoSetSolution(tao, x));
  METAROM_PETSC(TaoSetObjectiveAndGradient(tao, nullptr, objective_gradient, &ctx));
  METAROM_PETSC(TaoSetMaximumIterations(tao, iterations));
  METAROM_PETSC(TaoSetTolerances(tao, 0.0, 0.0, 0.0));
  METAROM_PETSC(TaoSetFromOptions(tao));
  // Failures are reported once, by the exception below, without PETSc's traceback.
  METAROM_PETSC(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
  const PetscErrorCode ierr = TaoSolve(tao);
  METAROM_PETSC(PetscPopErrorHandler());
  if (!ctx.evaluation_error.empty()) throw Error(ctx.evaluation_error);
  if (ierr) throw_petsc_error(ierr, "TaoSolve", __FILE__, __LINE__);
  Outcome o;
  PetscReal cnorm, xdiff;
  METAROM_PETSC(TaoGetSolutionStatus(tao, &o.iterations, &o.objective, &o.gnorm, &cnorm, &xdiff, &o.reason));
  const PetscScalar* sx;
  METAROM_PETSC(VecGetArrayRead(x, &sx));
  solution = Eigen::Map<const Vector>(sx, layout.global);
  METAROM_PETSC(VecRestoreArrayRead(x, &sx));
  return o;
}
}  // namespace

TrainResult train_tao(Vector& params, const ParameterLayout& parameter_layout, Index samples,
                      const BatchLoss& loss_grad, int batch_size, int iterations, bool progress,
                      const std::string& what) {
  if (samples < 1) throw Error(what + ": no training samples");
  const VecLayout layout(parameter_layout, params.size());
  TaoContext ctx{&loss_grad, &layout, samples, std::max(batch_size, 1), params, Vector::Zero(params.size()),
                 Vector::Zero(params.size()), {}, {}};
  const double start = MPI_Wtime();
  Outcome o;
  Vector solution(layout.root() ? layout.global : 0);
  layout.gather(params, solution.data());
  if (layout.root()) {
    // TAO runs on rank 0 alone, so its every decision (line-search steps accepted, the
    // quasi-Newton update, convergence) is taken once and reaches the other ranks as the
    // next command; decisions taken on each rank from allreduced values (as PETSc's
    // VecDot/VecNorm on an MPI Vec would give) need not agree bitwise, and ranks that part
    // ways hang. The price: rank 0 holds every parameter (the networks, not the data).
    std::string error;
    try {
      o = solve_on_root(ctx, solution, iterations);
    } catch (const std::exception& e) {
      error = e.what();
    }
    // An evaluation's failure is known to every rank already: they left with it.
    if (!ctx.evaluation_error.empty()) throw Error(fmt::format("{}: {}", what, error));
    int command = error.empty() ? finish : fail;
    MPI_Bcast(&command, 1, MPI_INT, 0, layout.comm);
    if (command == fail) {
      broadcast(layout.comm, 0, error);
      throw Error(fmt::format("{}: {}", what, error));
    }
  } else {
    for (;;) {
      int command = 0;
      MPI_Bcast(&command, 1, MPI_INT, 0, layout.comm);
      if (command == evaluate) {
        try {
          evaluate_everywhere(ctx, nullptr, nullptr);
        } catch (const std::exception& e) {
          throw Error(fmt::format("{}: {}", what, e.what()));
        }
        continue;
      }
      if (command == fail) {
        std::string error;
        broadcast(layout.comm, 0, error);
        throw Error(fmt::format("{}: {}", what, error));
      }
      break;
    }
  }
  layout.scatter(solution.data(), params);
  MPI_Bcast(&o, sizeof(Outcome), MPI_BYTE, 0, layout.comm);
  // Every rank made the same evaluations; rank 0's objective values are the record.
  MPI_Bcast(ctx.history.data(), static_cast<int>(ctx.history.size()), MPI_DOUBLE, 0, layout.comm);
  TrainResult r;
  r.seconds = MPI_Wtime() - start;
  r.epoch_loss = ctx.history;
  r.best_epoch = static_cast<int>(o.iterations);
  r.best_loss = o.objective;
  if (progress && layout.root())
    std::cerr << fmt::format("  {}: TAO {} iterations, {} objective evaluations, loss {:.6e}, |g| {:.3e}, reason {}\n",
                             what, o.iterations, ctx.history.size(), o.objective, o.gnorm,
                             TaoConvergedReasons[o.reason]);
  if (o.reason < 0 && o.reason != TAO_DIVERGED_MAXITS)
    throw Error(fmt::format("{}: TAO failed ({})", what, TaoConvergedReasons[o.reason]));
  return r;
}

}  // namespace metarom
