#include "metarom/optim/fista.hpp"

#include <cmath>

namespace metarom {

double fista_momentum_next(double s) { return 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * s * s)); }

Vector soft_threshold(const Vector& v, double t) {
  return v.unaryExpr([t](double a) { return a > t ? a - t : (a < -t ? a + t : 0.0); });
}

Vector fista(const std::function<Vector(const Vector&)>& grad, const std::function<Vector(const Vector&, double)>& prox,
             const Vector& x0, double step, int iterations) {
  Vector theta = x0, y = x0;
  double s = 1.0;
  for (int j = 0; j < iterations; ++j) {
    const Vector next = prox(y - step * grad(y), step);
    const double s_next = fista_momentum_next(s);
    y = next + ((s - 1.0) / s_next) * (next - theta);
    theta = next;
    s = s_next;
  }
  return theta;
}

Vector accelerated_gradient(const std::function<Vector(const Vector&)>& grad, const Vector& x0, double step,
                            int iterations) {
  return fista(grad, [](const Vector& v, double) { return v; }, x0, step, iterations);
}

}  // namespace metarom
