// One PATH search (vmm/path_search.h) behind every bare name: a program to
// run resolves to the first executable match, a file to copy to the first
// regular file, whoever asks.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "runner/include_files.h"
#include "runner/preboot_check.h"
#include "vmm/kernel_subprocess.h"
#include "vmm/path_search.h"
#include "vmm/qemu_process.h"
#include "vmm/subprocess.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

class PathLookupTest : public ::testing::Test {
 protected:
  // PATH = a:b. a/tool is a plain file (0644), b/tool a script printing "b".
  void SetUp() override {
    char tmpl[] = "/tmp/ktstr-path-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
    std::ofstream(dir_ / "a" / "tool") << "#!/bin/sh\necho a\n";
    std::ofstream(dir_ / "b" / "tool") << "#!/bin/sh\necho b\n";
    chmod((dir_ / "b" / "tool").c_str(), 0755);
    const char* old = getenv("PATH");
    old_path_ = old ? old : "";
    path_ = (dir_ / "a").string() + ":" + (dir_ / "b").string();
    setenv("PATH", path_.c_str(), 1);
  }
  void TearDown() override {
    setenv("PATH", old_path_.c_str(), 1);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::string path_, old_path_;
};

std::string run_and_read(const Subprocess& s) {
  std::string out;
  char buf[64];
  for (ssize_t n; (n = ::read(s.output, buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(s.output);
  waitpid(s.pid, nullptr, 0);
  return out;
}

TEST_F(PathLookupTest, ABareNameResolvesTheSameWayForEveryCaller) {
  const fs::path a = dir_ / "a" / "tool", b = dir_ / "b" / "tool";
  nlohmann::json sched = {{"binary", "tool"}};
  SpecSet set;
  set.specs.resize(1);
  set.project_of = {-1};
  Catalog catalog;
  catalog.set = &set;
  const Entity scheduler{.kind = "scheduler", .name = "s", .file = 0, .value = &sched};
  struct Row {
    const char* caller;
    std::function<std::string()> resolve;
    std::string want;
  };
  const std::vector<Row> rows = {
      // Programs to run: the first executable match.
      {"find_on_path(kExecutable)",
       [&] { return find_on_path("tool", PathMatch::kExecutable).string(); }, b.string()},
      {"have_program", [] { return have_program("tool") ? "yes" : "no"; }, "yes"},
      {"spawn_subprocess",
       [] {
         return run_and_read(spawn_subprocess({.argv = {"tool"}, .stdout_to = Redirect::pipe()}));
       },
       "b\n"},
      {"run_process", [] { return run_process({"tool"}).output; }, "b\n"},
      {"QemuProcess::spawn",
       [&] {
         auto spawned = QemuProcess::spawn({.argv = {"tool"}, .output_path = dir_ / "q.log"});
         if (!spawned.ok()) return spawned.error;
         spawned.process.wait_for(std::chrono::seconds(10));
         std::ifstream in(dir_ / "q.log");
         return std::string(std::istreambuf_iterator<char>(in), {});
       },
       "b\n"},
      // Files to copy into the guest: the first regular file.
      {"find_on_path", [] { return find_on_path("tool").string(); }, a.string()},
      {"include file",
       [&] {
         const IncludeEntry e = resolve_include_entry("tool", dir_, path_.c_str());
         return e.files.empty() ? e.error : e.files[0].host.string();
       },
       a.string()},
      {"scheduler binary",
       [&] { return find_scheduler_binary(scheduler, catalog, KernelInfo{}).string(); },
       a.string()},
  };
  for (const Row& row : rows) EXPECT_EQ(row.resolve(), row.want) << row.caller;
}

TEST_F(PathLookupTest, ANameFoundNowhereIsNotFoundByAnyCaller) {
  EXPECT_TRUE(find_on_path("ktstr-nowhere").empty());
  EXPECT_FALSE(have_program("ktstr-nowhere"));
  EXPECT_EQ(run_process({"ktstr-nowhere"}).error,
            "ktstr-nowhere: not found in PATH (" + path_ + ")");
  EXPECT_EQ(QemuProcess::spawn({.argv = {"ktstr-nowhere"}}).error,
            "start qemu: ktstr-nowhere: not found in PATH (" + path_ + ")");
}

}  // namespace
}  // namespace ktstr
