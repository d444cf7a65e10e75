// run_scenario (see scenario_runner.h).
//
// The scenario runs in a forked child process (its own process group) so that
// nothing a plugin does -- a crash, an exception escaping, exit(), a hang --
// can take the agent down. The child builds a GuestCtx, runs the plugin
// scenario or the declarative cgroups, and reports over a pipe, one JSON
// object per line: {"t":"log",...} lines are relayed to the host as they come,
// then one {"t":"result","outcome":{...}}. The parent maps how the child ended
// to a verdict, kills whatever is left of the process group (workers), reaps
// it (it is a child subreaper), and removes the scenario's cgroups.
#include "guest/scenario_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "guest/cgroup_ops.h"
#include "guest/guest_ctx.h"
#include "guest/plugin_host.h"

namespace ktstr {

namespace {

using Clock = std::chrono::steady_clock;

void write_line(int fd, const nlohmann::json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string describe(const GuestTestSpec& spec) {
  if (spec.plugin_path.empty()) return "the declarative scenario of " + spec.name;
  return "scenario '" + spec.scenario + "' of plugin " + spec.plugin_path;
}

CgroupDef to_def(const CgroupSpec& c) {
  CgroupDef d;
  d.name = c.name;
  d.workers = c.workers;
  d.work = WorkType{c.work, c.work_args.is_null() ? "{}" : c.work_args.dump()};
  d.cpuset = c.cpuset;
  d.affinity = c.affinity;
  d.policy = c.policy;
  d.nice = c.nice;
  return d;
}

Step to_step(const StepSpec& st) {
  Step s;
  s.at = st.at;
  s.at_ms = st.at_ms;
  static const std::pair<const char*, Op> kOps[] = {
      {"add_cgroup", Op::add_cgroup},     {"remove_cgroup", Op::remove_cgroup},
      {"set_cpuset", Op::set_cpuset},     {"clear_cpuset", Op::clear_cpuset},
      {"set_affinity", Op::set_affinity}, {"spawn", Op::spawn},
      {"stop_cgroup", Op::stop_cgroup}};
  for (const auto& [name, op] : kOps)
    if (st.op == name) s.op = op;
  s.cgroup = st.cgroup;
  s.cpuset = st.cpuset;
  s.affinity = st.affinity;
  s.def.name = st.cgroup;
  s.def.workers = st.workers;
  s.def.work = WorkType{st.work, st.work_args.is_null() ? "{}" : st.work_args.dump()};
  s.def.cpuset = st.cpuset;
  if (!st.affinity.empty()) s.def.affinity = st.affinity;
  return s;
}

nlohmann::json outcome_json(const ScenarioOutcome& o) {
  return {{"verdict", o.verdict}, {"details", o.details}, {"data", o.data}};
}

/// Runs in the child: the scenario itself. Never returns.
[[noreturn]] void child_main(const GuestTestSpec& spec, const ObservedTopology& topology,
                             const std::string& cgroup_root, int fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGCHLD, SIGHUP}) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);

  ScenarioOutcome out;
  std::unique_ptr<LoadedPlugin> plugin;  // outlives the context: results may point into it
  {
    GuestCtx ctx(spec, topology, cgroup_root,
                 [fd](const std::string& level, const std::string& text) {
                   write_line(fd, {{"t", "log"}, {"level", level}, {"text", text}});
                 });
    AssertResult result;
    if (Status s = ctx.init(); !s) {
      out.verdict = "error";
      out.details.push_back("cgroup setup: " + s.error);
    } else if (!spec.plugin_path.empty()) {
      std::string error;
      plugin = LoadedPlugin::load(spec.plugin_path, error);
      const detail::ScenarioEntry* entry = plugin ? plugin->find(spec.scenario) : nullptr;
      if (!plugin) {
        out.verdict = "error";
        out.details.push_back(error);
      } else if (!entry) {
        out.verdict = "error";
        std::string names;
        for (const auto& n : plugin->names()) names += (names.empty() ? "" : ", ") + n;
        out.details.push_back("unknown scenario '" + spec.scenario + "' in plugin " +
                              spec.plugin_path + "; it provides: " + names);
      } else {
        result = call_scenario(*entry, ctx);
      }
    } else if (spec.cgroups.empty()) {
      out.verdict = "error";
      out.details.push_back(
          "nothing to run: the test names no plugin scenario and declares no "
          "[[cgroup]]");
    } else {
      std::vector<CgroupDef> defs;
      for (const auto& c : spec.cgroups) defs.push_back(to_def(c));
      std::vector<Step> steps;
      for (const auto& st : spec.steps) steps.push_back(to_step(st));
      try {
        result = ctx.execute(defs, steps);
      } catch (const std::exception& e) {
        result = AssertResult::fail(std::string("scenario engine error: ") + e.what());
      }
    }
    ctx.cleanup();
    if (out.verdict != "error") out.verdict = result.passed ? "pass" : "fail";
    out.details.insert(out.details.end(), result.details.begin(), result.details.end());
    out.details.insert(out.details.end(), ctx.details().begin(), ctx.details().end());
    out.data = ctx.data();
  }
  out.data["scenario"] = {{"plugin", spec.plugin_path}, {"name", spec.scenario}};
  write_line(fd, {{"t", "result"}, {"outcome", outcome_json(out)}});
  close(fd);
  _exit(0);
}

void relay(const std::string& line, ScenarioHost& host, ScenarioOutcome& outcome,
           bool& have_result) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  const std::string t = j.value("t", "");
  if (t == "log") {
    host.log(j.value("level", "info"), j.value("text", ""));
  } else if (t == "result" && j.contains("outcome") && j["outcome"].is_object()) {
    const auto& o = j["outcome"];
    outcome.verdict = o.value("verdict", "error");
    if (o.contains("details") && o["details"].is_array())
      for (const auto& d : o["details"])
        if (d.is_string()) outcome.details.push_back(d.get<std::string>());
    if (o.contains("data")) outcome.data = o["data"];
    have_result = true;
  }
}

double scenario_timeout_s(const GuestTestSpec& spec) {
  auto it = spec.settings.find("scenario_timeout_s");
  if (it != spec.settings.end() && it->is_number() && it->get<double>() > 0)
    return it->get<double>();
  return spec.duration_s + std::max(10.0, spec.duration_s);
}

}  // namespace

ScenarioOutcome run_scenario(const GuestTestSpec& spec, const ObservedTopology& topology,
                             ScenarioHost& host) {
  ScenarioOutcome outcome;
  const std::string what = describe(spec);
  const std::string cgroup_root = host.cgroup_root();
  // Workers orphaned by a crashed scenario become our children, so we can reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    outcome.verdict = "error";
    outcome.details.push_back(std::string("cannot run ") + what + ": pipe: " + strerror(errno));
    return outcome;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "ktstr-scenario");
    close(fds[0]);
    child_main(spec, topology, cgroup_root, fds[1]);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    outcome.verdict = "error";
    outcome.details.push_back(std::string("cannot run ") + what + ": fork: " + strerror(errno));
    return outcome;
  }
  setpgid(pid, pid);

  const double timeout = scenario_timeout_s(spec);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout));
  std::string buffer;
  bool eof = false, exited = false, hung = false, have_result = false;
  int status = 0;
  Clock::time_point exited_at{};
  while (!(eof && exited)) {
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      exited_at = Clock::now();
    }
    // A descendant that still holds the pipe must not keep us waiting long.
    if (exited && Clock::now() - exited_at > std::chrono::milliseconds(500)) break;
    const auto now = Clock::now();
    if (!exited && now >= deadline) {
      hung = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
      break;
    }
    if (eof) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 1, 50)));
    if (r > 0) {
      char chunk[65536];
      ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n == 0) {
        eof = true;
      } else if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
        size_t nl;
        while ((nl = buffer.find('\n')) != std::string::npos) {
          relay(buffer.substr(0, nl), host, outcome, have_result);
          buffer.erase(0, nl + 1);
        }
      }
    }
  }
  close(fds[0]);

  // Whatever is left of the scenario's process group (workers) goes now.
  kill(-pid, SIGKILL);
  const auto reap_until = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < reap_until) {
    pid_t r = waitpid(-pid, nullptr, WNOHANG);
    if (r < 0 && errno == ECHILD) break;
    if (r <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CgroupOps ops(std::filesystem::path(cgroup_root) / "ktstr");
  if (ops.init().ok())
    if (Status s = ops.remove_all(); !s) outcome.details.push_back("cgroup cleanup: " + s.error);

  if (hung) {
    outcome.verdict = "fail";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", timeout);
    outcome.details.insert(outcome.details.begin(),
                           "scenario hung: " + what + " did not finish within " + buf +
                               " s (duration_s + margin); it and its workers were killed");
  } else if (!have_result) {
    outcome.verdict = "fail";
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      const char* abbrev = sigabbrev_np(sig);
      outcome.details.insert(outcome.details.begin(), what + " crashed: SIG" +
                                                          std::string(abbrev ? abbrev : "?") +
                                                          " (" + strsignal(sig) + ")");
    } else {
      outcome.details.insert(outcome.details.begin(),
                             what + " ended (exit status " +
                                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                 ") without reporting a result; a scenario must return, not "
                                 "call exit()");
    }
  }
  return outcome;
}

}  // namespace ktstr
