#include "metarom/rom/affine_terms.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "metarom/error.hpp"

namespace metarom {

namespace {
std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(trimmed(part));
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}
}  // namespace

AffineTerms::AffineTerms(const std::string& spec, const std::vector<std::string>& names, const std::string& context)
    : AffineTerms(split(spec, ','), names, context) {}

AffineTerms::AffineTerms(const std::vector<std::string>& terms, const std::vector<std::string>& names,
                         const std::string& context)
    : parameters_(static_cast<Index>(names.size())) {
  if (terms.empty()) throw Error(context + ": no affine terms given");
  auto refuse = [&](const std::string& term, const std::string& why) {
    throw Error(fmt::format("{}: term '{}' {} (a term is 1 or a product of NAME, NAME^p or 1/NAME joined by '*', "
                            "NAME among {})",
                            context, term, why, fmt::join(names, ", ")));
  };
  for (const std::string& raw : terms) {
    const std::string term = trimmed(raw);
    if (term.empty()) refuse(raw, "is empty");
    if (std::find(terms_.begin(), terms_.end(), term) != terms_.end()) refuse(term, "is given twice");
    std::vector<Factor> factors;
    if (term != "1") {
      for (std::string f : split(term, '*')) {
        double power = 1;
        if (f.rfind("1/", 0) == 0) {
          power = -1;
          f = trimmed(f.substr(2));
        }
        if (const auto caret = f.find('^'); caret != std::string::npos) {
          const std::string p = trimmed(f.substr(caret + 1));
          std::size_t used = 0;
          double value = 0;
          try {
            value = std::stod(p, &used);
          } catch (const std::exception&) {
            used = 0;
          }
          if (used == 0 || used != p.size() || !std::isfinite(value)) refuse(term, "has a power that is not a number");
          power *= value;
          f = trimmed(f.substr(0, caret));
        }
        const auto at = std::find(names.begin(), names.end(), f);
        if (at == names.end()) refuse(term, f.empty() ? "has an empty factor" : "names '" + f + "', not a parameter");
        factors.push_back({static_cast<Index>(at - names.begin()), power});
      }
    }
    terms_.push_back(term);
    factors_.push_back(std::move(factors));
  }
}

Vector AffineTerms::values(const Vector& mu) const {
  if (mu.size() != parameters_)
    throw Error(fmt::format("affine terms: a point of {} values, the terms are over {}", mu.size(), parameters_));
  Vector theta(size());
  for (Index q = 0; q < size(); ++q) {
    double v = 1;
    for (const Factor& f : factors_[static_cast<size_t>(q)]) v *= std::pow(mu(f.parameter), f.power);
    theta(q) = v;
  }
  return theta;
}

}  // namespace metarom
