#include "metarom/reducers/normalization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "metarom/io/attributes.hpp"
#include "metarom/error.hpp"
#include "metarom/io/hdf5_file.hpp"
#include "metarom/linalg/tsqr.hpp"

namespace metarom {

void Normalization::fit(const SnapshotView& train, int pod_modes) {
  const MatrixView X = train.X;
  const RowPartition& rows = train.rows;
  comm = rows.comm;
  mean = X.rowwise().mean();
  const Matrix C = X.colwise() - mean;
  if (pod_modes > 0) {
    const ThinSvd svd = distributed_thin_svd(C, rows.comm);
    modes = static_cast<int>(std::min<Index>(pod_modes, svd.sigma.size()));
    basis = svd.U.leftCols(modes);
    // s = RMS of the K coordinates Φᵀ(x − x̄) = σ_k V_k over the snapshots.
    const double ss = svd.sigma.head(modes).squaredNorm();
    scale = ss > 0 ? std::sqrt(ss / (static_cast<double>(modes) * static_cast<double>(X.cols()))) : 1.0;
    return;
  }
  modes = 0;
  basis.resize(0, 0);
  const double ss = allreduce_sum(rows.comm, C.squaredNorm());
  const double count = static_cast<double>(rows.global) * static_cast<double>(X.cols());
  scale = ss > 0 ? std::sqrt(ss / count) : 1.0;
}

Matrix Normalization::apply(MatrixView X) const {
  if (mean.size() == 0 && modes == 0) return X;
  if (modes == 0) return (X.colwise() - mean) / scale;
  Matrix Y = basis.transpose() * (X.colwise() - mean);
  allreduce_sum(comm, Y.data(), Y.size());
  return Y / scale;
}

Matrix Normalization::undo(const Matrix& Y) const {
  if (mean.size() == 0 && modes == 0) return Y;
  return undo_linear(Y).colwise() + mean;
}

Matrix Normalization::undo_linear(const Matrix& J) const {
  if (modes == 0) return scale * J;
  return scale * (basis * J);
}

RowPartition Normalization::network_rows(const RowPartition& state_rows) const {
  return modes > 0 ? RowPartition::serial(modes) : state_rows;
}

Normalization Normalization::for_training(bool normalize, int pod_modes, const SnapshotView& train) {
  Normalization n;
  if (normalize || pod_modes > 0) n.fit(train, pod_modes);
  return n;
}

void Normalization::save(h5::Group& g, const RowPartition& rows) const {
  if (mean.size() == 0 && modes == 0) return;
  Attributes a;
  a.set("normalization_scale", scale);
  a.set("normalization_pod_modes", modes);
  g.write_attributes(a);
  g.write_vector_rows("normalization_mean", mean, rows);
  if (modes > 0) g.write_rows("normalization_basis", basis, rows);
}

void Normalization::load(const h5::Group& g, const RowPartition& rows) {
  *this = Normalization{};
  comm = rows.comm;
  if (!g.has("normalization_mean")) return;
  mean = g.read_vector_rows("normalization_mean", rows);
  const Attributes a = g.read_attributes();
  scale = a.get_double("normalization_scale", g.where());
  if (!(scale > 0)) throw Error(g.where() + ": normalization_scale must be positive");
  modes = a.has("normalization_pod_modes") ? a.get_count("normalization_pod_modes", g.where()) : 0;
  if (modes < 0) throw Error(g.where() + ": normalization_pod_modes must be >= 0");
  if (modes > 0) basis = g.read_rows("normalization_basis", rows, modes);
}

}  // namespace metarom
