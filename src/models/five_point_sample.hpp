#pragma once
// The 5-point neighbourhoods of sample rows on a grid of mx × my interior points carrying
// `dof` interleaved fields (row = f + dof·(i + mx·j)) with homogeneous Dirichlet boundaries:
// the stencil a model's SampledRhs (model.hpp) reads, and where each neighbour sits in it.
#include <string>
#include <vector>

#include "metarom/types.hpp"

namespace metarom {

// The sorted distinct rows of `neighbour` (−1 entries: a boundary point, no row) as `stencil`,
// and each entry's position in it as `at` (−1 for −1): how a sample's stencil is indexed.
void index_stencil(const std::vector<long long>& neighbour, std::vector<long long>& stencil, std::vector<int>& at);

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
  // Field f at sample k's neighbour d from the stencil values x (0 on the boundary).
  double value(const Vector& x, size_t k, Direction d, int f) const {
    const int q = at(k, d, f);
    return q < 0 ? 0.0 : x(q);
  }
  // The 5-point Laplacian cx (w − 2c + e) + cy (s − 2c + n) of field f at sample k (cy = 0:
  // the 1-D 3-point one), and its row of ∂/∂x_stencil added into J's row `row`.
  double laplacian(const Vector& x, size_t k, int f, double cx, double cy) const;
  // The Laplacian's entries of ∂/∂x_stencil as add(row, stencil position, value) calls
  // (SampledRhs::product_from_entries).
  template <class Add>
  void add_laplacian(Add&& add, Index row, size_t k, int f, double cx, double cy) const {
    add(row, at(k, centre, f), -2 * cx - 2 * cy);
    const Direction sides[4] = {west, east, south, north};
    for (int s = 0; s < 4; ++s)
      if (const int q = at(k, sides[s], f); q >= 0) add(row, q, s < 2 ? cx : cy);
  }

 private:
  long long mx_, my_;
  int dof_;
  std::vector<long long> point_, stencil_;
  std::vector<int> field_, at_;
};

}  // namespace metarom
