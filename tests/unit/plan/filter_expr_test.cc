// -E: each set, matcher and operator picks the instances a user expects, and
// every malformed expression is refused with its column and what was expected.
#include "plan/filter_expr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resolved_tests.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;

class FilterExprTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fair_ = &tests_.add("fair_llc", {}, "specs/fair.toml");
    fair_instance_.name = "ktstr/fair_llc/kernel_6_12_117";
    fair_instance_.test = fair_;
    fair_instance_.scheduler = "simple";
    fair_instance_.topology = {.numa_nodes = 1, .llcs = 2, .cores = 2, .threads = 1};
    fair_subject_ = {&fair_instance_, "6.12.117-cloud", "kernel_6_12_117"};
  }
  // True when `expr` parses and matches the fair_llc instance.
  bool matches(const std::string& expr) {
    std::string error;
    auto e = FilterExpr::parse(expr, &error);
    EXPECT_TRUE(e) << expr << ": " << error;
    return e && e->matches(fair_subject_);
  }
  // The parse error of `expr` (which must not parse).
  static std::string error_of(const std::string& expr) {
    std::string error;
    EXPECT_FALSE(FilterExpr::parse(expr, &error)) << expr;
    return error;
  }
  testing::ResolvedTests tests_;
  const ResolvedTest* fair_ = nullptr;
  TestInstance fair_instance_;
  FilterSubject fair_subject_;
};

TEST_F(FilterExprTest, TestMatchesTheFullNameWithAndWithoutTheKernelSuffix) {
  EXPECT_TRUE(matches("test(fair)"));
  EXPECT_TRUE(matches("test(=ktstr/fair_llc/kernel_6_12_117)"));
  EXPECT_TRUE(matches("test(=ktstr/fair_llc)"));
  EXPECT_TRUE(matches("test(/llc$/)"));
  EXPECT_FALSE(matches("test(=fair_llc)"));
  EXPECT_FALSE(matches("test(spread)"));
}

TEST_F(FilterExprTest, KernelMatchesTheLabelOrTheNameSuffix) {
  EXPECT_TRUE(matches("kernel(cloud)"));
  EXPECT_TRUE(matches("kernel(=6.12.117-cloud)"));
  EXPECT_TRUE(matches("kernel(=kernel_6_12_117)"));
  EXPECT_FALSE(matches("kernel(scx)"));
}

TEST_F(FilterExprTest, SchedulerFileAndTopologyMatchTheirValues) {
  EXPECT_TRUE(matches("scheduler(=simple)"));
  EXPECT_FALSE(matches("scheduler(eevdf)"));
  EXPECT_TRUE(matches("file(=specs/fair.toml)"));
  EXPECT_FALSE(matches("file(basic)"));
  EXPECT_TRUE(matches("topology(=1n2l2c1t)"));
  EXPECT_FALSE(matches("topology(4c)"));
}

TEST_F(FilterExprTest, PresetAndProfileAreEmptyForAPlainTest) {
  EXPECT_FALSE(matches("preset(llc)"));
  EXPECT_FALSE(matches("profile(x)"));
  EXPECT_TRUE(matches("preset(=)"));
  EXPECT_TRUE(matches("profile(/^$/)"));
}

TEST_F(FilterExprTest, FlagSetsReadTheInstance) {
  EXPECT_TRUE(matches("all()"));
  EXPECT_FALSE(matches("none()"));
  EXPECT_FALSE(matches("host_only()"));
  EXPECT_FALSE(matches("ignored()"));
  fair_instance_.host_only = true;
  fair_instance_.ignored = true;
  EXPECT_TRUE(matches("host_only()"));
  EXPECT_TRUE(matches("ignored()"));
}

TEST_F(FilterExprTest, MatcherKinds) {
  // Substring by default and with ~ (which lets a value start with = or /).
  EXPECT_TRUE(matches("test(air_l)"));
  EXPECT_TRUE(matches("test(~air_l)"));
  EXPECT_FALSE(matches("test(~=ktstr)"));
  EXPECT_TRUE(matches("file(~specs/)"));
  // =exact on the whole value.
  EXPECT_FALSE(matches("scheduler(=simp)"));
  // A regex searches anywhere; \/ is a slash.
  EXPECT_TRUE(matches("test(/^ktstr\\/fair/)"));
  EXPECT_TRUE(matches("test(/fair_(llc|spread)/)"));
  EXPECT_FALSE(matches("test(/^fair/)"));
  // Spaces around the matcher are trimmed; a backslash escapes a ')'.
  EXPECT_TRUE(matches("scheduler(  =simple  )"));
  fair_instance_.scheduler = "odd)name";
  EXPECT_TRUE(matches("scheduler(=odd\\)name)"));
}

TEST_F(FilterExprTest, Operators) {
  EXPECT_TRUE(matches("test(fair) & kernel(cloud)"));
  EXPECT_TRUE(matches("test(fair) and kernel(cloud)"));
  EXPECT_FALSE(matches("test(fair) & kernel(scx)"));
  EXPECT_TRUE(matches("test(spread) | kernel(cloud)"));
  EXPECT_TRUE(matches("test(spread) or kernel(cloud)"));
  EXPECT_FALSE(matches("test(spread) | kernel(scx)"));
  EXPECT_FALSE(matches("!test(fair)"));
  EXPECT_FALSE(matches("not test(fair)"));
  EXPECT_TRUE(matches("not not test(fair)"));
  EXPECT_TRUE(matches("test(fair) - kernel(scx)"));
  EXPECT_FALSE(matches("test(fair) - kernel(cloud)"));
  EXPECT_TRUE(matches("test(/^ktstr\\/fair/) & !kernel(scx)"));
  EXPECT_FALSE(matches("test(/^ktstr\\/fair/) & !kernel(cloud)"));
}

TEST_F(FilterExprTest, PrecedenceIsNotThenAndThenOr) {
  // or binds loosest: all() | (none() & none()).
  EXPECT_TRUE(matches("all() | none() & none()"));
  EXPECT_FALSE(matches("(all() | none()) & none()"));
  // not binds tighter than and: (!none()) & all().
  EXPECT_TRUE(matches("!none() & all()"));
  EXPECT_FALSE(matches("!(none() | all())"));
  EXPECT_TRUE(matches("!none() | none()"));
  // - is at the level of and: (all() - all()) | all().
  EXPECT_TRUE(matches("all() - all() | all()"));
  EXPECT_FALSE(matches("all() - (all() | all())"));
  // and/- associate to the left: (all() - none()) - all().
  EXPECT_FALSE(matches("all() - none() - all()"));
}

TEST_F(FilterExprTest, KeywordsNeedWordBoundariesAndSpacesAreFree) {
  EXPECT_TRUE(matches("  (  test( fair )&kernel(cloud) )  "));
  EXPECT_TRUE(matches("not(none())"));
  EXPECT_EQ(error_of("notall()"),
            "-E 'notall()': col 1: unknown set 'notall'; the sets are test, "
            "kernel, scheduler, file, topology, preset, profile, host_only, "
            "ignored, all, none");
}

TEST_F(FilterExprTest, DeepNestingIsRefusedNotACrash) {
  EXPECT_TRUE(matches(std::string(150, '(') + "all()" + std::string(150, ')')));
  EXPECT_TRUE(matches(std::string(199, '!') + "none()"));
  EXPECT_THAT(error_of(std::string(100000, '(') + "all()"),
              HasSubstr("col 201: nested deeper than 200 levels of 'not' and '('"));
  EXPECT_THAT(error_of(std::string(100000, '!') + "all()"),
              HasSubstr("col 201: nested deeper than 200 levels of 'not' and '('"));
}

TEST_F(FilterExprTest, TheSourceTextIsKept) {
  std::string error;
  auto e = FilterExpr::parse("test(a) | test(b)", &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->text(), "test(a) | test(b)");
  EXPECT_FALSE(FilterExpr().matches(fair_subject_));
}

TEST_F(FilterExprTest, UnknownSetNamesTheColumnAndSuggests) {
  EXPECT_EQ(error_of("tset(x)"), "-E 'tset(x)': col 1: unknown set 'tset' (did you mean 'test'?)");
  EXPECT_EQ(error_of("hostonly()"),
            "-E 'hostonly()': col 1: unknown set 'hostonly' (did you mean 'host_only'?)");
  EXPECT_THAT(error_of("test(a) | kernal(cloud)"),
              HasSubstr("col 11: unknown set 'kernal' (did you mean 'kernel'?)"));
  EXPECT_THAT(error_of("nto test(a)"), HasSubstr("col 1: unknown set 'nto' (did you mean 'not'?)"));
}

TEST_F(FilterExprTest, EveryParseErrorSaysWhereAndWhat) {
  struct Case {
    const char* expr;
    const char* error;
  };
  const Case cases[] = {
      {"", "col 1: expected a set such as test(NAME), 'not' or '(', found the end"},
      {"   ", "col 4: expected a set such as test(NAME), 'not' or '(', found the end"},
      {"test(a) &", "col 10: expected a set such as test(NAME), 'not' or '(', found the end"},
      {"& test(a)", "col 1: expected a set such as test(NAME), 'not' or '(', found '&'"},
      {"!", "col 2: expected a set such as test(NAME), 'not' or '(', found the end"},
      {"and test(a)", "col 1: expected a set such as test(NAME) before 'and'"},
      {"test(a) & or", "col 11: expected a set such as test(NAME) before 'or'"},
      {"test", "col 5: expected '(' after 'test', found the end"},
      {"test fair", "col 6: expected '(' after 'test', found 'fair'"},
      {"test(a", "col 7: expected ')' to close test( at col 5, found the end"},
      {"test()",
       "col 6: expected a matcher inside test(): a substring, =exact, /regex/ or "
       "~substring (use all() to match everything)"},
      {"kernel(  ~ )", "col 10: expected a matcher inside kernel()"},
      {"all(x)", "col 5: all() takes no matcher: expected ')', found 'x'"},
      {"none(", "col 6: none() takes no matcher: expected ')', found the end"},
      {"test(/ab)", "col 6: unterminated regex in test(): expected a closing '/'"},
      {"test(//)", "col 6: empty regex in test(): write a pattern between the slashes"},
      {"file(/work/a.toml)",
       "col 12: expected ')' after the regex of file( at col 5, found 'a'; a value that starts "
       "with '/' is written file(~/...)"},
      {"test(/a(b/)", "col 6: bad regex /a(b/: "},
      {"test(/[z-a]/)", "col 6: bad regex /[z-a]/: "},
      {"(test(a)", "col 9: expected ')' to close the '(' at col 1, found the end"},
      {"(test(a) test(b))", "col 10: expected ')' to close the '(' at col 1, found 'test'"},
      {"test(a))", "col 8: unmatched ')'"},
      {"test(a) test(b)", "col 9: expected 'and', 'or', '-' or the end, found 'test'"},
      {"test(a) adn test(b)",
       "col 9: expected 'and', 'or', '-' or the end, found 'adn' (did you mean 'and'?)"},
      {"test(a) # b", "col 9: expected 'and', 'or', '-' or the end, found '#'"},
  };
  for (const Case& c : cases) {
    const std::string error = error_of(c.expr);
    EXPECT_THAT(error, HasSubstr(std::string("-E '") + c.expr + "': " + c.error)) << c.expr;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace ktstr
