#include "guest/protocol/worker_report.h"

#include <limits>

#include "guest/protocol/json_field.h"

namespace ktstr {

using nlohmann::json;

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

[[noreturn]] void bad(int id, const std::string& what, const json& context) {
  throw json::out_of_range::create(id, what, &context);
}

std::uint64_t to_u64(const json& v, const std::string& key, const json& context) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<long long>() >= 0)
    return static_cast<std::uint64_t>(v.get<long long>());
  throw json::type_error::create(
      302, "'" + key + "' must be a non-negative integer, not " + v.dump(), &context);
}

void read_u64(const json& j, const char* key, std::uint64_t& out) {
  if (j.contains(key)) out = to_u64(j.at(key), key, j);
}

const json* array_field(const json& j, const char* key, std::size_t cap) {
  if (!j.contains(key)) return nullptr;
  const json& a = j.at(key);
  if (!a.is_array())
    throw json::type_error::create(
        302, "'" + std::string(key) + "' must be an array, not " + a.type_name(), &j);
  if (a.size() > cap)
    bad(406,
        "'" + std::string(key) + "' has " + std::to_string(a.size()) +
            " entries, over the cap of " + std::to_string(cap),
        j);
  return &a;
}

std::vector<int> read_cpus(const json& j, const char* key) {
  std::vector<int> out;
  if (const json* a = array_field(j, key, kMaxCpuId + 1))
    for (const auto& v : *a) out.push_back(json_field::to_int(v, key, 0, kMaxCpuId, j));
  return out;
}

}  // namespace

void to_json(json& j, const WorkerReport& w) {
  json log = json::array();
  for (const auto& m : w.migration_log) log.push_back({m.at_ns, m.from, m.to});
  json epochs = json::array();
  for (const auto& e : w.epoch_cpus) epochs.push_back({{"epoch", e.epoch}, {"cpus", e.cpus}});
  j = {{"cgroup", w.cgroup},
       {"index", w.index},
       {"pid", w.pid},
       {"work", w.work},
       {"work_units", w.work_units},
       {"iterations", w.iterations},
       {"start_ns", w.start_ns},
       {"wall_ns", w.wall_ns},
       {"cpu_ns", w.cpu_ns},
       {"off_cpu_ns", w.off_cpu_ns},
       {"max_gap", {{"ns", w.max_gap.ns}, {"at_ns", w.max_gap.at_ns}, {"cpu", w.max_gap.cpu}}},
       {"migrations", w.migrations},
       {"migration_log", log},
       {"cpus_used", w.cpus_used},
       {"epoch_cpus", epochs},
       {"wake_latencies_ns", w.wake_latencies_ns},
       {"wake_samples_seen", w.wake_samples_seen},
       {"schedstat",
        {{"valid", w.schedstat.valid},
         {"cpu_ns", w.schedstat.cpu_ns},
         {"run_delay_ns", w.schedstat.run_delay_ns},
         {"timeslices", w.schedstat.timeslices}}},
       {"completed", w.completed}};
  if (!w.error.empty()) j["error"] = w.error;
}

void from_json(const json& j, WorkerReport& w) {
  json_field::require_object(j, "worker report");
  json_field::read_string(j, "cgroup", w.cgroup);
  json_field::read_int(j, "index", w.index, 0, 1 << 20);
  json_field::read_int(j, "pid", w.pid, 0, std::numeric_limits<int>::max());
  json_field::read_string(j, "work", w.work);
  read_u64(j, "work_units", w.work_units);
  read_u64(j, "iterations", w.iterations);
  read_u64(j, "start_ns", w.start_ns);
  read_u64(j, "wall_ns", w.wall_ns);
  read_u64(j, "cpu_ns", w.cpu_ns);
  read_u64(j, "off_cpu_ns", w.off_cpu_ns);
  if (j.contains("max_gap")) {
    const json& g = j.at("max_gap");
    json_field::require_object(g, "max_gap");
    read_u64(g, "ns", w.max_gap.ns);
    read_u64(g, "at_ns", w.max_gap.at_ns);
    json_field::read_int(g, "cpu", w.max_gap.cpu, -1, kMaxCpuId);
  }
  read_u64(j, "migrations", w.migrations);
  w.migration_log.clear();
  if (const json* a = array_field(j, "migration_log", kMaxMigrationLog)) {
    for (const auto& m : *a) {
      if (!m.is_array() || m.size() != 3)
        throw json::type_error::create(302, "'migration_log' entries must be [at_ns, from, to]",
                                       &j);
      w.migration_log.push_back({to_u64(m[0], "migration_log", j),
                                 json_field::to_int(m[1], "migration_log", -1, kMaxCpuId, j),
                                 json_field::to_int(m[2], "migration_log", -1, kMaxCpuId, j)});
    }
  }
  w.cpus_used = read_cpus(j, "cpus_used");
  w.epoch_cpus.clear();
  if (const json* a = array_field(j, "epoch_cpus", kMaxCpusetEpochs + 1)) {
    for (const auto& e : *a) {
      json_field::require_object(e, "epoch_cpus entry");
      EpochCpus ec;
      json_field::read_int(e, "epoch", ec.epoch, 0, static_cast<long long>(kMaxCpusetEpochs));
      ec.cpus = read_cpus(e, "cpus");
      w.epoch_cpus.push_back(std::move(ec));
    }
  }
  w.wake_latencies_ns.clear();
  if (const json* a = array_field(j, "wake_latencies_ns", kMaxWakeSamples))
    for (const auto& v : *a) w.wake_latencies_ns.push_back(to_u64(v, "wake_latencies_ns", j));
  read_u64(j, "wake_samples_seen", w.wake_samples_seen);
  if (j.contains("schedstat")) {
    const json& s = j.at("schedstat");
    json_field::require_object(s, "schedstat");
    json_field::read_bool(s, "valid", w.schedstat.valid);
    read_u64(s, "cpu_ns", w.schedstat.cpu_ns);
    read_u64(s, "run_delay_ns", w.schedstat.run_delay_ns);
    read_u64(s, "timeslices", w.schedstat.timeslices);
  }
  json_field::read_bool(j, "completed", w.completed);
  json_field::read_string(j, "error", w.error);
}

void to_json(json& j, const CpusetChange& c) {
  j = {{"epoch", c.epoch}, {"at_ns", c.at_ns}, {"cgroup", c.cgroup}, {"cleared", c.cleared},
       {"cpus", c.cpus},   {"spec", c.spec},   {"source", c.source}};
}

void from_json(const json& j, CpusetChange& c) {
  json_field::require_object(j, "cpuset change");
  json_field::read_int(j, "epoch", c.epoch, 1, static_cast<long long>(kMaxCpusetEpochs));
  read_u64(j, "at_ns", c.at_ns);
  json_field::read_string(j, "cgroup", c.cgroup);
  json_field::read_bool(j, "cleared", c.cleared);
  c.cpus = read_cpus(j, "cpus");
  json_field::read_string(j, "spec", c.spec);
  json_field::read_string(j, "source", c.source);
}

void to_json(json& j, const ProgressSeries& s) {
  json points = json::array();
  for (const auto& row : s.points) {
    json r = json::array();
    for (std::uint64_t v : row) r.push_back(v == kU64Max ? json(nullptr) : json(v));
    points.push_back(std::move(r));
  }
  j = {{"interval_ns", s.interval_ns},
       {"workers", s.workers},
       {"t_ns", s.t_ns},
       {"points", points},
       {"decimated", s.decimated}};
}

void from_json(const json& j, ProgressSeries& s) {
  json_field::require_object(j, "series");
  read_u64(j, "interval_ns", s.interval_ns);
  s.workers.clear();
  if (const json* a = array_field(j, "workers", kMaxReportedWorkers))
    for (const auto& v : *a) {
      if (!v.is_string())
        throw json::type_error::create(302, "'series.workers' entries must be strings", &j);
      s.workers.push_back(v.get<std::string>());
    }
  s.t_ns.clear();
  if (const json* a = array_field(j, "t_ns", kMaxSeriesPoints))
    for (const auto& v : *a) s.t_ns.push_back(to_u64(v, "t_ns", j));
  s.points.clear();
  if (const json* a = array_field(j, "points", kMaxSeriesPoints)) {
    if (a->size() != s.t_ns.size())
      bad(406,
          "'series.points' has " + std::to_string(a->size()) + " rows for " +
              std::to_string(s.t_ns.size()) + " times",
          j);
    for (const auto& row : *a) {
      if (!row.is_array() || row.size() != s.workers.size())
        bad(406, "'series.points' rows must have one value per worker", j);
      std::vector<std::uint64_t> r;
      r.reserve(row.size());
      for (const auto& v : row) r.push_back(v.is_null() ? kU64Max : to_u64(v, "points", j));
      s.points.push_back(std::move(r));
    }
  }
  json_field::read_bool(j, "decimated", s.decimated);
}

void to_json(json& j, const ScenarioTelemetry& t) {
  j = {
      {"version", t.version}, {"workers", t.workers}, {"cpusets", t.cpusets}, {"series", t.series}};
}

void from_json(const json& j, ScenarioTelemetry& t) {
  json_field::require_object(j, "telemetry");
  int version = 0;
  json_field::read_int(j, "version", version, 0, 1 << 20);
  if (version != kTelemetryVersion)
    bad(406,
        "telemetry version " + std::to_string(version) + " is not the supported version " +
            std::to_string(kTelemetryVersion),
        j);
  t.version = version;
  t.workers.clear();
  if (const json* a = array_field(j, "workers", kMaxReportedWorkers))
    for (const auto& w : *a) t.workers.push_back(w.get<WorkerReport>());
  t.cpusets.clear();
  if (const json* a = array_field(j, "cpusets", kMaxCpusetEpochs))
    for (const auto& c : *a) t.cpusets.push_back(c.get<CpusetChange>());
  t.series = {};
  if (j.contains("series")) t.series = j.at("series").get<ProgressSeries>();
}

}  // namespace ktstr
