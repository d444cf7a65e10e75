// The work-type table (see work_args.h). Values are whole numbers: every
// argument counts something (milliseconds, spin units, KiB, pages, workers).
#include "guest/protocol/work_args.h"

#include <algorithm>

namespace ktstr {

namespace {

constexpr long long kMaxIters = 100000000;  // 1e8 spin units: seconds under TCG
constexpr long long kMaxMs = 3600000;       // one hour

WorkArgSpec iters(const char* key, long long fallback, long long min, const char* doc) {
  return {key, fallback, min, kMaxIters, doc};
}

std::string accepted(const WorkTypeSpec& t) {
  if (t.args.empty()) return "it takes none";
  std::string out = "accepted: ";
  for (size_t i = 0; i < t.args.size(); ++i) {
    if (i) out += ", ";
    out += t.args[i].key;
  }
  return out;
}

}  // namespace

const std::vector<WorkTypeSpec>& work_type_specs() {
  static const WorkArgSpec kSize{"size_kb", 32, 1, 262144, "buffer size in KiB"};
  static const WorkArgSpec kStride{"stride", 64, 1, 4096, "bytes between two accesses"};
  static const std::vector<WorkTypeSpec> kTypes = {
      {"spin", {}},
      {"yield", {}},
      {"mixed", {}},
      {"io_sync", {}},
      {"bursty",
       {{"burst_ms", 50, 1, kMaxMs, "milliseconds of spinning per burst"},
        {"sleep_ms", 100, 0, kMaxMs, "milliseconds of sleep after each burst"}}},
      {"pipe_io", {iters("burst_iters", 1024, 1, "spin units before each pipe exchange")}, 2},
      {"futex_ping_pong",
       {iters("spin_iters", 1024, 1, "spin units before waking the partner")},
       2},
      {"cache_pressure", {kSize, kStride}},
      {"cache_yield", {kSize, kStride}},
      {"cache_pipe", {kSize, kStride}, 2},
      {"futex_fan_out",
       {{"fan_out", 4, 1, 63, "receivers woken by each messenger"},
        iters("spin_iters", 1024, 1, "spin units per iteration")},
       1,
       "fan_out",
       1},
      {"fork_exit", {}},
      {"nice_sweep", {}},
      {"affinity_churn", {iters("spin_iters", 1024, 1, "spin units before each re-pin")}},
      {"policy_churn", {iters("spin_iters", 1024, 1, "spin units before each policy change")}},
      {"page_fault_churn",
       {{"region_kb", 4096, 4, 1048576, "size of the mapped region in KiB"},
        {"touches", 256, 1, 1000000, "random pages touched per iteration"},
        iters("spin_iters", 64, 0, "spin units per iteration")}},
      {"mutex_contention",
       {{"contenders", 4, 2, 64, "workers sharing one lock"},
        iters("hold_iters", 256, 0, "spin units inside the critical section"),
        iters("work_iters", 1024, 1, "spin units outside it")},
       1,
       "contenders",
       0},
  };
  return kTypes;
}

const WorkTypeSpec* find_work_type(std::string_view name) {
  for (const auto& t : work_type_specs())
    if (name == t.name) return &t;
  return nullptr;
}

std::string check_work_args(std::string_view name, const nlohmann::json& args,
                            CheckedWorkArgs& out) {
  const WorkTypeSpec* t = find_work_type(name);
  if (!t) {
    std::string known;
    for (const auto& s : work_type_specs())
      known += std::string(known.empty() ? "" : ", ") + s.name;
    return "unknown work type '" + std::string(name) + "' (known: " + known + ")";
  }
  const std::string who = "work '" + std::string(name) + "'";
  if (!args.is_object()) return who + ": work_args must be a table, got " + args.dump();
  for (auto it = args.begin(); it != args.end(); ++it) {
    const bool known = std::any_of(t->args.begin(), t->args.end(),
                                   [&](const WorkArgSpec& a) { return it.key() == a.key; });
    if (!known) return who + ": unknown work_args key '" + it.key() + "' (" + accepted(*t) + ")";
  }
  out = {};
  for (const auto& a : t->args) {
    long long v = a.fallback;
    if (auto it = args.find(a.key); it != args.end()) {
      // Non-negative JSON integers decode as unsigned; both are whole numbers.
      const bool whole = it->is_number_integer();
      const bool huge = it->is_number_unsigned() &&
                        it->get<unsigned long long>() > static_cast<unsigned long long>(a.max);
      if (whole && !huge) v = it->get<long long>();
      if (!whole || huge || v < a.min || v > a.max)
        return who + ": work_args." + a.key + " (" + a.doc + ") must be a whole number from " +
               std::to_string(a.min) + " to " + std::to_string(a.max) + ", got " + it->dump();
    }
    out.values.emplace_back(a.key, static_cast<double>(v));
    if (t->divisor_arg && std::string_view(a.key) == t->divisor_arg)
      out.divisor = static_cast<int>(v) + t->divisor_plus;
  }
  if (!t->divisor_arg) out.divisor = t->divisor;
  return "";
}

std::string check_worker_count(std::string_view name, int divisor, int workers) {
  if (divisor <= 1 || (workers > 0 && workers % divisor == 0)) return "";
  return std::string(name) + " needs a worker count divisible by " + std::to_string(divisor) +
         " (its workers work in groups of " + std::to_string(divisor) + "), got " +
         std::to_string(workers);
}

}  // namespace ktstr
