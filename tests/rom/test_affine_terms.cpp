// tests for src/rom/affine_terms.cpp: the values of user-named functions of the parameters
// against the same functions evaluated by hand, and the refusals of malformed terms.
#include "metarom/rom/affine_terms.hpp"

#include <cmath>

#include "test_support.hpp"

using namespace metarom;
using test::require_error;

TEST_CASE("affine terms evaluate products of powers of the parameters", "[rom][affine]") {
  const std::vector<std::string> names{"burgers_amplitude", "burgers_width", "burgers_re"};
  const AffineTerms t("1, burgers_amplitude ,1/burgers_re,burgers_amplitude^2*burgers_width,burgers_width^-0.5", names,
                      "test");
  REQUIRE(t.size() == 5);
  CHECK(t.terms()[1] == "burgers_amplitude");
  const Vector mu = (Vector(3) << 0.8, 1.1, 2000.0).finished();
  const Vector v = t.values(mu);
  CHECK(v(0) == 1.0);
  CHECK(v(1) == 0.8);
  CHECK(v(2) == Approx(1 / 2000.0).epsilon(1e-15));
  CHECK(v(3) == Approx(0.8 * 0.8 * 1.1).epsilon(1e-15));
  CHECK(v(4) == Approx(1 / std::sqrt(1.1)).epsilon(1e-15));
  require_error([&] { t.values(Vector::Zero(2)); }, {"2 values", "over 3"});
}

TEST_CASE("affine terms refuse what they cannot evaluate", "[rom][affine]") {
  const std::vector<std::string> names{"heat_kappa"};
  require_error([&] { AffineTerms("1,kappa", names, "-latent_dynamics_affine"); },
                {"-latent_dynamics_affine", "'kappa', not a parameter", "heat_kappa"});
  require_error([&] { AffineTerms("1,,heat_kappa", names, "x"); }, {"term '' is empty"});
  require_error([&] { AffineTerms("heat_kappa^two", names, "x"); }, {"power that is not a number"});
  require_error([&] { AffineTerms("heat_kappa,heat_kappa", names, "x"); }, {"given twice"});
  require_error([&] { AffineTerms("heat_kappa*", names, "x"); }, {"empty factor"});
  require_error([&] { AffineTerms("", names, "x"); }, {"no affine terms"});
}
