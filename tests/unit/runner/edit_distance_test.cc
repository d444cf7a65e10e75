// Did-you-mean hints: the distance and the "close enough" threshold users see.
#include "runner/edit_distance.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("max_gap_ms", "max_gap_ms"), 0u);
  EXPECT_EQ(edit_distance("max_gap", "max_gap_ms"), 3u);
}

TEST(EditDistance, AdjacentTranspositionCostsOne) {
  EXPECT_EQ(edit_distance("toplogy", "topology"), 1u);   // missing letter
  EXPECT_EQ(edit_distance("topolgoy", "topology"), 1u);  // swapped letters
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
}

TEST(ClosestMatch, SuggestsTheNearestCandidate) {
  const std::vector<std::string> keys = {"topology", "duration_s", "scheduler", "scenario"};
  EXPECT_EQ(closest_match("toplogy", keys), "topology");
  EXPECT_EQ(closest_match("schedular", keys), "scheduler");
  EXPECT_EQ(closest_match("scenaro", keys), "scenario");
}

TEST(ClosestMatch, CaseOnlyDifferenceAndPrefixAreLikelyTypos) {
  const std::vector<std::string> keys = {"max_gap_ms", "max_spread_pct"};
  EXPECT_EQ(closest_match("MAX_GAP_MS", keys), "max_gap_ms");
  EXPECT_EQ(closest_match("max_spr", keys), "max_spread_pct");
}

TEST(ClosestMatch, NothingWhenTooFarOrEmpty) {
  const std::vector<std::string> keys = {"topology", "duration_s"};
  EXPECT_EQ(closest_match("completely_different", keys), std::nullopt);
  EXPECT_EQ(closest_match("", keys), std::nullopt);
  EXPECT_EQ(closest_match("xy", {}), std::nullopt);
  // A word that is itself a candidate is not "misspelt" as itself.
  EXPECT_EQ(closest_match("topology", {"topology"}), std::nullopt);
}

TEST(ClosestMatch, ShortWordsAllowOneEdit) {
  EXPECT_EQ(closest_match("lc", {"llc", "steal"}), "llc");
  EXPECT_EQ(closest_match("ab", {"xy"}), std::nullopt);
}

TEST(DidYouMean, FormatsTheHintOrNothing) {
  EXPECT_EQ(did_you_mean("simpel", {"simple", "eevdf"}), " (did you mean 'simple'?)");
  EXPECT_EQ(did_you_mean("zzzzzz", {"simple", "eevdf"}), "");
}

}  // namespace
}  // namespace ktstr
