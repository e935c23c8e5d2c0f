#pragma once
// Accelerated proximal gradient (FISTA, Beck & Teboulle 2009) and its smooth special case,
// Nesterov's accelerated gradient, as ANAMO uses them (Gur, Alg. 1): from θ̃⁰ = y⁰ = x₀,
//   θ̃^{j+1} = prox_{e g}(y^j − e ∇f(y^j)),
//   y^{j+1} = θ̃^{j+1} + ((s_j − 1)/s_{j+1}) (θ̃^{j+1} − θ̃^j),
// with s₀ = 1, s_{j+1} = (1 + √(1 + 4 s_j²))/2. (Alg. 1's decoder line prints s_{j−1}; the
// encoder's s_j − 1 is FISTA's, used for both.)
#include <functional>

#include "metarom/types.hpp"

namespace metarom {

// s_{j+1} from s_j.
double fista_momentum_next(double s);

// prox of t‖·‖₁: entrywise sign(v) max(|v| − t, 0) — the exact prox of the ℓ₁ norm.
Vector soft_threshold(const Vector& v, double t);

// J steps of FISTA with fixed step e: grad(y) returns ∇f(y); prox(v, e) returns
// prox_{e g}(v). Returns θ̃^J.
Vector fista(const std::function<Vector(const Vector&)>& grad, const std::function<Vector(const Vector&, double)>& prox,
             const Vector& x0, double step, int iterations);

// Nesterov's accelerated gradient: FISTA with g = 0.
Vector accelerated_gradient(const std::function<Vector(const Vector&)>& grad, const Vector& x0, double step,
                            int iterations);

}  // namespace metarom
