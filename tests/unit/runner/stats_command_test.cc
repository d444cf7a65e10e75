// `ktstr-run stats` and `ktstr-run merge` as a user runs them: what they
// print and how they exit, over synthetic run directories.
#include "runner/stats_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../store/synthetic_run.h"
#include "runner/merge_command.h"
#include "runner/stored_results.h"

namespace ktstr {
namespace {

using testing::FakeTest;

std::vector<FakeTest> suite() {
  std::vector<FakeTest> out;
  for (int i = 0; i < 4; ++i) {
    FakeTest t;
    t.name = "ktstr/t" + std::to_string(i);
    out.push_back(t);
  }
  return out;
}

class StatsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_fake_run(tmp_.path() / "20260101-000000-1-aaaa", suite());
    auto b = suite();
    b[2].work_per_cpu_s /= 2;  // the planted regression
    testing::write_fake_run(tmp_.path() / "20260102-000000-1-bbbb", b);
    opts_.run_dir = tmp_.path().string();
  }
  /// Runs `stats ARGS...` through the registered command line.
  int cli(std::vector<std::string> args) {
    CLI::App app;
    int exit_code = -1;
    add_stats_command(app, exit_code);
    args.insert(args.begin(), "stats");
    std::reverse(args.begin(), args.end());
    app.parse(args);
    return exit_code;
  }
  testing::TempDir tmp_;
  StatsOptions opts_;
  std::ostringstream out_, err_;
};

TEST_F(StatsCommand, CompareFlagsThePlantedRegressionAndExits1) {
  opts_.runs = {"20260101-000000-1-aaaa", "latest"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 1);
  const std::string text = out_.str();
  EXPECT_NE(text.find("ktstr/t2  work_rate"), std::string::npos) << text;
  EXPECT_NE(text.find("-50.0%  REGRESSION"), std::string::npos) << text;
  EXPECT_NE(text.find("stats compare: 1 regression in 4 paired tests (32 metric values"),
            std::string::npos)
      << text;
}

TEST_F(StatsCommand, CompareOfARunWithItselfExits0) {
  opts_.runs = {"latest", (tmp_.path() / "20260102-000000-1-bbbb").string()};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 0);
  EXPECT_NE(out_.str().find("stats compare: 0 regressions in 4 paired tests"), std::string::npos);
}

TEST_F(StatsCommand, CompareThroughTheCommandLineWithAThreshold) {
  const std::string a = (tmp_.path() / "20260101-000000-1-aaaa").string();
  const std::string b = (tmp_.path() / "20260102-000000-1-bbbb").string();
  EXPECT_EQ(cli({"compare", a, b}), 1);
  EXPECT_EQ(cli({"compare", a, b, "--threshold", "work_rate=0,0.6"}), 0);
  EXPECT_EQ(cli({"compare", "--metric", "worst_gap_ms", a, b}), 0);
}

TEST_F(StatsCommand, CompareOfAMissingRunExits3) {
  opts_.runs = {"20260101-000000-1-aaaa", "20990101"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 3);
  EXPECT_NE(err_.str().find("ktstr-run: error: no run '20990101': not a directory, nor a run id "
                            "under " +
                            tmp_.path().string() + " (`ktstr-run stats list` shows them) (" +
                            tmp_.path().string() + ": --run-dir)"),
            std::string::npos)
      << err_.str();
}

TEST_F(StatsCommand, CompareOfADirectoryThatIsNotARunExits3) {
  opts_.runs = {tmp_.path().string(), "latest"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 3);
  EXPECT_NE(err_.str().find("no summary.json in"), std::string::npos) << err_.str();
}

TEST_F(StatsCommand, AnUnknownMetricExits2WithASuggestion) {
  opts_.runs = {"latest", "latest"};
  opts_.thresholds = {"worst_gap=10,0.5"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 2);
  EXPECT_NE(err_.str().find("--threshold 'worst_gap': unknown metric (did you mean "
                            "'worst_gap_ms'?); the metrics are worst_gap_ms, max_spread_pct"),
            std::string::npos)
      << err_.str();
  opts_.thresholds.clear();
  opts_.metrics = {"work_rat"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 2);
  EXPECT_NE(err_.str().find("--metric 'work_rat': unknown metric (did you mean 'work_rate'?)"),
            std::string::npos)
      << err_.str();
}

TEST_F(StatsCommand, ABadThresholdShapeExits2) {
  opts_.runs = {"latest", "latest"};
  opts_.thresholds = {"work_rate=10"};
  EXPECT_EQ(run_stats_compare(opts_, out_, err_), 2);
  EXPECT_NE(err_.str().find("expected METRIC=ABS,REL"), std::string::npos) << err_.str();
}

TEST_F(StatsCommand, ListShowsEachRunOldestFirst) {
  EXPECT_EQ(run_stats_list(opts_, out_, err_), 0);
  const std::string text = out_.str();
  EXPECT_EQ(text.find("RUN"), 0u) << text;
  const size_t a = text.find("20260101-000000-1-aaaa"), b = text.find("20260102-000000-1-bbbb");
  ASSERT_NE(a, std::string::npos) << text;
  EXPECT_LT(a, b);
  EXPECT_NE(text.find("tcg    4      0       complete"), std::string::npos) << text;
}

TEST_F(StatsCommand, ListOfNoRunsSaysWhere) {
  opts_.run_dir = (tmp_.path() / "none").string();
  EXPECT_EQ(run_stats_list(opts_, out_, err_), 0);
  EXPECT_NE(out_.str().find("no runs under " + opts_.run_dir + " (--run-dir)"), std::string::npos);
}

TEST_F(StatsCommand, ShowPrintsEachTestsStatusAndMetrics) {
  opts_.runs = {"latest"};
  EXPECT_EQ(run_stats_show(opts_, out_, err_), 0);
  const std::string text = out_.str();
  EXPECT_NE(text.find("run 20260102-000000-1-bbbb"), std::string::npos) << text;
  EXPECT_NE(text.find("4 tests: 4 PASS"), std::string::npos) << text;
  EXPECT_NE(text.find("STATUS  TEST      worst_gap_ms"), std::string::npos) << text;
  EXPECT_NE(text.find("PASS    ktstr/t2  20"), std::string::npos) << text;
  EXPECT_NE(text.find("5e+06"), std::string::npos) << text;
  opts_.runs = {"nope"};
  EXPECT_EQ(run_stats_show(opts_, out_, err_), 3);
}

TEST_F(StatsCommand, MergeExitsAsTheMergedRunWould) {
  testing::write_fake_run(tmp_.path() / "p1", {suite()[0]});
  auto failing = suite()[1];
  failing.status = "FAIL";
  testing::write_fake_run(tmp_.path() / "p2", {failing});
  MergeOptions m;
  m.runs = {(tmp_.path() / "p1").string(), (tmp_.path() / "p2").string()};
  m.out = (tmp_.path() / "merged").string();
  EXPECT_EQ(run_merge(m, {}, out_, err_), 1);
  EXPECT_NE(out_.str().find("ktstr-run: merged 2 runs (2 tests) into " + m.out), std::string::npos)
      << out_.str();
  // reeval finds every test's result.json in the merged run.
  const StoredResultSet merged = read_stored_run(m.out);
  EXPECT_EQ(merged.error, "");
  ASSERT_EQ(merged.results.size(), 2u);
  EXPECT_TRUE(merged.results[0].record) << merged.results[0].error;
  m.out = (tmp_.path() / "merged2").string();
  m.runs = {(tmp_.path() / "p1").string()};
  EXPECT_EQ(run_merge(m, {}, out_, err_), 0);
}

TEST_F(StatsCommand, MergeConflictExits2MissingRunExits3) {
  auto other = suite();
  other[0].gap_ms = 99;
  testing::write_fake_run(tmp_.path() / "p1", suite());
  testing::write_fake_run(tmp_.path() / "p2", other);
  MergeOptions m;
  m.runs = {(tmp_.path() / "p1").string(), (tmp_.path() / "p2").string()};
  m.out = (tmp_.path() / "merged").string();
  EXPECT_EQ(run_merge(m, {}, out_, err_), 2);
  EXPECT_NE(err_.str().find("ktstr-run: error: merge: test 'ktstr/t0' is in both"),
            std::string::npos)
      << err_.str();
  m.runs = {(tmp_.path() / "p1").string(), (tmp_.path() / "gone").string()};
  EXPECT_EQ(run_merge(m, {}, out_, err_), 3);
}

}  // namespace
}  // namespace ktstr
