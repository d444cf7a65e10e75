#include "guest/protocol/valid_utf8.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace ktstr {
namespace {

const std::string kR(kReplacementChar);

TEST(ValidUtf8, ValidTextIsUnchanged) {
  for (const std::string& s : std::vector<std::string>{
           "", "plain ascii\n", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
           "\xF4\x8F\xBF\xBF", std::string("nul\0in", 6)}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(make_valid_utf8(s), s);
  }
}

TEST(ValidUtf8, TheByteThatCrashedTheRunnerBecomesOneReplacement) {
  // issue 14: a scenario wrote "\xff\n" to stdout; the console tail then made
  // nlohmann's dump() throw type_error.316 and ended the run.
  EXPECT_FALSE(is_valid_utf8("\xff\n"));
  EXPECT_EQ(make_valid_utf8("\xff\n"), kR + "\n");
  EXPECT_NO_THROW((void)nlohmann::json(make_valid_utf8("\xff\n")).dump());
}

TEST(ValidUtf8, EachMaximalIllFormedSubpartIsOneReplacement) {
  EXPECT_EQ(make_valid_utf8("a\x80z"), "a" + kR + "z");                     // stray continuation
  EXPECT_EQ(make_valid_utf8("\xC0\xAF"), kR + kR);                          // overlong '/'
  EXPECT_EQ(make_valid_utf8("\xE0\x80\x80"), kR + kR + kR);                 // overlong NUL
  EXPECT_EQ(make_valid_utf8("\xED\xA0\x80"), kR + kR + kR);                 // surrogate D800
  EXPECT_EQ(make_valid_utf8("\xF4\x90\x80\x80"), kR + kR + kR + kR);        // above U+10FFFF
  EXPECT_EQ(make_valid_utf8("\xE2\x82"), kR);                               // truncated at the end
  EXPECT_EQ(make_valid_utf8("\xE2\x82z"), kR + "z");                        // truncated mid-text
  EXPECT_EQ(make_valid_utf8("\xF0\x9F\x98"), kR);                           // truncated 4-byte
  EXPECT_EQ(make_valid_utf8("\xE2\x82\xE2\x82\xAC"), kR + "\xE2\x82\xAC");  // next lead kept
}

TEST(ValidUtf8, RandomBytesAlwaysComeOutValidAndJsonSafe) {
  std::mt19937_64 rng(14);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::string fixed = make_valid_utf8(s);
    ASSERT_TRUE(is_valid_utf8(fixed));
    ASSERT_EQ(make_valid_utf8(fixed), fixed);
    ASSERT_NO_THROW((void)nlohmann::json(fixed).dump());
  }
}

}  // namespace
}  // namespace ktstr
