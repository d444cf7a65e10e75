// `merge` of partitioned runs: the merged directory is the union, reads as a
// run (stats, reeval), and a conflict stops it before anything is written.
#include "store/run_merge.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store/stats_compare.h"
#include "synthetic_run.h"

namespace ktstr {
namespace {

using nlohmann::json;
using testing::FakeTest;

std::vector<FakeTest> tests(int from, int to) {
  std::vector<FakeTest> out;
  for (int i = from; i < to; ++i) {
    FakeTest t;
    t.name = "ktstr/t" + std::to_string(i);
    t.gap_ms = 10 + i;
    out.push_back(t);
  }
  return out;
}

class RunMerge : public ::testing::Test {
 protected:
  std::filesystem::path p(const std::string& rel) { return tmp_.path() / rel; }
  testing::TempDir tmp_;
};

TEST_F(RunMerge, TwoPartitionsMergeIntoTheirUnion) {
  // Partition 1 holds the odd tests, partition 2 the even ones; the full run all.
  std::vector<FakeTest> odd, even, all = tests(0, 6);
  for (size_t i = 0; i < all.size(); ++i) (i % 2 ? odd : even).push_back(all[i]);
  testing::write_fake_run(p("runs/part1"), odd, {{"partition", "hash:1/2"}});
  testing::write_fake_run(p("runs/part2"), even, {{"partition", "hash:2/2"}});
  testing::write_fake_run(p("full"), all);
  MergeError error;
  auto r =
      merge_runs({p("runs/part1"), p("runs/part2")}, p("merged"), {"ktstr-run", "merge"}, &error);
  ASSERT_TRUE(r) << error.message;
  EXPECT_EQ(r->tests, 6);
  EXPECT_EQ(r->runs, 2);
  EXPECT_FALSE(r->fails);
  std::string e;
  auto merged = read_run(p("merged"), &e);
  ASSERT_TRUE(merged) << e;
  std::vector<std::string> names;
  for (const json& t : merged->tests()) names.push_back(t["display_name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"ktstr/t0", "ktstr/t1", "ktstr/t2", "ktstr/t3",
                                             "ktstr/t4", "ktstr/t5"}));
  ASSERT_EQ(merged->summary["merged_from"].size(), 2u);
  EXPECT_EQ(merged->summary["merged_from"][0]["partition"], "hash:1/2");
  EXPECT_EQ(merged->summary["merged_from"][1]["run_id"], "part2");
  EXPECT_TRUE(std::filesystem::exists(p("merged/junit.xml")));
  // Every test's files are there (hard links on one file system), so reeval works.
  struct stat a {
  }, b{};
  ASSERT_EQ(::stat(p("merged/t1/result.json").c_str(), &a), 0);
  ASSERT_EQ(::stat(p("runs/part1/t1/result.json").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_TRUE(std::filesystem::exists(p("merged/t4/console.log")));
  EXPECT_EQ(r->files_linked, 12);
  // Compared with the run of the whole suite: the same tests, the same metrics.
  auto full = read_run(p("full"), &e);
  const Comparison c = compare_runs(*full, *merged, {});
  EXPECT_EQ(c.paired, 6);
  EXPECT_EQ(c.regressions(), 0);
  EXPECT_TRUE(c.metrics.empty());
  EXPECT_TRUE(c.only_in_a.empty() && c.only_in_b.empty());
}

TEST_F(RunMerge, WithoutOutANewRunDirectoryBesideTheFirstRun) {
  testing::write_fake_run(p("runs/part1"), tests(0, 1));
  MergeError error;
  auto r = merge_runs({p("runs/part1")}, "", {}, &error);
  ASSERT_TRUE(r) << error.message;
  EXPECT_EQ(r->dir.parent_path(), p("runs"));
  EXPECT_EQ(list_runs(p("runs")).size(), 2u);
}

TEST_F(RunMerge, ATestInTwoRunsWithDifferentResultsIsAConflictNamingBoth) {
  auto one = tests(0, 2), two = tests(1, 3);
  two[0].gap_ms = 99;
  testing::write_fake_run(p("a"), one);
  testing::write_fake_run(p("b"), two);
  MergeError error;
  EXPECT_FALSE(merge_runs({p("a"), p("b")}, p("merged"), {}, &error));
  EXPECT_EQ(error.kind, MergeError::Kind::kConflict);
  EXPECT_NE(error.message.find("test 'ktstr/t1' is in both " + p("a").string() + " and " +
                               p("b").string()),
            std::string::npos)
      << error.message;
  EXPECT_FALSE(std::filesystem::exists(p("merged")));
}

TEST_F(RunMerge, AnIdenticalCopyOrANotRunOneIsNoConflict) {
  auto one = tests(0, 2), two = tests(1, 3);
  two[1].status = "NOT-RUN";  // t2 did not run in b ...
  auto three = tests(2, 3);   // ... but did in c
  three[0].status = "FAIL";
  testing::write_fake_run(p("a"), one);
  testing::write_fake_run(p("b"), two);
  testing::write_fake_run(p("c"), three);
  MergeError error;
  auto r = merge_runs({p("a"), p("b"), p("c")}, p("merged"), {}, &error);
  ASSERT_TRUE(r) << error.message;
  EXPECT_EQ(r->tests, 3);
  EXPECT_TRUE(r->fails);
  std::string e;
  auto merged = read_run(p("merged"), &e);
  ASSERT_TRUE(merged) << e;
  EXPECT_EQ(merged->tests()[2]["status"], "FAIL");
}

TEST_F(RunMerge, AnUnreadableRunOrABusyOutStopsIt) {
  testing::write_fake_run(p("a"), tests(0, 1));
  MergeError error;
  EXPECT_FALSE(merge_runs({p("a"), p("missing")}, p("merged"), {}, &error));
  EXPECT_EQ(error.kind, MergeError::Kind::kUnreadable);
  EXPECT_NE(error.message.find("missing: no such run directory"), std::string::npos)
      << error.message;
  std::filesystem::create_directories(p("busy"));
  std::ofstream(p("busy/x")) << "x";
  EXPECT_FALSE(merge_runs({p("a")}, p("busy"), {}, &error));
  EXPECT_EQ(error.kind, MergeError::Kind::kConflict);
  EXPECT_NE(error.message.find("exists and is not an empty directory"), std::string::npos);
}

}  // namespace
}  // namespace ktstr
