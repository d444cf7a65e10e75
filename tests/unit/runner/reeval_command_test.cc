// `ktstr-run reeval` over synthetic run directories: what a user sees when a
// threshold edit flips a stored verdict, and every way a run directory, a
// record or a spec can be unusable. No VM, no kernel, no QEMU: PATH and the
// kernel cache point at empty directories for every test here.
#include "runner/reeval_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "fake_run_record.h"
#include "runner/exit_codes.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::fake_run_record;
using testing::FakeWorker;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::write_fake_result;

// Two spinners in one cgroup: 10 % and 12 % off-CPU, worst gap 800 ms.
const std::vector<FakeWorker> kTwoWorkers = {{"cg_0", 10, 800}, {"cg_0", 12, 40}};

class ReevalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Nothing to boot with: reeval must not need it.
    old_path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", dir_.path("empty-bin").c_str(), 1);
    setenv("KTSTR_CACHE_DIR", dir_.path("empty-cache").c_str(), 1);
    spec_ = dir_.write("specs/t.toml",
                       "[test.t]\n[[test.t.cgroup]]\nname = \"cg_0\"\n[test.t.checks]\n"
                       "max_gap_ms = 500\n");
    run_ = dir_.path("runs/20261201-101010-1");
  }
  void TearDown() override {
    setenv("PATH", old_path_.c_str(), 1);
    unsetenv("KTSTR_CACHE_DIR");
  }

  void store(const std::string& rel, const std::string& verdict,
             const std::vector<FakeWorker>& workers = kTwoWorkers, const std::string& test = "t") {
    ASSERT_EQ(
        write_fake_result(fs::path(run_) / rel, fake_run_record(test, spec_, workers), verdict),
        "");
  }

  int reeval(std::vector<std::string> paths, std::vector<std::string> sets = {},
             bool verbose = false, std::string run_dir = "") {
    ReevalOptions o;
    o.run_dir = run_dir.empty() ? run_ : run_dir;
    o.paths = std::move(paths);
    o.sets = std::move(sets);
    o.verbose = verbose;
    std::ostringstream out, err;
    // Spec diagnostics go to std::cerr: capture them with the rest.
    std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
    const int rc = run_reeval(o, out, err);
    std::cerr.rdbuf(old);
    out_ = out.str();
    err_ = err.str();
    return rc;
  }

  testing::SpecTestDir dir_;
  std::string spec_, run_, old_path_, out_, err_;
};

TEST(VerdictChange, NamesBothVerdictsOnlyWhenTheyDiffer) {
  EXPECT_EQ(verdict_change("PASS", Verdict::Kind::kFail), "PASS → FAIL");
  EXPECT_EQ(verdict_change("FAIL", Verdict::Kind::kPass), "FAIL → PASS");
  EXPECT_EQ(verdict_change("PASS", Verdict::Kind::kPass), "");
  EXPECT_EQ(verdict_change("", Verdict::Kind::kPass), "? → PASS");
}

TEST_F(ReevalTest, ATighterThresholdFlipsAStoredPassAndExitsAsAFailedRun) {
  store("t", "PASS");
  EXPECT_EQ(reeval({spec_}), kExitTestFailed) << err_;
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/t 6.5s  (PASS → FAIL)\n"));
  EXPECT_THAT(out_, HasSubstr("max_gap_ms"));
  EXPECT_THAT(out_, HasSubstr("t.toml:5"));  // where the threshold came from
  EXPECT_THAT(out_, HasSubstr("0 passed, 1 failed, 0 skipped; 1 changed\n"));
}

TEST_F(ReevalTest, SetLoosensTheThresholdAndFlipsAStoredFailBack) {
  store("t", "FAIL");
  EXPECT_EQ(reeval({spec_}, {"max_gap_ms=1000"}), kExitOk) << err_ << out_;
  EXPECT_THAT(out_, HasSubstr("PASS ktstr/t 6.5s  (FAIL → PASS)\n"));
}

TEST_F(ReevalTest, AnUnchangedVerdictHasNoMark) {
  store("t", "FAIL");
  EXPECT_EQ(reeval({spec_}), kExitTestFailed);
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/t 6.5s\n"));
  EXPECT_THAT(out_, HasSubstr("; 0 changed\n"));
}

TEST_F(ReevalTest, WithoutPathsTheRecordedSpecPathsAreLoaded) {
  store("t", "PASS");
  EXPECT_EQ(reeval({}), kExitTestFailed) << err_;
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/t 6.5s  (PASS → FAIL)"));
}

TEST_F(ReevalTest, EveryReplicaIsJudgedUnderItsOwnName) {
  store("t/replica-1", "PASS", {{"cg_0", 10, 40}, {"cg_0", 12, 40}});
  store("t/replica-2", "PASS");
  EXPECT_EQ(reeval({spec_}), kExitTestFailed);
  EXPECT_THAT(out_, HasSubstr("PASS ktstr/t [replica 1] 6.5s\n"));
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/t [replica 2] 6.5s  (PASS → FAIL)\n"));
}

TEST_F(ReevalTest, VerbosePrintsThePerCgroupTableUnderAPass) {
  store("t", "PASS", {{"cg_0", 10, 40}, {"cg_0", 12, 40}});
  EXPECT_EQ(reeval({spec_}), kExitOk);
  EXPECT_THAT(out_, Not(HasSubstr("cgroup  workers")));
  EXPECT_EQ(reeval({spec_}, {}, true), kExitOk);
  EXPECT_THAT(out_, HasSubstr("    cgroup  workers  cpus"));
  EXPECT_THAT(out_, HasSubstr("    cg_0          2  0-1"));
}

TEST_F(ReevalTest, AMissingRunDirectoryExits3) {
  EXPECT_EQ(reeval({spec_}, {}, false, dir_.path("no-such-run")), kExitInfra);
  EXPECT_THAT(err_, HasSubstr("run directory " + dir_.path("no-such-run") + " does not exist"));
}

TEST_F(ReevalTest, AFileGivenAsRunDirectoryExits3) {
  EXPECT_EQ(reeval({spec_}, {}, false, spec_), kExitInfra);
  EXPECT_THAT(err_, HasSubstr(spec_ + " is not a directory"));
}

TEST_F(ReevalTest, ADirectoryWithoutResultsExits3) {
  fs::create_directories(run_);
  EXPECT_EQ(reeval({spec_}), kExitInfra);
  EXPECT_THAT(err_, HasSubstr("no result.json under " + run_));
}

TEST_F(ReevalTest, ACorruptResultIsAnErrorNamingItAndTheOthersStillRun) {
  store("t", "PASS");
  dir_.write("runs/20261201-101010-1/u/result.json", "{\"name\": \"ktstr/u\", \"verd");
  EXPECT_EQ(reeval({spec_}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr(run_ + "/u/result.json: not a JSON object"));
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/t 6.5s  (PASS → FAIL)"));
  EXPECT_THAT(out_, HasSubstr("1 not re-evaluated (see the errors)"));
}

TEST_F(ReevalTest, AResultWithoutARecordIsRefused) {
  dir_.write("runs/20261201-101010-1/t/result.json",
             "{\"name\": \"ktstr/t\", \"verdict\": \"PASS\"}");
  EXPECT_EQ(reeval({spec_}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr(run_ + "/t/result.json: no run record"));
}

TEST_F(ReevalTest, ARecordOfAnotherFormatVersionIsRefusedNamingBoth) {
  nlohmann::json rec;
  to_json(rec, fake_run_record("t", spec_, kTwoWorkers));
  rec["version"] = 0;
  dir_.write("runs/20261201-101010-1/t/result.json",
             nlohmann::json{{"name", "ktstr/t"}, {"verdict", "PASS"}, {"record", rec}}.dump());
  EXPECT_EQ(reeval({spec_}), kExitUsage);
  EXPECT_THAT(err_,
              HasSubstr(run_ + "/t/result.json: this record is format 0; this ktstr-run reads "
                               "format 1: re-run the test"));
}

TEST_F(ReevalTest, ATestWhoseSpecIsGoneIsAnErrorNotAPass) {
  store("gone", "PASS", kTwoWorkers, "gone");
  EXPECT_EQ(reeval({spec_}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("test 'gone' is not in the specs any more (" + spec_ + ")"));
  EXPECT_THAT(out_, Not(HasSubstr("PASS")));
}

TEST_F(ReevalTest, ADeletedRecordedSpecFileLeavesItsTestsWithoutSpec) {
  store("t", "PASS");
  fs::remove(spec_);
  EXPECT_EQ(reeval({}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("the run's spec path " + spec_ + " is gone"));
  EXPECT_THAT(err_, HasSubstr("test 't' is not in the specs any more"));
}

TEST_F(ReevalTest, AnUnknownSetKeyIsAUsageError) {
  store("t", "PASS");
  EXPECT_EQ(reeval({spec_}, {"max_gapms=500"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("unknown setting 'max_gapms' (did you mean 'max_gap_ms'?)"));
  EXPECT_EQ(out_, "");
}

TEST_F(ReevalTest, AnUnknownSetKeyIsRefusedEvenWithoutSpecs) {
  store("t", "PASS");
  fs::remove(spec_);
  EXPECT_EQ(reeval({}, {"max_gapms=500"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("unknown setting 'max_gapms'"));
}

}  // namespace
}  // namespace ktstr
