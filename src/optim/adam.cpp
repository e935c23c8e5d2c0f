#include "metarom/optim/adam.hpp"

#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

void Adam::step(Vector& params, const Vector& grad) {
  if (grad.size() != params.size() || m_.size() != params.size()) throw Error("Adam: sizes do not match");
  ++t_;
  const double c1 = 1 - std::pow(s_.beta1, static_cast<double>(t_));
  const double c2 = 1 - std::pow(s_.beta2, static_cast<double>(t_));
  // α m̂/(√v̂ + ε) written as (α/c₁) m / (√v/√c₂ + ε), PyTorch's arrangement: one division and
  // one square root an entry instead of three divisions and a root (Adam took a sixth of an
  // autoencoder epoch, bound by them); equal to the textbook form to round-off.
  m_ = s_.beta1 * m_ + (1 - s_.beta1) * grad;
  v_ = s_.beta2 * v_ + (1 - s_.beta2) * grad.cwiseAbs2();
  const double step = s_.learning_rate / c1, root_c2 = 1 / std::sqrt(c2);
  params.array() -= step * m_.array() / (v_.array().sqrt() * root_c2 + s_.epsilon);
}

}  // namespace metarom
