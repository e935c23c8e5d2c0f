#pragma once
// The 5-point neighbourhoods of sample rows on a grid of mx × my interior points carrying
// `dof` interleaved fields (row = f + dof·(i + mx·j)) with homogeneous Dirichlet boundaries:
// the stencil a model's SampledRhs (model.hpp) reads, and where each neighbour sits in it.
#include <string>
#include <vector>

namespace metarom {

class FivePointSample {
 public:
  enum Direction { centre = 0, west = 1, east = 2, south = 3, north = 4 };

  // Throws, naming `model`, for a row outside the grid.
  FivePointSample(long long mx, long long my, int dof, const std::vector<long long>& rows, const std::string& model);

  const std::vector<long long>& stencil() const { return stencil_; }
  // Sample k's grid point and field.
  long long i(size_t k) const { return point_[k] % mx_; }
  long long j(size_t k) const { return point_[k] / mx_; }
  int field(size_t k) const { return field_[k]; }
  // The position in stencil() of field f at sample k's neighbour d; -1 on the boundary
  // (a Dirichlet zero).
  int at(size_t k, Direction d, int f) const { return at_[(k * 5 + static_cast<size_t>(d)) * dof_ + f]; }

 private:
  long long mx_, my_;
  int dof_;
  std::vector<long long> point_, stencil_;
  std::vector<int> field_, at_;
};

}  // namespace metarom
