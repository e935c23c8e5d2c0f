#pragma once
// Dense local linear algebra types (Eigen, double precision, column-major).
#include <Eigen/Core>

namespace metarom {
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using Index = Eigen::Index;
}  // namespace metarom
