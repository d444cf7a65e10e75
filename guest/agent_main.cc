// ktstr-agent: the guest's /init. One test per boot:
//
//   mount → open channel → "booted" → ready, waiting for a test → sysctls →
//   scheduler up → scenario → scheduler down → "result" → "done" → power off
//
// Every step reports over the framed channel (guest/protocol/frame.h) and
// echoes a line to the console. Nothing may escape main: as PID 1, returning or
// crashing panics the kernel, so every failure becomes an "error" frame and the
// agent still powers off. When it is not PID 1 (host-side tests) it neither
// mounts nor powers off, and --root/--channel/--test point it at a fake tree;
// a host_only test runs it that way on the host, with --cgroup-root naming
// the cgroup the runner made for it.
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "guest/channel_writer.h"
#include "guest/mounts.h"
#include "guest/power_off.h"
#include "guest/protocol/frame.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"
#include "guest/scenario_runner.h"
#include "guest/scheduler_lifecycle.h"
#include "guest/sysctl.h"
#include "guest/topology_probe.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

constexpr char kAgentVersion[] = "0.1.0";
/// A test.json larger than this is refused (it is written by the runner).
constexpr std::uintmax_t kMaxTestFileBytes = 16u << 20;

/// How this agent process runs; defaults are those of the guest's /init.
struct AgentOptions {
  fs::path root = "/";      ///< prefix of /sys, /proc, /dev, /ktstr
  std::string channel;      ///< a file to write frames to; "" = find the guest port
  std::string test_file;    ///< "" = <root>/ktstr/test.json
  std::string cgroup_root;  ///< "" = <root>/sys/fs/cgroup (host_only runs pass their own cgroup)
  bool mount = false;       ///< mount the filesystems (default: when PID 1)
  bool power_off = false;   ///< power off at the end (only ever when PID 1)
  std::vector<std::string> ignored_args;
};

uint64_t boot_ms() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

void console(const std::string& line) { std::fprintf(stderr, "ktstr-agent: %s\n", line.c_str()); }

constexpr char kUsage[] =
    "usage: ktstr-agent [--root DIR] [--channel PATH] [--test FILE] [--mount|--no-mount]\n"
    "                   [--no-poweroff] [--cgroup-root DIR]\n"
    "As PID 1 (the guest's /init) it mounts, finds the ktstr.0 port and powers off at the end.\n"
    "Elsewhere it never mounts unless asked and never powers off.\n";

/// Parses argv. Returns false on --help or a bad option outside PID 1. As PID 1,
/// unknown words (the kernel passes unrecognised command-line words) are kept
/// in ignored_args and reported, never fatal.
bool parse_args(int argc, char** argv, AgentOptions& opt, std::string& error) {
  const bool pid1 = getpid() == 1;
  opt.mount = pid1;
  opt.power_off = pid1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--root") {
      if (!value(v)) return false;
      opt.root = v;
    } else if (arg == "--channel") {
      if (!value(opt.channel)) return false;
    } else if (arg == "--test") {
      if (!value(opt.test_file)) return false;
    } else if (arg == "--cgroup-root") {
      if (!value(opt.cgroup_root)) return false;
    } else if (arg == "--mount") {
      opt.mount = true;
    } else if (arg == "--no-mount") {
      opt.mount = false;
    } else if (arg == "--no-poweroff") {
      opt.power_off = false;
    } else if (arg == "--help" || arg == "-h") {
      error = "";
      return false;
    } else if (pid1) {
      opt.ignored_args.push_back(arg);
    } else {
      error = "unknown option '" + arg + "'";
      return false;
    }
  }
  if (!pid1) opt.power_off = false;  // never power off (or reboot) the host
  return true;
}

/// The agent's connection to the host: frames plus a console echo.
class Reporter {
 public:
  explicit Reporter(ChannelWriter& channel) : channel_(channel) {}

  void send(std::string_view type, nlohmann::json fields = nlohmann::json::object()) {
    if (!channel_.send(make_frame_payload(type, boot_ms(), std::move(fields))) &&
        !write_failure_reported_) {
      write_failure_reported_ = true;
      console("channel: " +
              (channel_.last_error().empty() ? std::string("not open") : channel_.last_error()));
    }
  }
  void log(const std::string& level, const std::string& text) {
    console(level + ": " + text);
    send("log", {{"level", level}, {"text", text}});
  }
  void phase(const std::string& name) {
    console("phase " + name);
    send("phase", {{"name", name}});
  }
  void error(const std::string& text) {
    console("error: " + text);
    send("error", {{"text", text}});
  }
  void flush() { channel_.flush(); }

 private:
  ChannelWriter& channel_;
  bool write_failure_reported_ = false;
};

/// The ScenarioHost the scenario engine talks to: everything goes to the channel.
class ChannelScenarioHost : public ScenarioHost {
 public:
  ChannelScenarioHost(Reporter& reporter, std::string cgroup_root)
      : reporter_(reporter), cgroup_root_(std::move(cgroup_root)) {}

  void log(const std::string& level, const std::string& text) override {
    reporter_.log(level, text);
  }
  void emit(const std::string& type, const nlohmann::json& payload) override {
    // The agent's own frame types mark the protocol's structure; the engine
    // must not fake them.
    static const char* const kReserved[] = {"booted", "phase", "result", "error", "done"};
    for (const char* r : kReserved) {
      if (type == r) {
        reporter_.log("warn", "scenario tried to emit reserved frame type '" + type + "'");
        return;
      }
    }
    reporter_.send(type, payload);
  }
  std::string cgroup_root() const override { return cgroup_root_; }

 private:
  Reporter& reporter_;
  std::string cgroup_root_;
};

/// Step 1: mount the filesystems (as /init). Returns the outcomes to report
/// once the channel is open.
std::vector<MountOutcome> bring_up(const AgentOptions& opt) {
  if (!opt.mount) return {};
  return mount_all(opt.root.string());
}

/// Step 2: the channel, from --channel or the guest's port.
std::string open_channel(const AgentOptions& opt, ChannelWriter& channel) {
  if (!opt.channel.empty()) return channel.open_path(opt.channel);
  return channel.open_guest(opt.root);
}

/// Step 3: "booted", with what the guest kernel shows.
ObservedTopology report_booted(const AgentOptions& opt, Reporter& reporter, uint64_t start_ms,
                               const std::vector<MountOutcome>& mounts,
                               const ChannelWriter& channel) {
  TopologyProbe probe = probe_topology(opt.root / "sys");
  const ObservedTopology& t = probe.topology;
  reporter.send("booted", {{"topology", t},
                           {"kernel_release", t.kernel_release},
                           {"sched_ext", t.sched_ext},
                           {"uptime_ms", boot_ms()},
                           {"agent_start_ms", start_ms},
                           {"agent_version", kAgentVersion},
                           {"protocol", kGuestProtocolVersion},
                           {"channel", channel.description()}});
  console("booted: " + std::to_string(t.cpus) + " CPUs, kernel " + t.kernel_release + ", " +
          channel.description());
  for (const auto& m : mounts) {
    if (!m.error.empty()) reporter.log(m.required ? "error" : "warn", m.error);
  }
  for (const auto& a : opt.ignored_args) reporter.log("info", "ignored argument '" + a + "'");
  if (!probe.error.empty()) reporter.log("error", "topology probe: " + probe.error);
  for (const auto& w : probe.warnings) reporter.log("warn", "topology probe: " + w);
  return probe.topology;
}

/// Step 4, the warm-start point: the agent is up and reported, and waits for
/// its test. Today the test is a file in the initramfs overlay; a restored,
/// already-booted VM would resume here and read the test from the channel.
std::optional<GuestTestSpec> wait_for_test(const AgentOptions& opt, Reporter& reporter) {
  reporter.phase("ready");
  const std::string path =
      opt.test_file.empty() ? (opt.root / "ktstr" / "test.json").string() : opt.test_file;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    reporter.error("cannot read test " + path + ": " + ec.message());
    return std::nullopt;
  }
  if (size > kMaxTestFileBytes) {
    reporter.error("test " + path + " is " + std::to_string(size) +
                   " bytes, more than the 16 MiB limit");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    reporter.error("cannot read test " + path);
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text.str()).get<GuestTestSpec>();
  } catch (const nlohmann::json::exception& e) {
    reporter.error("garbled test " + path + ": " + e.what());
    return std::nullopt;
  }
}

/// Steps 5–9: sysctls, scheduler, scenario, teardown. Always returns an outcome.
ScenarioOutcome run_test(const AgentOptions& opt, const GuestTestSpec& spec,
                         const ObservedTopology& topology, Reporter& reporter) {
  ChannelScenarioHost host(reporter, opt.cgroup_root.empty()
                                         ? (opt.root / "sys" / "fs" / "cgroup").string()
                                         : opt.cgroup_root);
  reporter.phase("sysctls");
  // A sysctl that cannot be applied is a setup failure: the test would run
  // under other conditions than it declares, so it does not run at all.
  std::vector<std::string> sysctl_errors = apply_sysctls(opt.root / "proc", spec.sysctls);
  if (!sysctl_errors.empty()) {
    for (const auto& e : sysctl_errors) reporter.log("error", e);
    ScenarioOutcome failed;
    failed.verdict = "error";
    failed.details = sysctl_errors;
    failed.details.insert(failed.details.begin(),
                          "setup failed: " + std::to_string(sysctl_errors.size()) + " of " +
                              std::to_string(spec.sysctls.size()) +
                              " sysctls could not be applied; the scenario did not run");
    failed.data["sysctl_errors"] = sysctl_errors;
    return failed;
  }

  reporter.phase("scheduler");
  SchedulerLifecycleOptions sched_opt = SchedulerLifecycleOptions::under(opt.root);
  sched_opt.kernel = spec.kernel;
  SchedulerLifecycle scheduler(spec.scheduler, host, std::move(sched_opt));
  ScenarioOutcome outcome;
  if (!scheduler.start(outcome)) {
    reporter.error("scheduler '" + spec.scheduler.name + "': " +
                   (outcome.details.empty() ? std::string("did not start") : outcome.details[0]));
  } else {
    reporter.phase("scenario");
    outcome = run_scenario(spec, topology, host);
    reporter.phase("teardown");
    scheduler.finish(outcome);  // a scheduler failure during the run turns it into "fail"
  }
  return outcome;
}

void report_result(Reporter& reporter, const ScenarioOutcome& outcome) {
  reporter.send(
      "result",
      {{"verdict", outcome.verdict}, {"details", outcome.details}, {"data", outcome.data}});
  console("result: " + outcome.verdict);
}

/// The whole flow; returns the process exit status (0: a result was sent).
int run_agent(const AgentOptions& opt, uint64_t start_ms) {
  std::vector<MountOutcome> mounts = bring_up(opt);
  ChannelWriter channel;
  std::string channel_error = open_channel(opt, channel);
  if (!channel_error.empty()) console("channel: " + channel_error);  // only the console is left
  Reporter reporter(channel);
  int status = 1;
  try {
    ObservedTopology topology = report_booted(opt, reporter, start_ms, mounts, channel);
    if (std::optional<GuestTestSpec> spec = wait_for_test(opt, reporter)) {
      report_result(reporter, run_test(opt, *spec, topology, reporter));
      status = 0;
    }
  } catch (const std::exception& e) {
    reporter.error(std::string("agent: ") + e.what());
  } catch (...) {
    reporter.error("agent: unknown exception");
  }
  reporter.send("done");
  reporter.flush();
  return status;
}

}  // namespace
}  // namespace ktstr

int main(int argc, char** argv) {
  const uint64_t start_ms = ktstr::boot_ms();
  ktstr::AgentOptions opt;
  std::string error;
  int status = 2;
  if (!ktstr::parse_args(argc, argv, opt, error)) {
    std::fprintf(stderr, "%s%s%s", error.empty() ? "" : "ktstr-agent: error: ", error.c_str(),
                 error.empty() ? "" : "\n");
    std::fputs(ktstr::kUsage, stderr);
    if (getpid() != 1) return error.empty() ? 0 : 2;
  }
  // As /init there is no one to read a usage message: run with what parsed.
  try {
    status = ktstr::run_agent(opt, start_ms);
  } catch (...) {
    ktstr::console("agent: fatal error outside the test flow");
  }
  if (opt.power_off) {
    ktstr::console("powering off");
    ktstr::power_off();
    ktstr::console(std::string("power off failed: ") + std::strerror(errno));
  }
  return status;
}
