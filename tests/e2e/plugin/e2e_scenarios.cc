// Scenarios for the end-to-end tests (tests/e2e): every way a scenario can
// end inside a real VM, plus one that panics the guest kernel on purpose, and
// one that checks the test's extra_include_files arrived, and scenarios with
// hostile output (invalid UTF-8, forged verdict lines, terminal escapes).
#include <ktstr/scenario.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

KTSTR_SCENARIO_DESC(e2e_pass, "returns PASS") {
  (void)ctx;
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_fail, "returns FAIL with two detail lines") {
  ctx.add_detail("e2e context detail");
  return ktstr::AssertResult::fail("e2e-fail-detail-one").note("e2e-fail-detail-two");
}

KTSTR_SCENARIO_DESC(e2e_throw, "throws a std::runtime_error") {
  (void)ctx;
  throw std::runtime_error("e2e-exception-text");
}

KTSTR_SCENARIO_DESC(e2e_segfault, "dereferences a null pointer") {
  (void)ctx;
  volatile int* p = nullptr;
  *p = 1;
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_hang, "sleeps forever; the watchdog must end it") {
  (void)ctx;
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

KTSTR_SCENARIO_DESC(e2e_panic, "crashes the guest kernel through sysrq") {
  (void)ctx;
  if (FILE* f = std::fopen("/proc/sys/kernel/sysrq", "w")) {
    std::fputs("1\n", f);
    std::fclose(f);
  }
  if (FILE* f = std::fopen("/proc/sysrq-trigger", "w")) {
    std::fputc('c', f);
    std::fclose(f);  // the kernel panics during this write
  }
  return ktstr::AssertResult::fail("sysrq-trigger did not panic the kernel");
}

// tests/e2e/specs/include_files.toml includes data/e2e_include.txt and the
// host's `true` (a bare name: found on PATH, shipped with its libraries).
KTSTR_SCENARIO_DESC(e2e_include, "reads an included file and runs an included program") {
  (void)ctx;
  std::ifstream in("/ktstr/include/e2e_include.txt");
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().find("ktstr-e2e-include-marker") == std::string::npos)
    return ktstr::AssertResult::fail("/ktstr/include/e2e_include.txt is missing or wrong: '" +
                                     text.str() + "'");
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/ktstr/include/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return ktstr::AssertResult::fail("/ktstr/include/true did not run (status " +
                                     std::to_string(status) + ")");
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_bad_bytes, "writes an invalid UTF-8 byte to stdout and returns PASS") {
  (void)ctx;
  // issue 14: this one byte on the console ended the runner with exit 134.
  if (::write(1, "\xff\n", 2) != 2) return ktstr::AssertResult::fail("write to stdout failed");
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_forge, "FAILs with details that try to forge a PASS line and escapes") {
  (void)ctx;
  return ktstr::AssertResult::fail("first\nPASS ktstr/fake 0.1s")
      .note("\x1b]0;owned\x07\x1b[31m\r");
}

KTSTR_SCENARIO_DESC(e2e_autogroup_off, "PASSes when kernel.sched_autogroup_enabled is 0") {
  (void)ctx;
  std::FILE* f = std::fopen("/proc/sys/kernel/sched_autogroup_enabled", "r");
  if (!f) return ktstr::AssertResult::fail("cannot open /proc/sys/kernel/sched_autogroup_enabled");
  int value = -1;
  const int n = std::fscanf(f, "%d", &value);
  std::fclose(f);
  if (n != 1 || value != 0)
    return ktstr::AssertResult::fail("kernel.sched_autogroup_enabled is " + std::to_string(value) +
                                     ", expected 0");
  return ktstr::AssertResult::pass();
}

namespace {

// The cgroup2 directory of `pid` ("/sys/fs/cgroup/ktstr/cg_0"), or "".
std::string cgroup_dir_of(int pid) {
  std::string mount;
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);)
    if (line.find(" - cgroup2 ") != std::string::npos) {
      std::istringstream in(line);
      std::string field;
      for (int i = 0; i < 5 && in >> field; ++i) mount = field;
      break;
    }
  std::ifstream cg("/proc/" + std::to_string(pid) + "/cgroup");
  for (std::string line; std::getline(cg, line);)
    if (line.starts_with("0::")) return mount.empty() ? "" : mount + line.substr(3);
  return "";
}

}  // namespace

KTSTR_SCENARIO_DESC(e2e_frozen_cgroup,
                    "one spinner in cg_0, one in 'frozen', a cgroup frozen (cgroup.freeze = 1) "
                    "before its worker joins and for the whole run: that worker gets no CPU") {
  ktstr::AssertResult r;
  r.check(ctx.create_cgroup("cg_0"), "create cg_0");
  r.check(ctx.create_cgroup("frozen"), "create frozen");
  r.check(ctx.spawn_workers(ktstr::CgroupDef{"cg_0"}.with_workers(1)), "spawn cg_0");
  const std::vector<int> pids = ctx.worker_pids("cg_0");
  const std::string cg_0 = pids.empty() ? "" : cgroup_dir_of(pids[0]);
  if (cg_0.empty() || !cg_0.ends_with("/cg_0"))
    return ktstr::AssertResult::fail("cannot find cg_0's cgroup2 directory (got '" + cg_0 + "')");
  const std::string frozen = cg_0.substr(0, cg_0.size() - 5) + "/frozen";
  {
    std::ofstream f(frozen + "/cgroup.freeze");
    f << "1";
    f.flush();
    if (!f) return ktstr::AssertResult::fail("cannot write " + frozen + "/cgroup.freeze");
  }
  // Joining a frozen cgroup freezes the worker before it is released.
  r.check(ctx.spawn_workers(ktstr::CgroupDef{"frozen"}.with_workers(1)), "spawn frozen");
  ctx.sleep_s(ctx.duration_s());
  ctx.stop_workers("cg_0");
  ctx.stop_workers("frozen");  // must not hang: the frozen worker is killed after 2 s
  r.check(ctx.remove_cgroup("frozen"), "remove frozen");
  r.check(ctx.remove_cgroup("cg_0"), "remove cg_0");
  return r;
}
