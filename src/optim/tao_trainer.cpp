#include "metarom/optim/tao_trainer.hpp"

#include <fmt/format.h>
#include <petsctao.h>

#include <iostream>
#include <numeric>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

namespace {
// Which parameters sit in this rank's part of TAO's vector, in order.
struct VecLayout {
  MPI_Comm comm;
  bool root;
  std::vector<Index> own;         // this rank's distributed parameters
  std::vector<Index> replicated;  // the replicated ones (in the Vec on rank 0 only)

  VecLayout(const ParameterLayout& p, Index size) : comm(p.comm) {
    if (static_cast<Index>(p.distributed.size()) != size)
      throw Error(fmt::format("TAO training: the parameter layout covers {} values, the parameters are {}",
                              p.distributed.size(), size));
    int rank;
    MPI_Comm_rank(comm, &rank);
    root = rank == 0;
    for (Index i = 0; i < size; ++i) (p.distributed[i] ? own : replicated).push_back(i);
  }
  PetscInt local() const { return static_cast<PetscInt>(own.size() + (root ? replicated.size() : 0)); }

  // Vec part -> parameters (replicated values from rank 0 to all).
  void unpack(const PetscScalar* x, Vector& params) const {
    Index k = 0;
    for (Index i : own) params(i) = x[k++];
    Vector rep(static_cast<Index>(replicated.size()));
    if (root)
      for (Index j = 0; j < rep.size(); ++j) rep(j) = x[k++];
    MPI_Bcast(rep.data(), static_cast<int>(rep.size()), MPI_DOUBLE, 0, comm);
    for (Index j = 0; j < rep.size(); ++j) params(replicated[j]) = rep(j);
  }
  // Parameters (or a gradient laid out like them) -> Vec part.
  void pack(const Vector& params, PetscScalar* x) const {
    Index k = 0;
    for (Index i : own) x[k++] = params(i);
    if (root)
      for (Index i : replicated) x[k++] = params(i);
  }
};

struct TaoContext {
  const BatchLoss* loss_grad;
  const VecLayout* layout;
  Index samples;
  int batch;
  Vector params, grad, batch_grad;
  std::vector<double> history;
};

PetscErrorCode objective_gradient(Tao, Vec x, PetscReal* f, Vec g, void* ctx) {
  auto* c = static_cast<TaoContext*>(ctx);
  const PetscScalar* px;
  PetscScalar* pg;
  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(x, &px));
  c->layout->unpack(px, c->params);
  PetscCall(VecRestoreArrayRead(x, &px));
  double total = 0;
  c->grad.setZero();
  std::vector<Index> idx;
  PetscCall(petsc_guard(c->layout->comm, [&] {
    for (Index first = 0; first < c->samples; first += c->batch) {
      idx.resize(std::min<Index>(c->batch, c->samples - first));
      std::iota(idx.begin(), idx.end(), first);
      c->batch_grad.setZero();
      const double w = static_cast<double>(idx.size()) / c->samples;
      total += w * (*c->loss_grad)(idx, c->params, c->batch_grad);
      c->grad += w * c->batch_grad;
    }
  }));
  *f = total;
  c->history.push_back(total);
  PetscCall(VecGetArray(g, &pg));
  c->layout->pack(c->grad, pg);
  PetscCall(VecRestoreArray(g, &pg));
  PetscFunctionReturn(0);
}
}  // namespace

TrainResult train_tao(Vector& params, const ParameterLayout& parameter_layout, Index samples,
                      const BatchLoss& loss_grad, int batch_size, int iterations, bool progress,
                      const std::string& what) {
  if (samples < 1) throw Error(what + ": no training samples");
  const VecLayout layout(parameter_layout, params.size());
  TaoContext ctx{&loss_grad, &layout, samples, std::max(batch_size, 1), params, Vector::Zero(params.size()),
                 Vector::Zero(params.size()), {}};
  VecHandle x;
  METAROM_PETSC(VecCreateMPI(layout.comm, layout.local(), PETSC_DETERMINE, x.address()));
  PetscScalar* px;
  METAROM_PETSC(VecGetArray(x, &px));
  layout.pack(params, px);
  METAROM_PETSC(VecRestoreArray(x, &px));
  TaoHandle tao;
  METAROM_PETSC(TaoCreate(layout.comm, tao.address()));
  METAROM_PETSC(TaoSetType(tao, TAOLMVM));
  METAROM_PETSC(TaoSetSolution(tao, x));
  METAROM_PETSC(TaoSetObjectiveAndGradient(tao, nullptr, objective_gradient, &ctx));
  METAROM_PETSC(TaoSetMaximumIterations(tao, iterations));
  METAROM_PETSC(TaoSetTolerances(tao, 0.0, 0.0, 0.0));
  METAROM_PETSC(TaoSetFromOptions(tao));
  const double start = MPI_Wtime();
  METAROM_PETSC(TaoSolve(tao));
  TrainResult r;
  r.seconds = MPI_Wtime() - start;
  const PetscScalar* sx;
  METAROM_PETSC(VecGetArrayRead(x, &sx));
  layout.unpack(sx, params);
  METAROM_PETSC(VecRestoreArrayRead(x, &sx));
  TaoConvergedReason reason;
  PetscInt its;
  PetscReal f, gnorm, cnorm, xdiff;
  METAROM_PETSC(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  r.epoch_loss = ctx.history;
  r.best_epoch = static_cast<int>(its);
  r.best_loss = f;
  if (progress && layout.root)
    std::cerr << fmt::format("  {}: TAO {} iterations, {} objective evaluations, loss {:.6e}, |g| {:.3e}, reason {}\n",
                             what, its, ctx.history.size(), f, gnorm, TaoConvergedReasons[reason]);
  if (reason < 0 && reason != TAO_DIVERGED_MAXITS)
    throw Error(fmt::format("{}: TAO failed ({})", what, TaoConvergedReasons[reason]));
  return r;
}

}  // namespace metarom
