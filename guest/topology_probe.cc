// Topology probe. Every group is read per online CPU and deduplicated, so a CPU
// list that the kernel repeats in each member's directory becomes one group.
// Lists are intersected with the online CPUs (sysfs includes offline ones).
// Missing data is defaulted with a warning rather than failing the boot: the
// host compares the result with the declared topology and reports mismatches.
#include "guest/topology_probe.h"

#include <sys/utsname.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace ktstr {

namespace {

namespace fs = std::filesystem;

bool read_text(const fs::path& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

/// Reads a CPU list file; false if missing or malformed.
bool read_cpu_list(const fs::path& path, std::vector<int>& out) {
  std::string text;
  return read_text(path, text) && parse_cpu_list(text, out);
}

std::vector<int> only_online(const std::vector<int>& cpus, const std::set<int>& online) {
  std::vector<int> out;
  for (int c : cpus) {
    if (online.count(c)) out.push_back(c);
  }
  return out;
}

/// The highest cache/indexN directory of `cpu_dir` that has a shared_cpu_list.
fs::path llc_list_path(const fs::path& cpu_dir) {
  fs::path index3 = cpu_dir / "cache" / "index3" / "shared_cpu_list";
  std::error_code ec;
  if (fs::exists(index3, ec)) return index3;
  int best = -1;
  for (fs::directory_iterator it(cpu_dir / "cache", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("index", 0) != 0) continue;
    int n = -1;
    try {
      n = std::stoi(name.substr(5));
    } catch (...) {
      continue;
    }
    if (n > best && fs::exists(it->path() / "shared_cpu_list", ec)) best = n;
  }
  if (best < 0) return {};
  return cpu_dir / "cache" / ("index" + std::to_string(best)) / "shared_cpu_list";
}

void add_group(std::set<std::vector<int>>& groups, std::vector<int> g) {
  if (!g.empty()) groups.insert(std::move(g));
}

}  // namespace

std::string kernel_release() {
  struct utsname u {};
  if (uname(&u) != 0) return "";
  return u.release;
}

TopologyProbe probe_topology(const fs::path& sysfs) {
  TopologyProbe probe;
  ObservedTopology& t = probe.topology;
  t.kernel_release = kernel_release();
  std::error_code ec;
  t.sched_ext = fs::exists(sysfs / "kernel" / "sched_ext", ec);

  const fs::path cpu_root = sysfs / "devices" / "system" / "cpu";
  std::vector<int> online_list;
  if (!read_cpu_list(cpu_root / "online", online_list) || online_list.empty()) {
    probe.error = "cannot read the online CPUs from " + (cpu_root / "online").string();
    return probe;
  }
  const std::set<int> online(online_list.begin(), online_list.end());
  t.cpus = static_cast<int>(online.size());

  std::set<std::vector<int>> llcs;
  std::set<std::vector<int>> smt;
  std::vector<int> no_cache;
  std::vector<int> no_smt;
  for (int cpu : online) {
    const fs::path dir = cpu_root / ("cpu" + std::to_string(cpu));
    std::vector<int> list;
    fs::path llc = llc_list_path(dir);
    if (!llc.empty() && read_cpu_list(llc, list)) {
      add_group(llcs, only_online(list, online));
    } else {
      no_cache.push_back(cpu);
    }
    if (read_cpu_list(dir / "topology" / "thread_siblings_list", list)) {
      add_group(smt, only_online(list, online));
    } else {
      no_smt.push_back(cpu);
      smt.insert({cpu});
    }
  }
  if (!no_cache.empty()) {
    // Without cache data, treat the CPUs that lack it as one shared LLC.
    probe.warnings.push_back("no cache/index*/shared_cpu_list for CPUs " +
                             format_cpu_list(no_cache) + ": counted as one LLC");
    llcs.insert(no_cache);
  }
  if (!no_smt.empty()) {
    probe.warnings.push_back("no topology/thread_siblings_list for CPUs " +
                             format_cpu_list(no_smt) + ": counted as one thread per core");
  }

  std::set<std::vector<int>> nodes;
  const fs::path node_root = sysfs / "devices" / "system" / "node";
  for (fs::directory_iterator it(node_root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("node", 0) != 0 || name.size() == 4 ||
        !std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::vector<int> list;
    if (read_cpu_list(it->path() / "cpulist", list)) {
      add_group(nodes, only_online(list, online));  // memory-only nodes are skipped
    } else {
      probe.warnings.push_back("unreadable " + (it->path() / "cpulist").string());
    }
  }
  if (nodes.empty()) {
    probe.warnings.push_back("no NUMA node cpulists under " + node_root.string() +
                             ": counted as one node");
    nodes.insert(online_list);
  }

  // std::set orders vectors lexicographically: groups of sorted, disjoint CPU
  // lists come out sorted by their first CPU, as ObservedTopology promises.
  t.llc_groups.assign(llcs.begin(), llcs.end());
  t.smt_groups.assign(smt.begin(), smt.end());
  t.numa_nodes.assign(nodes.begin(), nodes.end());
  return probe;
}

}  // namespace ktstr
