#pragma once
// User-named functions θ_q(μ) of the parameters, for learned operators affine in them:
//     O(μ) = Σ_q θ_q(μ) O_q
// (operator inference with affine parameter dependence, e.g. Benner et al. 2015's parametric
// OpInf and McQuarrie et al. 2023). A term is `1` or a product of powers of parameters,
// `NAME`, `NAME^p` (p any real), `1/NAME`, joined by `*`: "1,heat_kappa" (κ itself),
// "1,1/burgers_re" (Burgers' viscosity), "burgers_amplitude^2*burgers_width".
#include <string>
#include <vector>

#include "metarom/types.hpp"

namespace metarom {

class AffineTerms {
 public:
  AffineTerms() = default;
  // `spec`: the terms, comma separated, over the parameters `names`; an unknown name or a
  // malformed term is refused, naming `context`.
  AffineTerms(const std::string& spec, const std::vector<std::string>& names, const std::string& context);
  AffineTerms(const std::vector<std::string>& terms, const std::vector<std::string>& names, const std::string& context);

  Index size() const { return static_cast<Index>(terms_.size()); }
  const std::vector<std::string>& terms() const { return terms_; }  // as given, one per θ_q
  // θ(μ): one value per term, μ in the order of `names`.
  Vector values(const Vector& mu) const;

 private:
  struct Factor {
    Index parameter;
    double power;
  };
  std::vector<std::string> terms_;
  std::vector<std::vector<Factor>> factors_;
  Index parameters_ = 0;
};

}  // namespace metarom
