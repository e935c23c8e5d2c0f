#include "models/five_point_sample.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "metarom/error.hpp"

namespace metarom {

FivePointSample::FivePointSample(long long mx, long long my, int dof, const std::vector<long long>& rows,
                                 const std::string& model)
    : mx_(mx), my_(my), dof_(dof) {
  const long long n = mx * my * dof;
  const long long di[5] = {0, -1, 1, 0, 0}, dj[5] = {0, 0, 0, -1, 1};
  std::vector<long long> neighbour(rows.size() * 5 * dof, -1);  // global rows first, positions below
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] < 0 || rows[k] >= n)
      throw Error(fmt::format("{}: sample row {} is outside the state's {} rows", model, rows[k], n));
    point_.push_back(rows[k] / dof);
    field_.push_back(static_cast<int>(rows[k] % dof));
    for (int d = 0; d < 5; ++d) {
      const long long ii = i(k) + di[d], jj = j(k) + dj[d];
      if (ii < 0 || jj < 0 || ii >= mx || jj >= my) continue;  // the boundary: no unknown there
      for (int f = 0; f < dof; ++f) neighbour[(k * 5 + d) * dof + f] = f + dof * (ii + mx * jj);
    }
  }
  index_stencil(neighbour, stencil_, at_);
}

void index_stencil(const std::vector<long long>& neighbour, std::vector<long long>& stencil, std::vector<int>& at) {
  stencil = neighbour;
  stencil.erase(std::remove(stencil.begin(), stencil.end(), -1LL), stencil.end());
  std::sort(stencil.begin(), stencil.end());
  stencil.erase(std::unique(stencil.begin(), stencil.end()), stencil.end());
  at.resize(neighbour.size());
  for (size_t q = 0; q < neighbour.size(); ++q)
    at[q] = neighbour[q] < 0
                ? -1
                : static_cast<int>(std::lower_bound(stencil.begin(), stencil.end(), neighbour[q]) - stencil.begin());
}

double FivePointSample::laplacian(const Vector& x, size_t k, int f, double cx, double cy) const {
  const double c = value(x, k, centre, f);
  return cx * (value(x, k, west, f) - 2 * c + value(x, k, east, f)) +
         cy * (value(x, k, south, f) - 2 * c + value(x, k, north, f));
}

}  // namespace metarom
