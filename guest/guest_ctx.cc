// GuestCtx (see guest_ctx.h). Worker groups are keyed by cgroup name; a task
// moved with move_task() follows into the target's group, so stopping or
// removing a cgroup always stops exactly the workers that are in it.
#include "guest/guest_ctx.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "guest/cpuset_resolver.h"
#include "guest/scenario_engine.h"
#include "guest/telemetry_budget.h"

namespace ktstr {

Topology to_sdk_topology(const ObservedTopology& observed) {
  Topology t;
  t.llcs = observed.llc_groups;
  t.numa_nodes = observed.numa_nodes;
  t.smt_siblings = observed.smt_groups;
  for (const auto& g : observed.llc_groups) t.cpus.insert(t.cpus.end(), g.begin(), g.end());
  if (t.cpus.empty())
    for (int c = 0; c < observed.cpus; ++c) t.cpus.push_back(c);
  std::sort(t.cpus.begin(), t.cpus.end());
  t.cpus.erase(std::unique(t.cpus.begin(), t.cpus.end()), t.cpus.end());
  cpu_set_t mask;
  CPU_ZERO(&mask);
  const bool have_mask = sched_getaffinity(0, sizeof(mask), &mask) == 0;
  for (int c : t.cpus)
    if (!have_mask || (c < CPU_SETSIZE && CPU_ISSET(c, &mask))) t.usable_cpus.push_back(c);
  return t;
}

GuestCtx::GuestCtx(const GuestTestSpec& spec, const ObservedTopology& topology,
                   const std::string& cgroup_root, LogSink log)
    : spec_(spec),
      topology_(to_sdk_topology(topology)),
      ops_(std::filesystem::path(cgroup_root) / "ktstr"),
      log_(std::move(log)),
      start_(std::chrono::steady_clock::now()),
      start_ns_(monotonic_ns()),
      sampler_(start_ns_),
      random_state_(static_cast<unsigned>(getpid())) {}

GuestCtx::~GuestCtx() { cleanup(); }

Status GuestCtx::init() { return ops_.init(); }

void GuestCtx::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  std::vector<std::string> names;
  for (const auto& [name, group] : groups_)
    if (group->size() > 0) names.push_back(name);
  for (const auto& name : names) {
    auto stats = stop_workers(name);
    details_.push_back("the scenario left " + std::to_string(stats.size()) +
                       " worker(s) running in cgroup '" + name + "'; the agent stopped them");
  }
  groups_.clear();
  if (Status s = ops_.remove_all(); !s) details_.push_back("cleanup: " + s.error);
  sampler_.stop();
  telemetry_.series = sampler_.series();
  if (dropped_changes_ > 0)
    details_.push_back("telemetry: " + std::to_string(dropped_changes_) +
                       " cpuset change(s) past the cap of " + std::to_string(kMaxCpusetEpochs) +
                       " were not recorded; isolation is judged only up to epoch " +
                       std::to_string(kMaxCpusetEpochs));
  bound_telemetry();
}

void GuestCtx::bound_telemetry() {
  if (std::string dropped = bound_telemetry_size(telemetry_, kTelemetryBudget); !dropped.empty())
    details_.push_back(dropped);
}

const nlohmann::json* GuestCtx::find_setting(std::string_view key) const {
  const nlohmann::json* node = &spec_.settings;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('.', start);
    if (end == std::string_view::npos) end = key.size();
    std::string part(key.substr(start, end - start));
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
    start = end + 1;
  }
  return node;
}

std::optional<std::string> GuestCtx::setting(std::string_view key) const {
  const nlohmann::json* v = find_setting(key);
  if (!v) return std::nullopt;
  return v->dump();
}

double GuestCtx::setting_number(std::string_view key, double fallback) const {
  const nlohmann::json* v = find_setting(key);
  return v && v->is_number() ? v->get<double>() : fallback;
}

std::string GuestCtx::setting_string(std::string_view key, std::string_view fallback) const {
  const nlohmann::json* v = find_setting(key);
  return v && v->is_string() ? v->get<std::string>() : std::string(fallback);
}

Status GuestCtx::create_cgroup(std::string_view name) {
  std::vector<std::string> created;
  if (Status s = ops_.create(name, &created); !s) return s;
  const std::string self(name);
  implicit_parents_.erase(self);
  for (const auto& c : created)
    if (c != self) implicit_parents_.insert(c);
  return {};
}

Status GuestCtx::remove_cgroup(std::string_view name) {
  const std::string self(name);
  std::vector<std::string> inside;
  for (const auto& [n, g] : groups_)
    if (n == self || n.rfind(self + "/", 0) == 0) inside.push_back(n);
  for (const auto& n : inside) stop_workers(n);
  if (Status s = ops_.remove(name); !s) return s;
  for (auto it = cpusets_.begin(); it != cpusets_.end();)
    it = (it->first == self || it->first.rfind(self + "/", 0) == 0) ? cpusets_.erase(it) : ++it;
  // Parents that exist only because of this cgroup go with it once empty.
  std::string parent = self;
  while (parent.find('/') != std::string::npos) {
    parent = parent.substr(0, parent.rfind('/'));
    if (!implicit_parents_.count(parent)) break;
    bool has_children = false;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(ops_.path_of(parent), ec))
      if (e.is_directory(ec)) has_children = true;
    if (has_children) break;
    if (!ops_.remove(parent)) break;
    implicit_parents_.erase(parent);
  }
  return {};
}

Status GuestCtx::resolve_cpuset(std::string_view cpuset, std::vector<int>& cpus) const {
  return resolve_cpuset_expr(cpuset, topology_, cpus);
}

Status GuestCtx::change_cpuset(std::string_view name, const std::vector<int>& cpus, bool cleared,
                               std::string_view spec) {
  // The epoch advances only once the write returned (the kernel has moved
  // the tasks by then); while it runs, workers file their CPUs under no epoch.
  epochs_.begin_change();
  const Status s = ops_.set_cpus(name, format_cpu_list(cpus));
  const std::uint64_t now = monotonic_ns();
  const int epoch = epochs_.end_change(s.ok());
  if (!s) return s;
  if (epoch > static_cast<int>(kMaxCpusetEpochs)) {
    ++dropped_changes_;
    return {};
  }
  CpusetChange c;
  c.epoch = epoch;
  c.at_ns = now > start_ns_ ? now - start_ns_ : 0;
  c.cgroup = std::string(name);
  c.cleared = cleared;
  if (!cleared) c.cpus = cpus;
  c.spec = std::string(spec);
  c.source = source_.empty() ? "plugin" : source_;
  telemetry_.cpusets.push_back(std::move(c));
  return {};
}

Status GuestCtx::set_cpuset(std::string_view name, std::string_view cpuset) {
  std::vector<int> cpus;
  if (Status s = resolve_cpuset(cpuset, cpus); !s) return s;
  if (Status s = change_cpuset(name, cpus, false, cpuset); !s) return s;
  cpusets_[std::string(name)] = cpus;
  return {};
}

Status GuestCtx::clear_cpuset(std::string_view name) {
  // Give back every CPU rather than writing an empty list: on cgroup v2 an
  // empty cpuset.cpus in a populated cgroup is refused (ENOSPC on 6.12).
  std::vector<int> all = topology_.usable_cpus.empty() ? topology_.cpus : topology_.usable_cpus;
  std::sort(all.begin(), all.end());
  if (Status s = change_cpuset(name, all, true, ""); !s) return s;
  cpusets_.erase(std::string(name));
  return {};
}

Status GuestCtx::move_task(std::string_view name, int pid) {
  if (Status s = ops_.move_task(name, pid); !s) return s;
  const std::string target(name);
  for (auto& [n, group] : groups_) {
    Worker w;
    if (n != target && group->take(pid, w)) {
      auto& dest = groups_[target];
      if (!dest) dest = std::make_unique<WorkerGroup>(target);
      dest->adopt(std::move(w));
      break;
    }
  }
  return {};
}

std::vector<int> GuestCtx::allowed_cpus(const std::string& cgroup) const {
  auto it = cpusets_.find(cgroup);
  if (it == cpusets_.end()) return topology_.usable_cpus;
  std::vector<int> out;
  for (int c : it->second)
    if (std::find(topology_.usable_cpus.begin(), topology_.usable_cpus.end(), c) !=
        topology_.usable_cpus.end())
      out.push_back(c);
  return out;
}

Status GuestCtx::affinity_for(const std::string& cgroup, std::string_view mode, int index,
                              std::vector<int>& cpus) const {
  cpus.clear();
  if (mode.empty() || mode == "inherit") return {};
  const std::vector<int> allowed = allowed_cpus(cgroup);
  if (allowed.empty())
    return Status::failure("cgroup '" + cgroup + "' has no CPU this agent may use for affinity '" +
                           std::string(mode) + "'");
  if (mode == "single_cpu") {
    cpus = {allowed[static_cast<size_t>(index) % allowed.size()]};
  } else if (mode == "llc_aligned") {
    std::vector<std::vector<int>> llcs;
    for (const auto& llc : topology_.llcs) {
      std::vector<int> part;
      for (int c : llc)
        if (std::find(allowed.begin(), allowed.end(), c) != allowed.end()) part.push_back(c);
      if (!part.empty()) llcs.push_back(part);
    }
    cpus = llcs.empty() ? allowed : llcs[static_cast<size_t>(index) % llcs.size()];
  } else if (mode == "random_subset") {
    unsigned state =
        random_state_ ^ (static_cast<unsigned>(index) * 2654435761u) ^
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int c : allowed) {
      state = state * 1103515245u + 12345u;
      if ((state >> 16) & 1) cpus.push_back(c);
    }
    if (cpus.empty()) cpus = {allowed[(state >> 8) % allowed.size()]};
  } else if (mode == "cross_cgroup") {
    cpus = topology_.usable_cpus;
  } else {
    return Status::failure("affinity '" + std::string(mode) +
                           "' is not one of inherit, llc_aligned, single_cpu, random_subset, "
                           "cross_cgroup");
  }
  return {};
}

Status GuestCtx::spawn_workers(const CgroupDef& def) {
  if (Status s = CgroupOps::validate_name(def.name); !s) return s;
  if (!ops_.exists(def.name))
    return Status::failure("cgroup '" + def.name +
                           "' does not exist: create it first with create_cgroup() (execute_defs "
                           "does that for you)");
  std::vector<int> probe;
  if (Status s = affinity_for(def.name, def.affinity, 0, probe); !s) return s;
  auto& group = groups_[def.name];
  if (!group) group = std::make_unique<WorkerGroup>(def.name, start_ns_, epochs_.sequence());
  const int count = def.workers < 0 ? spec_.workers_per_cgroup : def.workers;
  const std::string name = def.name;
  const std::string mode = def.affinity;
  const size_t before = group->size();
  Status st = group->spawn(
      count, def.work, def.policy, def.nice,
      [this, name](int pid) { return ops_.move_task(name, pid); },
      [this, name, mode](int index) {
        std::vector<int> cpus;
        (void)affinity_for(name, mode, index, cpus);
        return cpus;
      });
  const auto& running = group->workers();
  for (size_t i = before; st.ok() && i < running.size(); ++i)
    sampler_.add(running[i].cgroup + "/" + std::to_string(running[i].index), running[i].slot);
  return st;
}

std::vector<WorkerStats> GuestCtx::stop_workers(std::string_view name) {
  auto it = groups_.find(std::string(name));
  if (it == groups_.end()) return {};
  std::vector<WorkerReport> reports = it->second->stop();
  groups_.erase(it);
  std::vector<WorkerStats> stats;
  for (auto& r : reports) {
    stats.push_back(to_worker_stats(r));
    if (telemetry_.workers.size() < kMaxReportedWorkers) telemetry_.workers.push_back(std::move(r));
  }
  return stats;
}

std::vector<int> GuestCtx::worker_pids(std::string_view name) const {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? std::vector<int>{} : it->second->pids();
}

Status GuestCtx::set_affinity(std::string_view name, std::string_view affinity) {
  auto it = groups_.find(std::string(name));
  if (it == groups_.end())
    return Status::failure("cgroup '" + std::string(name) + "' has no running workers");
  const std::string cgroup(name);
  for (size_t i = 0; i < it->second->size(); ++i) {
    std::vector<int> cpus;
    if (Status s = affinity_for(cgroup, affinity, static_cast<int>(i), cpus); !s) return s;
    if (cpus.empty()) cpus = allowed_cpus(cgroup);  // "inherit": undo any pinning
    if (Status s = it->second->set_affinity(i, cpus); !s) return s;
  }
  return {};
}

AssertResult GuestCtx::execute(const std::vector<CgroupDef>& defs, const std::vector<Step>& steps) {
  AssertResult r =
      run_timeline(*this, defs, steps, [this](const std::string& s) { set_change_source(s); });
  source_.clear();
  return r;
}

Status GuestCtx::run_payload(std::string_view name) {
  return Status::failure("payload runs are not supported by this agent yet (payload '" +
                         std::string(name) + "')");
}

Status GuestCtx::kill_payload(std::string_view name) {
  return Status::failure("payload runs are not supported by this agent yet (payload '" +
                         std::string(name) + "')");
}

Status GuestCtx::snapshot(std::string_view name) {
  snapshots_.push_back({{"name", std::string(name)}, {"t_s", elapsed_s()}});
  log(LogLevel::info,
      "snapshot '" + std::string(name) +
          "' recorded (name and time only; BPF map capture is not implemented yet)");
  return {};
}

double GuestCtx::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void GuestCtx::sleep_s(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void GuestCtx::log(LogLevel level, std::string_view text) {
  static const char* const kNames[] = {"debug", "info", "warn", "error"};
  if (log_) log_(kNames[static_cast<int>(level)], std::string(text));
}

void GuestCtx::add_detail(std::string_view text) { details_.emplace_back(text); }

void GuestCtx::set_metric(std::string_view name, double value) {
  metrics_[std::string(name)] = value;
}

nlohmann::json GuestCtx::data() const {
  return {{"telemetry", telemetry_},
          {"metrics", metrics_},
          {"snapshots", snapshots_},
          {"cgroup_root", ops_.root().string()},
          {"cgroup2", ops_.is_cgroup2()}};
}

}  // namespace ktstr
