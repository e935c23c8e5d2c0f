#include "metarom/optim/tao_trainer.hpp"

#include <fmt/format.h>
#include <petsctao.h>

#include <iostream>
#include <numeric>

#include "metarom/error.hpp"
#include "metarom/io/petsc_handle.hpp"

namespace metarom {

namespace {
struct TaoContext {
  const BatchLoss* loss_grad;
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
  std::copy(px, px + c->params.size(), c->params.data());
  PetscCall(VecRestoreArrayRead(x, &px));
  double total = 0;
  c->grad.setZero();
  std::vector<Index> idx;
  PetscCall(petsc_guard(PETSC_COMM_SELF, [&] {
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
  std::copy(c->grad.data(), c->grad.data() + c->grad.size(), pg);
  PetscCall(VecRestoreArray(g, &pg));
  PetscFunctionReturn(0);
}
}  // namespace

TrainResult train_tao(Vector& params, Index samples, const BatchLoss& loss_grad, int batch_size, int iterations,
                      bool progress, const std::string& what) {
  if (samples < 1) throw Error(what + ": no training samples");
  TaoContext ctx{&loss_grad, samples, std::max(batch_size, 1), params, Vector::Zero(params.size()),
                 Vector::Zero(params.size()), {}};
  const PetscInt size = static_cast<PetscInt>(params.size());
  VecHandle x;
  METAROM_PETSC(VecCreateSeq(PETSC_COMM_SELF, size, x.address()));
  PetscScalar* px;
  METAROM_PETSC(VecGetArray(x, &px));
  std::copy(params.data(), params.data() + size, px);
  METAROM_PETSC(VecRestoreArray(x, &px));
  TaoHandle tao;
  METAROM_PETSC(TaoCreate(PETSC_COMM_SELF, tao.address()));
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
  METAROM_PETSC(VecGetArray(x, &px));
  std::copy(px, px + size, params.data());
  METAROM_PETSC(VecRestoreArray(x, &px));
  TaoConvergedReason reason;
  PetscInt its;
  PetscReal f, gnorm, cnorm, xdiff;
  METAROM_PETSC(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  r.epoch_loss = ctx.history;
  r.best_epoch = static_cast<int>(its);
  r.best_loss = f;
  if (progress)
    std::cerr << fmt::format("  {}: TAO {} iterations, {} objective evaluations, loss {:.6e}, |g| {:.3e}, reason {}\n",
                             what, its, ctx.history.size(), f, gnorm, TaoConvergedReasons[reason]);
  if (reason < 0 && reason != TAO_DIVERGED_MAXITS)
    throw Error(fmt::format("{}: TAO failed ({})", what, TaoConvergedReasons[reason]));
  return r;
}

}  // namespace metarom
