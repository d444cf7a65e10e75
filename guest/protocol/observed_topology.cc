// The observed topology, its JSON form and the comparison with a declared one.
//
// shape() infers NnLlCcTt from the groups: T = the size of every SMT group,
// L = the number of LLC groups, C = LLC size / T, N = the number of non-empty
// NUMA nodes; it gives up (nullopt) when groups differ in size, overlap, leave
// CPUs out, or when an SMT group or an LLC straddles a boundary. The agent
// reports this untrusted data to the host, so from_json checks every CPU id and
// caps every list before anything else looks at it.
#include "guest/protocol/observed_topology.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "guest/protocol/json_field.h"

namespace ktstr {

namespace {

/// Largest CPU id accepted in a list: bounds memory for "0-4000000000".
constexpr int kMaxCpuId = 65535;

using Groups = std::vector<std::vector<int>>;

void normalize(Groups& groups) {
  for (auto& g : groups) {
    std::sort(g.begin(), g.end());
    g.erase(std::unique(g.begin(), g.end()), g.end());
  }
  std::sort(groups.begin(), groups.end());
}

std::string format_groups(const Groups& groups) {
  std::string out;
  for (const auto& g : groups) {
    if (!out.empty()) out += ' ';
    out += '[' + format_cpu_list(g) + ']';
  }
  return out.empty() ? "none" : out;
}

/// True when the groups are pairwise disjoint, each non-empty and of one size,
/// and together cover exactly the CPUs in `all`.
bool uniform_partition(const Groups& groups, const std::set<int>& all) {
  if (groups.empty() || groups.front().empty()) return false;
  std::set<int> seen;
  for (const auto& g : groups) {
    if (g.size() != groups.front().size()) return false;
    for (int c : g) {
      if (!all.count(c) || !seen.insert(c).second) return false;
    }
  }
  return seen.size() == all.size();
}

/// True when every group of `inner` lies inside one group of `outer`.
bool nested(const Groups& inner, const Groups& outer) {
  for (const auto& g : inner) {
    bool inside = std::any_of(outer.begin(), outer.end(), [&](const std::vector<int>& o) {
      return std::includes(o.begin(), o.end(), g.begin(), g.end());
    });
    if (!inside) return false;
  }
  return true;
}

/// The groups QEMU produces for `t`: CPUs numbered socket, die, core, thread.
Groups declared_groups(const TopologySpec& t, int cpus_per_group) {
  Groups groups;
  int total = t.total_cpus();
  if (cpus_per_group <= 0 || total <= 0 || total > kMaxCpuId + 1) return groups;
  for (int first = 0; first < total; first += cpus_per_group) {
    std::vector<int> g;
    for (int c = first; c < first + cpus_per_group && c < total; ++c) g.push_back(c);
    groups.push_back(std::move(g));
  }
  return groups;
}

Groups read_groups(const nlohmann::json& j, const char* key) {
  Groups groups;
  if (!j.contains(key)) return groups;
  const auto& arr = j.at(key);
  if (!arr.is_array() || arr.size() > static_cast<size_t>(kMaxCpuId + 1)) {
    throw nlohmann::json::type_error::create(
        302, std::string("'") + key + "' must be an array of at most 65536 CPU lists", &j);
  }
  size_t total = 0;
  for (const auto& g : arr) {
    if (!g.is_array()) {
      throw nlohmann::json::type_error::create(
          302, std::string("'") + key + "' must hold arrays of CPU ids", &j);
    }
    total += g.size();
    if (total > static_cast<size_t>(kMaxCpuId + 1)) {
      throw nlohmann::json::out_of_range::create(
          406, std::string("'") + key + "' lists more than 65536 CPUs", &j);
    }
    std::vector<int> group;
    group.reserve(g.size());
    for (const auto& c : g) {
      group.push_back(json_field::to_int(c, key, 0, kMaxCpuId, j));
    }
    groups.push_back(std::move(group));
  }
  normalize(groups);
  return groups;
}

}  // namespace

bool parse_cpu_list(const std::string& text, std::vector<int>& out) {
  std::vector<int> result;
  size_t end = text.find_last_not_of(" \t\r\n");
  std::string_view s(text.data(), end == std::string::npos ? 0 : end + 1);
  size_t start = s.find_first_not_of(" \t\r\n");
  s.remove_prefix(start == std::string_view::npos ? s.size() : start);
  auto parse_id = [](std::string_view tok, int& v) {
    if (tok.empty()) return false;
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    return ec == std::errc() && ptr == tok.data() + tok.size() && v >= 0 && v <= kMaxCpuId;
  };
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view tok = s.substr(0, comma);
    s.remove_prefix(comma == std::string_view::npos ? s.size() : comma + 1);
    if (comma != std::string_view::npos && s.empty()) return false;  // trailing comma
    size_t dash = tok.find('-');
    int lo = 0;
    int hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_id(tok, lo)) return false;
      hi = lo;
    } else if (!parse_id(tok.substr(0, dash), lo) || !parse_id(tok.substr(dash + 1), hi) ||
               lo > hi) {
      return false;
    }
    if (result.size() + static_cast<size_t>(hi - lo + 1) > static_cast<size_t>(kMaxCpuId + 1)) {
      return false;
    }
    for (int c = lo; c <= hi; ++c) result.push_back(c);
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  out = std::move(result);
  return true;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::vector<int> sorted = cpus;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(sorted[i]);
    if (j > i) out += '-' + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

std::optional<TopologySpec> ObservedTopology::shape() const {
  if (cpus <= 0) return std::nullopt;
  std::set<int> all;
  for (const auto& g : llc_groups) all.insert(g.begin(), g.end());
  if (static_cast<int>(all.size()) != cpus) return std::nullopt;

  Groups llcs = llc_groups;
  Groups smt = smt_groups;
  Groups nodes = numa_nodes;
  normalize(llcs);
  normalize(smt);
  normalize(nodes);
  // No SMT or NUMA information means one thread per core and one node.
  if (smt.empty()) {
    for (int c : all) smt.push_back({c});
  }
  if (nodes.empty()) nodes.push_back(std::vector<int>(all.begin(), all.end()));

  if (!uniform_partition(llcs, all) || !uniform_partition(smt, all) ||
      !uniform_partition(nodes, all) || !nested(smt, llcs) || !nested(llcs, nodes)) {
    return std::nullopt;
  }
  TopologySpec t;
  t.threads = static_cast<int>(smt.front().size());
  t.llcs = static_cast<int>(llcs.size());
  t.numa_nodes = static_cast<int>(nodes.size());
  if (llcs.front().size() % smt.front().size() != 0) return std::nullopt;
  t.cores = static_cast<int>(llcs.front().size() / smt.front().size());
  return t;
}

void to_json(nlohmann::json& j, const ObservedTopology& t) {
  j = {{"cpus", t.cpus},
       {"llc_groups", t.llc_groups},
       {"smt_groups", t.smt_groups},
       {"numa_nodes", t.numa_nodes},
       {"kernel_release", t.kernel_release},
       {"sched_ext", t.sched_ext}};
}

void from_json(const nlohmann::json& j, ObservedTopology& t) {
  json_field::require_object(j, "observed topology");
  ObservedTopology r;
  if (!j.contains("cpus")) {
    throw nlohmann::json::out_of_range::create(403, "observed topology: 'cpus' is missing", &j);
  }
  json_field::read_int(j, "cpus", r.cpus, 0, kMaxCpuId + 1);
  r.llc_groups = read_groups(j, "llc_groups");
  r.smt_groups = read_groups(j, "smt_groups");
  r.numa_nodes = read_groups(j, "numa_nodes");
  json_field::read_string(j, "kernel_release", r.kernel_release);
  json_field::read_bool(j, "sched_ext", r.sched_ext);
  t = std::move(r);
}

std::string compare_topology(const TopologySpec& declared, const ObservedTopology& observed) {
  std::optional<TopologySpec> shape = observed.shape();
  if (shape && *shape == declared) return "";

  const int per_node =
      declared.llcs / std::max(declared.numa_nodes, 1) * declared.cores * declared.threads;
  std::string want = declared.str() + " (" + std::to_string(declared.total_cpus()) +
                     " CPUs; LLCs " +
                     format_groups(declared_groups(declared, declared.cores * declared.threads));
  if (declared.threads > 1)
    want += "; SMT " + format_groups(declared_groups(declared, declared.threads));
  want += "; nodes " + format_groups(declared_groups(declared, per_node)) + ")";

  Groups llcs = observed.llc_groups;
  Groups smt = observed.smt_groups;
  Groups nodes = observed.numa_nodes;
  normalize(llcs);
  normalize(smt);
  normalize(nodes);
  std::string got = (shape ? shape->str() : std::string("a non-uniform topology")) + " (" +
                    std::to_string(observed.cpus) + " CPUs; LLCs " + format_groups(llcs);
  bool has_smt = std::any_of(smt.begin(), smt.end(), [](const auto& g) { return g.size() > 1; });
  if (has_smt || declared.threads > 1) got += "; SMT " + format_groups(smt);
  got += "; nodes " + format_groups(nodes) + ")";
  return "declared " + want + " but the guest shows " + got;
}

}  // namespace ktstr
