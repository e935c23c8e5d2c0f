#pragma once
// Adam (Kingma & Ba 2014) on a flat parameter vector, with bias correction.
#include "metarom/types.hpp"

namespace metarom {

class Adam {
 public:
  struct Settings {
    double learning_rate = 1e-3;
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  };
  Adam() = default;
  Adam(Index size, Settings s) : s_(s), m_(Vector::Zero(size)), v_(Vector::Zero(size)) {}

  void step(Vector& params, const Vector& grad);
  long long steps() const { return t_; }
  // State for checkpoints: moments and step count.
  const Vector& first_moment() const { return m_; }
  const Vector& second_moment() const { return v_; }
  void restore(const Vector& m, const Vector& v, long long t) {
    m_ = m;
    v_ = v;
    t_ = t;
  }
  const Settings& settings() const { return s_; }

 private:
  Settings s_;
  Vector m_, v_;
  long long t_ = 0;
};

}  // namespace metarom
