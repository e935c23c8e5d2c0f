// tests for src/models/parameter_sweep.cpp: the points of a grid (the first name fastest) and
// of a list, evenly spaced ranges, and the text it refuses.
#include "metarom/models/parameter_sweep.hpp"
#include "test_support.hpp"

using namespace metarom;
using test::require_error;

TEST_CASE("a sweep's points: grids, lists and ranges", "[models][sweep]") {
  using Mode = ParameterSweep::Mode;
  const ParameterSweep g = ParameterSweep::parse("a=1,2;b=10,20,30", Mode::grid, "-sweep");
  REQUIRE(g.names == std::vector<std::string>{"a", "b"});
  REQUIRE(g.points.size() == 6);
  // Odometer order, a fastest: (1,10) (2,10) (1,20) (2,20) (1,30) (2,30).
  const double expected[6][2] = {{1, 10}, {2, 10}, {1, 20}, {2, 20}, {1, 30}, {2, 30}};
  for (int i = 0; i < 6; ++i) {
    CHECK(g.points[i](0) == expected[i][0]);
    CHECK(g.points[i](1) == expected[i][1]);
  }
  CHECK(g.describe(3) == "a = 2, b = 20");

  const ParameterSweep l = ParameterSweep::parse("a=1,2,3;b=4,5,6", Mode::list, "-sweep");
  REQUIRE(l.points.size() == 3);
  CHECK(l.points[2](0) == 3);
  CHECK(l.points[2](1) == 6);

  // LO:HI:COUNT: 0.85 + k (0.3/12), k = 0..12; the ends exactly, the middle to round-off.
  const ParameterSweep r = ParameterSweep::parse("burgers_amplitude=0.85:1.15:13", Mode::grid, "-sweep");
  REQUIRE(r.points.size() == 13);
  CHECK(r.points.front()(0) == 0.85);
  CHECK(r.points.back()(0) == 1.15);
  CHECK(std::abs(r.points[6](0) - 1.0) < 1e-15);
  CHECK(ParameterSweep::parse("x=2:5:1", Mode::grid, "-sweep").points.at(0)(0) == 2);
  // Values and ranges mixed: 1, then 0, 0.5, 1.
  const ParameterSweep mixed = ParameterSweep::parse("x=1,0:1:3", Mode::grid, "-sweep");
  REQUIRE(mixed.points.size() == 4);
  CHECK(mixed.points[0](0) == 1);
  CHECK(mixed.points[2](0) == 0.5);
}

TEST_CASE("a sweep refuses text it cannot read, naming the option", "[models][sweep]") {
  using Mode = ParameterSweep::Mode;
  require_error([] { ParameterSweep::parse("", Mode::grid, "-sweep"); }, {"-sweep", "names no parameter"});
  require_error([] { ParameterSweep::parse("a", Mode::grid, "-sweep"); }, {"-sweep", "'a'", "NAME=V1,V2"});
  require_error([] { ParameterSweep::parse("a=1,x", Mode::grid, "-sweep"); }, {"-sweep a", "'x' is not a number"});
  require_error([] { ParameterSweep::parse("a=1;a=2", Mode::grid, "-test_parameters"); },
                {"-test_parameters", "'a' is named twice"});
  require_error([] { ParameterSweep::parse("a=0:1:0", Mode::grid, "-sweep"); }, {"COUNT must be a whole number >= 1"});
  require_error([] { ParameterSweep::parse("a=0:1", Mode::grid, "-sweep"); }, {"'0:1' is neither a value nor LO:HI:COUNT"});
  require_error([] { ParameterSweep::parse("a=1,2;b=1", Mode::list, "-sweep"); },
                {"as a list", "a has 2", "b has 1"});
}
