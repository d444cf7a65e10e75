// JSON mapping of the guest test spec. The host writes it, the guest reads it:
// missing keys take their defaults (so the runner may omit them), but a key of
// the wrong type or an out-of-range value throws a nlohmann::json exception that
// names the key, so a garbled /ktstr/test.json becomes an "error" frame rather
// than a crash or a silently different test.
#include "guest/protocol/test_spec.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "guest/protocol/json_field.h"

namespace ktstr {

std::string TopologySpec::str() const {
  return std::to_string(numa_nodes) + "n" + std::to_string(llcs) + "l" + std::to_string(cores) +
         "c" + std::to_string(threads) + "t";
}

void to_json(nlohmann::json& j, const TopologySpec& t) {
  j = {{"numa_nodes", t.numa_nodes}, {"llcs", t.llcs}, {"cores", t.cores}, {"threads", t.threads}};
}

void from_json(const nlohmann::json& j, TopologySpec& t) {
  json_field::require_object(j, "topology");
  // Generous caps: large enough for any real machine, small enough that
  // total_cpus() cannot overflow.
  json_field::read_int(j, "numa_nodes", t.numa_nodes, 1, 1024);
  json_field::read_int(j, "llcs", t.llcs, 1, 4096);
  json_field::read_int(j, "cores", t.cores, 1, 4096);
  json_field::read_int(j, "threads", t.threads, 1, 64);
  if (t.llcs % t.numa_nodes != 0) {
    throw nlohmann::json::out_of_range::create(406,
                                               "topology: llcs (" + std::to_string(t.llcs) +
                                                   ") must be divisible by numa_nodes (" +
                                                   std::to_string(t.numa_nodes) + ")",
                                               &j);
  }
  if (static_cast<long long>(t.llcs) * t.cores * t.threads > 65536) {
    throw nlohmann::json::out_of_range::create(
        406, "topology: " + t.str() + " has more than 65536 CPUs", &j);
  }
}

void to_json(nlohmann::json& j, const CgroupSpec& c) {
  j = {{"name", c.name},           {"workers", c.workers}, {"work", c.work},
       {"work_args", c.work_args}, {"cpuset", c.cpuset},   {"affinity", c.affinity},
       {"policy", c.policy},       {"nice", c.nice}};
}

void from_json(const nlohmann::json& j, CgroupSpec& c) {
  json_field::require_object(j, "cgroup");
  json_field::read_string(j, "name", c.name);
  if (c.name.empty()) {
    throw nlohmann::json::out_of_range::create(406, "cgroup: 'name' must not be empty", &j);
  }
  json_field::read_int(j, "workers", c.workers, 0, 100000);
  json_field::read_string(j, "work", c.work);
  if (j.contains("work_args")) {
    json_field::require_object(j.at("work_args"), "cgroup.work_args");
    c.work_args = j.at("work_args");
  }
  json_field::read_string(j, "cpuset", c.cpuset);
  json_field::read_string(j, "affinity", c.affinity);
  json_field::read_string(j, "policy", c.policy);
  json_field::read_int(j, "nice", c.nice, -20, 19);
}

void to_json(nlohmann::json& j, const StepSpec& s) {
  j = {{"at", s.at},           {"at_ms", s.at_ms},   {"op", s.op},
       {"cgroup", s.cgroup},   {"cpuset", s.cpuset}, {"affinity", s.affinity},
       {"workers", s.workers}, {"work", s.work},     {"work_args", s.work_args}};
}

void from_json(const nlohmann::json& j, StepSpec& s) {
  json_field::require_object(j, "step");
  json_field::read_number(j, "at", s.at, 0, 1);
  json_field::read_number(j, "at_ms", s.at_ms, -1, 1e10);
  if (s.at_ms < 0 && s.at_ms != -1) {
    throw nlohmann::json::out_of_range::create(406, "step: 'at_ms' must be -1 or >= 0", &j);
  }
  json_field::read_string(j, "op", s.op);
  const auto& ops = step_ops();
  if (std::find(ops.begin(), ops.end(), s.op) == ops.end()) {
    std::string list;
    for (const auto& o : ops) list += (list.empty() ? "" : ", ") + o;
    throw nlohmann::json::out_of_range::create(406, "step: op '" + s.op + "' is not one of " + list,
                                               &j);
  }
  json_field::read_string(j, "cgroup", s.cgroup);
  if (s.cgroup.empty()) {
    throw nlohmann::json::out_of_range::create(406, "step: 'cgroup' must not be empty", &j);
  }
  json_field::read_string(j, "cpuset", s.cpuset);
  json_field::read_string(j, "affinity", s.affinity);
  json_field::read_int(j, "workers", s.workers, -1, 100000);
  json_field::read_string(j, "work", s.work);
  if (j.contains("work_args")) {
    json_field::require_object(j.at("work_args"), "step.work_args");
    s.work_args = j.at("work_args");
  }
}

void to_json(nlohmann::json& j, const SchedulerSpec& s) {
  j = {{"kind", s.kind},
       {"name", s.name},
       {"binary", s.binary},
       {"args", s.args},
       {"config_file", s.config_file},
       {"config", s.config}};
  j["watchdog_timeout_s"] =
      s.watchdog_timeout_s ? nlohmann::json(*s.watchdog_timeout_s) : nlohmann::json(nullptr);
  j["watchdog_required"] = s.watchdog_required;
}

void from_json(const nlohmann::json& j, SchedulerSpec& s) {
  json_field::require_object(j, "scheduler");
  json_field::read_string(j, "kind", s.kind);
  if (s.kind != "eevdf" && s.kind != "sched_ext") {
    throw nlohmann::json::out_of_range::create(
        406, "scheduler: kind '" + s.kind + "' is not one of eevdf, sched_ext", &j);
  }
  json_field::read_string(j, "name", s.name);
  json_field::read_string(j, "binary", s.binary);
  json_field::read_string_list(j, "args", s.args);
  if (j.contains("watchdog_timeout_s") && !j.at("watchdog_timeout_s").is_null()) {
    double v = 0;
    json_field::read_number(j, "watchdog_timeout_s", v, 0, 1e6);
    s.watchdog_timeout_s = v;
  } else {
    s.watchdog_timeout_s.reset();
  }
  json_field::read_bool(j, "watchdog_required", s.watchdog_required);
  json_field::read_string(j, "config_file", s.config_file);
  json_field::read_string(j, "config", s.config);
}

void to_json(nlohmann::json& j, const KernelFacts& k) {
  nlohmann::json sym = nlohmann::json::object();
  for (const auto& [name, addr] : k.symbols) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
    sym[name] = buf;
  }
  j = {{"hz", k.hz}, {"symbols", sym}};
}

void from_json(const nlohmann::json& j, KernelFacts& k) {
  json_field::require_object(j, "kernel");
  int hz = 0;
  json_field::read_int(j, "hz", hz, 0, 100000);
  k.hz = static_cast<unsigned>(hz);
  k.symbols.clear();
  if (!j.contains("symbols")) return;
  const auto& m = j.at("symbols");
  json_field::require_object(m, "kernel.symbols");
  for (const auto& [name, value] : m.items()) {
    const std::string v = value.is_string() ? value.get<std::string>() : "";
    const bool hex = v.size() > 2 && v.size() <= 18 && v.starts_with("0x") &&
                     v.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
    if (!hex) {
      throw nlohmann::json::type_error::create(
          302, "kernel.symbols: '" + name + "' must be a hex address string (\"0x...\")", &j);
    }
    k.symbols[name] = std::stoull(v.substr(2), nullptr, 16);
  }
}

void to_json(nlohmann::json& j, const GuestTestSpec& s) {
  j = {{"version", s.version},         {"name", s.name},
       {"duration_s", s.duration_s},   {"workers_per_cgroup", s.workers_per_cgroup},
       {"topology", s.topology},       {"scheduler", s.scheduler},
       {"kernel", s.kernel},           {"sysctls", s.sysctls},
       {"plugin_path", s.plugin_path}, {"scenario", s.scenario},
       {"cgroups", s.cgroups},         {"steps", s.steps},
       {"expect_err", s.expect_err},   {"settings", s.settings}};
  if (!s.expect_scx_bpf_error_contains.empty())
    j["expect_scx_bpf_error_contains"] = s.expect_scx_bpf_error_contains;
  if (!s.expect_scx_bpf_error_matches.empty())
    j["expect_scx_bpf_error_matches"] = s.expect_scx_bpf_error_matches;
}

void from_json(const nlohmann::json& j, GuestTestSpec& s) {
  json_field::require_object(j, "test spec");
  json_field::read_int(j, "version", s.version, 0, std::numeric_limits<int>::max());
  if (s.version != kGuestProtocolVersion) {
    throw nlohmann::json::out_of_range::create(
        406,
        "test spec: version " + std::to_string(s.version) + " is not the agent's " +
            std::to_string(kGuestProtocolVersion) + " (rebuild the initramfs with this agent)",
        &j);
  }
  json_field::read_string(j, "name", s.name);
  json_field::read_number(j, "duration_s", s.duration_s, 0, 1e7);
  json_field::read_int(j, "workers_per_cgroup", s.workers_per_cgroup, 0, 100000);
  if (j.contains("topology")) j.at("topology").get_to(s.topology);
  if (j.contains("scheduler")) j.at("scheduler").get_to(s.scheduler);
  if (j.contains("kernel")) j.at("kernel").get_to(s.kernel);
  if (j.contains("sysctls")) {
    const auto& m = j.at("sysctls");
    json_field::require_object(m, "sysctls");
    s.sysctls.clear();
    for (const auto& [key, value] : m.items()) {
      if (!value.is_string()) {
        throw nlohmann::json::type_error::create(
            302, "sysctls: value of '" + key + "' must be a string", &j);
      }
      s.sysctls[key] = value.get<std::string>();
    }
  }
  json_field::read_string(j, "plugin_path", s.plugin_path);
  json_field::read_string(j, "scenario", s.scenario);
  if (j.contains("cgroups")) {
    const auto& arr = j.at("cgroups");
    if (!arr.is_array()) {
      throw nlohmann::json::type_error::create(302, "test spec: 'cgroups' must be an array", &j);
    }
    s.cgroups.clear();
    for (const auto& c : arr) s.cgroups.push_back(c.get<CgroupSpec>());
  }
  if (j.contains("steps")) {
    const auto& arr = j.at("steps");
    if (!arr.is_array()) {
      throw nlohmann::json::type_error::create(302, "test spec: 'steps' must be an array", &j);
    }
    s.steps.clear();
    for (const auto& c : arr) s.steps.push_back(c.get<StepSpec>());
  }
  json_field::read_bool(j, "expect_err", s.expect_err);
  json_field::read_string(j, "expect_scx_bpf_error_contains", s.expect_scx_bpf_error_contains);
  json_field::read_string(j, "expect_scx_bpf_error_matches", s.expect_scx_bpf_error_matches);
  if (j.contains("settings")) {
    json_field::require_object(j.at("settings"), "settings");
    s.settings = j.at("settings");
  }
}

}  // namespace ktstr
