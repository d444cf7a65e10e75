// The run directory as a user finds it: summary.json current after every
// test, junit.xml at the end, and the readers' sentences for what is not a run.
#include "store/run_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "synthetic_run.h"

namespace ktstr {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& p) { return json::parse(std::ifstream(p)); }

class RunStoreWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* n : {"ktstr/a", "ktstr/b", "ktstr/c"}) {
      TestInstance i;
      i.name = n;
      i.dir = std::string(n).substr(6);
      plan_.instances.push_back(i);
    }
    info_.run_id = "20260101-000000-1-abcd";
    info_.run_dir = tmp_.path();
  }
  TestOutcome outcome(size_t i, TestStatus s) {
    TestOutcome o;
    o.instance = &plan_.instances[i];
    o.status = s;
    o.dir = plan_.instances[i].dir;
    o.seconds = 1.5;
    return o;
  }
  std::vector<std::string> statuses() {
    std::vector<std::string> out;
    const json summary = read_json(tmp_.path() / "summary.json");
    for (const json& e : summary["tests"]) out.push_back(e["status"]);
    return out;
  }
  testing::TempDir tmp_;
  Plan plan_;
  RunInfo info_;
};

TEST_F(RunStoreWriterTest, ThePartialSummaryListsWhatDidNotRunYet) {
  RunStoreWriter w;
  w.run_started(info_, plan_);
  EXPECT_EQ(read_json(tmp_.path() / "summary.json")["complete"], false);
  EXPECT_EQ(statuses(), (std::vector<std::string>{"NOT-RUN", "NOT-RUN", "NOT-RUN"}));
  w.test_finished(outcome(1, TestStatus::kFail));
  EXPECT_EQ(statuses(), (std::vector<std::string>{"NOT-RUN", "FAIL", "NOT-RUN"}));
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "junit.xml"));
  EXPECT_EQ(w.error(), "");
}

TEST_F(RunStoreWriterTest, TheFinalSummaryIsCompleteAndMarksWhatNeverRan) {
  RunStoreWriter w;
  w.run_started(info_, plan_);
  w.test_finished(outcome(0, TestStatus::kPass));
  RunSummary s;
  s.outcomes = {outcome(0, TestStatus::kPass)};
  s.interrupted = true;
  s.exit_code = 130;
  w.run_finished(s);
  EXPECT_EQ(read_json(tmp_.path() / "summary.json")["complete"], true);
  EXPECT_EQ(statuses(), (std::vector<std::string>{"PASS", "NOT-RUN", "NOT-RUN"}));
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() / "junit.xml"));
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp_.path()))
    files += e.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST_F(RunStoreWriterTest, AnUnwritableRunDirectoryIsReported) {
  info_.run_dir = tmp_.path() / "gone";
  RunStoreWriter w;
  w.run_started(info_, plan_);
  EXPECT_NE(w.error().find("write " + (tmp_.path() / "gone" / "summary.json").string() +
                           ": No such file or directory"),
            std::string::npos)
      << w.error();
}

TEST(ReadRun, ReadsTheSummaryAndEachSidecar) {
  testing::TempDir tmp;
  testing::FakeTest skipped;
  skipped.name = "ktstr/skipped";
  skipped.status = "NOT-RUN";
  testing::write_fake_run(tmp.path() / "r1", {testing::FakeTest{}, skipped});
  std::string error;
  auto run = read_run(tmp.path() / "r1", &error);
  ASSERT_TRUE(run) << error;
  ASSERT_EQ(run->sidecars.size(), 2u);
  EXPECT_EQ(run->sidecars[0]["display_name"], "ktstr/fair");
  EXPECT_TRUE(run->sidecars[1].is_null());
  EXPECT_TRUE(run->warnings.empty());
  EXPECT_EQ(run->run_id(), "r1");
}

TEST(ReadRun, SaysWhyADirectoryIsNotARun) {
  testing::TempDir tmp;
  std::string error;
  EXPECT_FALSE(read_run(tmp.path() / "nope", &error));
  EXPECT_NE(error.find("no such run directory"), std::string::npos) << error;
  EXPECT_FALSE(read_run(tmp.path(), &error));
  EXPECT_NE(error.find("no summary.json in " + tmp.path().string()), std::string::npos) << error;
  std::ofstream(tmp.path() / "summary.json") << "{\"format\": 2, \"tests\": []}";
  EXPECT_FALSE(read_run(tmp.path(), &error));
  EXPECT_NE(error.find("summary.json format 2 is newer than this ktstr-run (1)"), std::string::npos)
      << error;
  std::ofstream(tmp.path() / "summary.json") << "{\"format\": 1,";
  EXPECT_FALSE(read_run(tmp.path(), &error));
  EXPECT_NE(error.find("summary.json: not JSON"), std::string::npos) << error;
  EXPECT_EQ(error.find("[json.exception"), std::string::npos) << error;
}

TEST(ReadRun, ABadSidecarIsAWarningNotTheEndOfTheRun) {
  testing::TempDir tmp;
  testing::FakeTest other;
  other.name = "ktstr/other";
  testing::write_fake_run(tmp.path(), {testing::FakeTest{}, other});
  std::ofstream(tmp.path() / "fair" / "result.json") << "garbage";
  json newer = testing::fake_sidecar(other);
  newer["format"] = 7;
  std::ofstream(tmp.path() / "other" / "result.json") << newer.dump();
  std::string error;
  auto run = read_run(tmp.path(), &error);
  ASSERT_TRUE(run) << error;
  ASSERT_EQ(run->warnings.size(), 2u);
  EXPECT_NE(run->warnings[0].find("fair/result.json: not JSON"), std::string::npos);
  EXPECT_NE(run->warnings[1].find("format 7 is newer than this ktstr-run (1)"), std::string::npos);
}

TEST(ReadRun, AnEntryDirLeavingTheRunIsNotFollowed) {
  testing::TempDir tmp;
  testing::write_fake_run(tmp.path() / "run", {testing::FakeTest{}});
  json s = read_json(tmp.path() / "run" / "summary.json");
  s["tests"][0]["dir"] = "../../etc";
  std::ofstream(tmp.path() / "run" / "summary.json") << s.dump();
  std::string error;
  auto run = read_run(tmp.path() / "run", &error);
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->sidecars[0].is_null());
  ASSERT_EQ(run->warnings.size(), 1u);
  EXPECT_NE(run->warnings[0].find("leaves the run directory"), std::string::npos);
}

TEST(ListRuns, OldestFirstAndOnlyRuns) {
  testing::TempDir tmp;
  testing::write_fake_run(tmp.path() / "20260102-000000-1-aaaa", {});
  testing::write_fake_run(tmp.path() / "20260101-000000-1-bbbb", {});
  std::filesystem::create_directories(tmp.path() / "not-a-run");
  const auto runs = list_runs(tmp.path());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].filename(), "20260101-000000-1-bbbb");
  EXPECT_TRUE(list_runs(tmp.path() / "missing").empty());
}

TEST(ResolveRun, APathARunIdOrLatest) {
  testing::TempDir tmp;
  testing::write_fake_run(tmp.path() / "20260101-000000-1-bbbb", {});
  testing::write_fake_run(tmp.path() / "20260102-000000-1-aaaa", {});
  std::string error;
  EXPECT_EQ(*resolve_run(tmp.path(), "latest", &error), tmp.path() / "20260102-000000-1-aaaa");
  EXPECT_EQ(*resolve_run(tmp.path(), "20260101-000000-1-bbbb", &error),
            tmp.path() / "20260101-000000-1-bbbb");
  const std::string as_path = (tmp.path() / "20260101-000000-1-bbbb").string();
  EXPECT_EQ(resolve_run("/nonexistent", as_path, &error)->string(), as_path);
  EXPECT_FALSE(resolve_run(tmp.path(), "20990101", &error));
  EXPECT_NE(error.find("no run '20990101': not a directory, nor a run id under"), std::string::npos)
      << error;
  EXPECT_FALSE(resolve_run(tmp.path() / "empty", "latest", &error));
  EXPECT_NE(error.find("no run under"), std::string::npos) << error;
}

}  // namespace
}  // namespace ktstr
