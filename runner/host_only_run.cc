// The agent runs as a child in its own process group, inside
// CGROUP/agent (a leaf: cgroup v2 lets a cgroup with processes enable no
// controllers for its children, and the scenario's cgroups go to
// CGROUP/ktstr). The parent polls waitpid every 10 ms against the hard
// deadline and the interrupt flag. Teardown kills the process group, then
// every process still in the cgroup tree (workers may have left the group),
// until the tree is empty, and removes the cgroups bottom-up.
#include "runner/host_only_run.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "guest/protocol/frame.h"
#include "runner/checks_from_spec.h"
#include "runner/run_record_builder.h"

namespace ktstr {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

bool is_cgroup2(const fs::path& dir) {
  struct statfs st {};
  return statfs(dir.c_str(), &st) == 0 &&
         static_cast<unsigned long>(st.f_type) == CGROUP2_SUPER_MAGIC;
}

// The first cgroup2 mount point in /proc/self/mountinfo.
fs::path cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream f(line.substr(0, dash));
    std::string id, parent, dev, root, mount;
    if (f >> id >> parent >> dev >> root >> mount) return mount;
  }
  return {};
}

std::vector<int> pids_in(const fs::path& cgroup) {
  std::vector<int> pids;
  std::ifstream in(cgroup / "cgroup.procs");
  for (int pid = 0; in >> pid;) pids.push_back(pid);
  return pids;
}

// Every cgroup of the tree, deepest first.
std::vector<fs::path> tree_of(const fs::path& root) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path());
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());
  });
  dirs.push_back(root);
  return dirs;
}

// SIGKILLs every process of the tree until none is left (or 5 s pass); then
// removes the cgroups. Returns "" or what was left behind.
std::string kill_and_remove(const fs::path& root) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (true) {
    bool any = false;
    for (const fs::path& d : tree_of(root))
      for (int pid : pids_in(d)) {
        any = true;
        ::kill(pid, SIGKILL);
      }
    if (!any) break;
    if (Clock::now() > deadline)
      return fmt::format("processes are still in {} after SIGKILL", root.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (const fs::path& d : tree_of(root)) {
    // A killed process leaves its cgroup a moment after it is reaped.
    for (int i = 0; i < 200 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::error_code ec;
  if (fs::exists(root, ec)) return fmt::format("could not remove cgroup {}", root.string());
  return "";
}

std::string file_tail(const fs::path& p, size_t bytes) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > static_cast<std::streamoff>(bytes) ? size - bytes : 0;
  in.seekg(from);
  std::string s(static_cast<size_t>(size - from), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

// Reads DIR/channel.bin (up to the cap) into the outcome, as the supervisor
// reads the channel: untrusted bytes through the FrameDecoder.
void read_frames(const fs::path& channel, const SupervisorLimits& limits, VmOutcome& o) {
  FrameDecoder decoder(limits.max_frame_payload);
  std::ifstream in(channel, std::ios::binary);
  std::ofstream jsonl(o.frames_path);
  std::string buf(64 << 10, '\0');
  auto drain = [&] {
    while (auto f = decoder.next()) {
      jsonl << f->dump() << "\n";
      const std::string type = f->value("type", "");
      if (type == "booted" && o.booted.is_null()) o.booted = *f;
      if (type == "result") o.result = *f;
      if (type == "done") o.done = true;
      if (o.frames.size() < limits.max_kept_frames) {
        o.frames.push_back(std::move(*f));
      } else {
        ++o.channel.frames_not_kept;
      }
    }
  };
  while (in && o.channel.bytes < limits.max_channel_bytes) {
    in.read(buf.data(), static_cast<std::streamsize>(
                            std::min(buf.size(), limits.max_channel_bytes - o.channel.bytes)));
    const size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    o.channel.bytes += n;
    decoder.feed(std::string_view(buf.data(), n));
    drain();
  }
  o.channel.capped = o.channel.bytes >= limits.max_channel_bytes;
  decoder.finish();
  drain();
  o.channel.frames = decoder.frames();
  o.channel.bad_crc = decoder.bad_crc();
  o.channel.oversize = decoder.oversize();
  o.channel.bad_json = decoder.bad_json();
  o.channel.skipped_bytes = decoder.skipped_bytes();
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

std::string host_cgroup_parent(fs::path* dir) {
  const char* env = std::getenv("KTSTR_HOST_CGROUP");
  const fs::path parent = env && *env ? fs::path(env) : cgroup2_mount();
  if (parent.empty())
    return "host_only needs cgroup v2, and the host has no cgroup2 mount; mount one (mount -t "
           "cgroup2 none /sys/fs/cgroup) or set KTSTR_HOST_CGROUP to a cgroup2 directory";
  if (!is_cgroup2(parent))
    return fmt::format("host_only needs cgroup v2: {} is not a cgroup2 directory{}",
                       parent.string(), env ? " (from KTSTR_HOST_CGROUP)" : "");
  if (::access(parent.c_str(), W_OK) != 0)
    return fmt::format(
        "host_only needs a writable cgroup v2 directory: {}: {}; run as root or set "
        "KTSTR_HOST_CGROUP to a cgroup delegated to you",
        parent.string(), std::strerror(errno));
  *dir = parent;
  return "";
}

std::string host_only_preflight(const std::vector<const ResolvedTest*>& selected) {
  for (const ResolvedTest* t : selected) {
    if (!t->value_or<bool>("host_only", false)) continue;
    fs::path dir;
    return host_cgroup_parent(&dir);
  }
  return "";
}

VmOutcome run_on_host(const HostRunSpec& spec) {
  VmOutcome o;
  const auto t_launch = Clock::now();
  const fs::path test = spec.run_dir / "test.json", channel = spec.run_dir / "channel.bin";
  o.console_log_path = spec.run_dir / "console.log";
  o.frames_path = spec.run_dir / "frames.jsonl";
  o.qemu_output_path.clear();
  std::ofstream(test) << spec.test_json;
  std::ofstream(channel).close();
  const fs::path leaf = spec.cgroup / "agent";
  if (::mkdir(spec.cgroup.c_str(), 0755) != 0 || ::mkdir(leaf.c_str(), 0755) != 0) {
    o.reason = VmExitReason::kQemuFailed;
    o.detail = fmt::format("host_only: create cgroup {}: {}", leaf.string(), std::strerror(errno));
    std::error_code ec;
    fs::remove(spec.cgroup, ec);
    return o;
  }
  // Everything the child needs, prepared before fork (only async-signal-safe calls after it).
  const std::string procs = (leaf / "cgroup.procs").string(), console = o.console_log_path.string();
  std::vector<std::string> args = {
      spec.agent.string(), "--no-mount",    "--channel",         channel.string(), "--test",
      test.string(),       "--cgroup-root", spec.cgroup.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent_pid = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent_pid) _exit(127);
    const int cg = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cg < 0 || write(cg, "0", 1) != 1) _exit(126);
    const int out = open(console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || null < 0) _exit(126);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) {
    o.reason = VmExitReason::kQemuFailed;
    o.detail = std::string("host_only: fork: ") + std::strerror(errno);
    kill_and_remove(spec.cgroup);
    return o;
  }
  setpgid(pid, pid);  // also here: no race with the first kill
  if (spec.registry) spec.registry->add(pid);
  const auto deadline = t_launch + spec.timeouts.hard;
  int status = 0;
  bool exited = false, timed_out = false, interrupted = false;
  while (!exited) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      exited = true;
      break;
    }
    if (spec.registry && spec.registry->interrupted()) {
      interrupted = true;
      break;
    }
    if (Clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto t_decided = Clock::now();
  if (!exited) {
    ::kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::kill(-pid, SIGKILL);  // workers still in the agent's group
  if (spec.registry) spec.registry->remove(pid);
  const std::string left = kill_and_remove(spec.cgroup);
  o.timings.teardown_ms = ms_since(t_decided);
  o.timings.total_ms = ms_since(t_launch);
  read_frames(channel, spec.limits, o);
  o.console_tail = file_tail(o.console_log_path, spec.limits.console_tail_bytes);
  std::error_code ec;
  o.console_bytes = static_cast<size_t>(fs::file_size(o.console_log_path, ec));
  if (WIFEXITED(status)) o.qemu_exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.qemu_signal = WTERMSIG(status);
  if (interrupted) {
    o.reason = VmExitReason::kInterrupted;
    o.detail = "interrupted by SIGINT/SIGTERM";
  } else if (timed_out) {
    o.reason = VmExitReason::kHardTimeout;
    o.detail = fmt::format("the host run exceeded its hard timeout of {} s; the agent was killed",
                           std::chrono::duration<double>(spec.timeouts.hard).count());
  } else if (o.done) {
    o.reason = VmExitReason::kDone;
  } else {
    o.reason = VmExitReason::kAgentDied;
    o.detail =
        WIFSIGNALED(status)
            ? fmt::format("the agent was killed by signal {} before its 'done' frame",
                          WTERMSIG(status))
            : fmt::format(
                  "the agent exited with status {} before its 'done' frame{}", WEXITSTATUS(status),
                  WEXITSTATUS(status) == 127   ? " (could not run " + spec.agent.string() + ")"
                  : WEXITSTATUS(status) == 126 ? " (could not join cgroup " + leaf.string() + ")"
                                               : "");
  }
  if (!left.empty()) o.detail += (o.detail.empty() ? "" : "; ") + left;
  return o;
}

HostOnlyResult run_host_only_test(const ResolvedTest& t, GuestTestSpec spec, const fs::path& agent,
                                  const fs::path& dir, const std::string& instance_tag) {
  const auto start = Clock::now();
  HostOnlyResult r;
  if (const Setting* pf = t.get("plugin_file")) {
    spec.plugin_path = pf->value.get<std::string>();
    spec.scenario = t.value_or<std::string>("scenario", "");
  }
  fs::path parent;
  if (std::string e = host_cgroup_parent(&parent); !e.empty()) {
    r.verdict.reasons = {e};
    return r;
  }
  std::string cg_name = fmt::format("ktstr-host-{}-{}{}", getpid(), t.name, instance_tag);
  HostRunSpec run{
      .agent = agent,
      .run_dir = dir,
      .test_json = json(spec).dump(2),
      .cgroup = parent / cg_name,
      .timeouts = VmTimeouts::for_test(spec.duration_s, t.value_or<double>("timeout_s", 0))};
  const VmOutcome outcome = run_on_host(run);
  r.interrupted = outcome.reason == VmExitReason::kInterrupted;
  const RunRecord record = build_run_record(outcome, spec,
                                            {.name = spec.name,
                                             .kernel = "host",
                                             .accel = "host",
                                             .check_topology = false,
                                             .test = t.name,
                                             .spec_file = t.entity ? t.entity->pos.file : ""});
  r.verdict = evaluate(record, checks_from_spec(t));
  std::error_code ec;
  if (fs::exists(run.cgroup, ec)) {  // processes survived SIGKILL: never a pass
    if (r.verdict.kind != Verdict::Kind::kFail) r.verdict.reasons.clear();
    r.verdict.kind = Verdict::Kind::kFail;
    r.verdict.reasons.push_back("host_only cleanup failed: " + outcome.detail);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.sidecar = {{"name", spec.name},
               {"verdict", Verdict::name(r.verdict.kind)},
               {"reasons", r.verdict.reasons},
               {"host_only", true},
               {"kernel", "host"},
               {"accel", "host"},
               {"cgroup", run.cgroup.string()},
               {"seconds", r.seconds},
               {"outcome", to_json(outcome)},
               {"record", record}};
  return r;
}

}  // namespace ktstr
