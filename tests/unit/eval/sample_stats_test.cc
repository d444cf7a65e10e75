// The arithmetic under the checks: nearest-rank percentiles and population
// moments (docs/checks.md gives the same formulas).
#include "eval/sample_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ktstr {
namespace {

TEST(NearestRank, IsCeilOfNTimesPMinusOne) {
  EXPECT_FALSE(nearest_rank_index(0, 99).has_value());
  EXPECT_EQ(nearest_rank_index(1, 99), 0u);
  EXPECT_EQ(nearest_rank_index(2, 99), 1u);     // ceil(1.98) - 1
  EXPECT_EQ(nearest_rank_index(100, 99), 98u);  // ceil(99) - 1: exact, no float rounding
  EXPECT_EQ(nearest_rank_index(101, 99), 99u);  // ceil(99.99) - 1
  EXPECT_EQ(nearest_rank_index(200, 99), 197u);
  EXPECT_EQ(nearest_rank_index(1000, 50), 499u);
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(nearest_rank_index(huge, 100), huge - 1);  // no overflow in n * p
}

TEST(PopulationMoments, DividesByNAndSurvivesHugeValues) {
  Moments m = population_moments({});
  EXPECT_EQ(m.n, 0u);
  EXPECT_EQ(m.mean, 0);
  m = population_moments({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(m.mean, 5);
  EXPECT_DOUBLE_EQ(m.stddev, 2);  // population, not sample (which is 2.14)
  const double big = 1.8e19;
  m = population_moments({big, big, big});
  EXPECT_TRUE(std::isfinite(m.mean));
  EXPECT_DOUBLE_EQ(m.mean, big);
  EXPECT_NEAR(m.stddev, 0, 1e6);
}

TEST(Ratio, AZeroDenominatorHasNoValue) {
  EXPECT_FALSE(ratio(1, 0).has_value());
  EXPECT_FALSE(ratio(0, 0).has_value());
  EXPECT_DOUBLE_EQ(*ratio(1, 4), 0.25);
  EXPECT_TRUE(std::isfinite(*ratio(1.8e19L * 1e9L, 1)));
}

}  // namespace
}  // namespace ktstr
