#include "metarom/optim/adam.hpp"

#include <cmath>

#include "metarom/error.hpp"

namespace metarom {

void Adam::step(Vector& params, const Vector& grad) {
  if (grad.size() != params.size() || m_.size() != params.size()) throw Error("Adam: sizes do not match");
  ++t_;
  m_ = s_.beta1 * m_ + (1 - s_.beta1) * grad;
  v_ = s_.beta2 * v_ + (1 - s_.beta2) * grad.cwiseAbs2();
  const double c1 = 1 - std::pow(s_.beta1, static_cast<double>(t_));
  const double c2 = 1 - std::pow(s_.beta2, static_cast<double>(t_));
  params.array() -= s_.learning_rate * (m_.array() / c1) / ((v_.array() / c2).sqrt() + s_.epsilon);
}

}  // namespace metarom
