// --partition: the accepted forms and every refusal, each saying which rule
// the text breaks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/plan.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_partition(text, &error)) << text;
  return error;
}

TEST(ParsePartition, AcceptsHashAndCount) {
  std::string error;
  auto p = parse_partition("hash:2/3", &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->kind, Partition::Kind::kHash);
  EXPECT_EQ(p->index, 2);
  EXPECT_EQ(p->count, 3);
  EXPECT_EQ(p->str(), "hash:2/3");
  p = parse_partition("count:1/1", &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->kind, Partition::Kind::kCount);
  EXPECT_EQ(p->str(), "count:1/1");
  p = parse_partition("count:5/5", &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->index, 5);
}

TEST(ParsePartition, RefusesAnUnknownKindWithASuggestion) {
  EXPECT_EQ(error_of("hsah:1/2"),
            "--partition: unknown kind 'hsah' in 'hsah:1/2' (did you mean 'hash'?); use "
            "hash:K/N or count:K/N, e.g. hash:1/3");
  EXPECT_THAT(error_of("cuont:1/2"), HasSubstr("(did you mean 'count'?)"));
  EXPECT_THAT(error_of("slice:1/2"), HasSubstr("unknown kind 'slice' in 'slice:1/2'; use"));
}

TEST(ParsePartition, RefusesAMissingKindOrSlash) {
  EXPECT_EQ(error_of("1/2"),
            "--partition: expected KIND:K/N, got '1/2'; use hash:K/N or count:K/N, e.g. hash:1/3");
  EXPECT_EQ(error_of("hash:2"),
            "--partition: expected K/N after 'hash:', got '2'; use hash:K/N "
            "or count:K/N, e.g. hash:1/3");
}

TEST(ParsePartition, RefusesNonNumbers) {
  for (const char* text : {"hash:a/3", "hash:1/b", "hash:/3", "hash:1/", "hash:1.5/3", "hash: 1/3",
                           "hash:1/99999999999"})
    EXPECT_THAT(error_of(text), HasSubstr("--partition: K and N must be whole numbers")) << text;
}

TEST(ParsePartition, RefusesKOutsideOneToN) {
  EXPECT_EQ(error_of("hash:4/3"), "--partition: K must be between 1 and N (got 4/3)");
  EXPECT_EQ(error_of("count:0/3"), "--partition: K must be between 1 and N (got 0/3)");
  EXPECT_EQ(error_of("count:-1/3"), "--partition: K must be between 1 and N (got -1/3)");
  EXPECT_EQ(error_of("hash:1/0"), "--partition: N must be at least 1 (got 1/0)");
}

}  // namespace
}  // namespace ktstr
