#pragma once
// The Reducer interface (docs/methods.md, "Core interfaces"): maps states x (n) to latent
// coordinates u (r) and back. States are distributed by rows like the full-order PETSc
// Vec (a RowPartition); latent vectors are small and replicated on every rank.
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "metarom/io/row_partition.hpp"
#include "metarom/io/snapshots.hpp"
#include "metarom/types.hpp"

namespace metarom {

namespace h5 {
class Group;
}
struct Normalization;

// The reducers metarom provides. Their names — on the command line (fit TYPE), in model
// files (/reducer's type) and in reports — come from one table: reducer_kind_name and
// reducer_kind_from_name. A type a program registers itself (register_reducer) is `custom`.
enum class ReducerKind { pod, linear_ae, sparse_ae, ae, ri_ae, meta_ae, ae_corrected, custom };
std::string reducer_kind_name(ReducerKind kind);  // "pod", "linear-ae", ...; throws for custom
// The built-in kind of `name`; custom for other names (registered or not).
ReducerKind reducer_kind_from_name(const std::string& name);

class Reducer {
 public:
  virtual ~Reducer() = default;

  virtual ReducerKind kind() const { return ReducerKind::custom; }
  // The type's name: the kind's for built-in reducers; a custom reducer overrides it with the
  // name it is registered under.
  virtual std::string type() const { return reducer_kind_name(kind()); }
  // Reads this reducer's settings from the PETSc options database under `prefix`, as
  // PETSc's XSetFromOptions does: -<prefix>reducer_latent_dim (read here, for every type),
  // then the type's own options (-<prefix>pod_energy, -<prefix>ae_hidden, ...). Two
  // reducers in one program keep separate settings through separate prefixes.
  void set_from_options(const std::string& prefix = "");
  const std::string& options_prefix() const { return prefix_; }
  // Settings a program gives directly (instead of writing into the options database):
  // the latent dimension r, and progress lines while fitting.
  virtual void set_latent_dim(int r) = 0;
  virtual void set_progress(bool) {}
  virtual void fit(const SnapshotView& train) = 0;
  // Throws, naming `data`, unless the latent dimension asked for fits a set of N states of n
  // values: 1 <= r <= min(n, N) (POD and linear-ae also take r = 0: chosen by energy). Programs call it
  // before fit(), so a bad -r fails at once with the data's sizes in the message.
  void check_latent_dim(long long n, long long N, const std::string& data) const;

  virtual Matrix encode(const Matrix& X) const = 0;  // local rows of n x N -> r x N
  virtual Matrix decode(const Matrix& U) const = 0;  // r x N -> local rows of n x N
  virtual Matrix decoder_jacobian(const Vector& u) const = 0;  // local rows of n x r
  // True when a latent dimension of 0 asks the fit to choose r by an energy fraction (POD and
  // the linear autoencoder).
  virtual bool chooses_latent_dim_by_energy() const { return false; }
  // True when decode(u) = decode(0) + J u exactly (POD, linear autoencoders): the latent
  // dynamics of a linear model then reduce to fixed r x r operators.
  virtual bool affine_decoder() const { return false; }
  virtual int latent_dim() const = 0;
  // Neural reducers: decode(u) = x̄ + sΦ ψ(u) with ψ the decoder network and the fixed
  // affine map of normalization.hpp; network_decode/network_jacobian give ψ and ∂ψ/∂u
  // (replicated when the normalization has a POD stage). nullptr for other reducers.
  virtual const Normalization* normalization() const { return nullptr; }
  virtual Matrix network_decode(const Matrix& U) const { return decode(U); }
  virtual Matrix network_jacobian(const Vector& u) const { return decoder_jacobian(u); }
  // Both at one u (neural reducers: from one forward pass).
  virtual std::pair<Vector, Matrix> network_decode_jacobian(const Vector& u) const {
    return {network_decode(u).col(0), network_jacobian(u)};
  }
  // Second derivatives of ψ where the network provides them (Mlp::second_derivatives:
  // Σ_k v_k ∇²ψ_k and Σ_m w_m ∂(∂ψ/∂u)/∂u_m); empty matrices otherwise.
  virtual std::pair<Matrix, Matrix> network_second_derivatives(const Vector&, const Vector&, const Vector&) const {
    return {};
  }

  virtual void save(h5::Group& g) const = 0;
  virtual void load(const h5::Group& g, const RowPartition& rows) = 0;
  virtual void view(std::ostream& os) const = 0;
  // The settings it was fitted with, in one line for reports ("" when it has none to say).
  virtual std::string settings_summary() const { return ""; }

  const RowPartition& rows() const { return rows_; }

 protected:
  // The type's own options under `prefix`, read after the latent dimension.
  virtual void read_options(const std::string& prefix) = 0;
  // The latent dimension the settings ask for (shown as the option's default).
  virtual int latent_dim_setting() const = 0;
  RowPartition rows_;

 private:
  std::string prefix_;
};

using ReducerFactory = std::function<std::unique_ptr<Reducer>()>;
void register_reducer(const std::string& type, ReducerFactory factory);
std::unique_ptr<Reducer> create_reducer(const std::string& type);  // throws listing the known types
std::vector<std::string> reducer_types();

}  // namespace metarom
