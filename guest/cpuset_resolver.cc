// Cpuset expressions. "llc:N"/"numa:N" index the observed groups; a CPU list
// must name online CPUs; "disjoint:I/N" is the I-th of N near-equal contiguous
// slices of the online CPUs; "range:A-B" takes the CPUs from fraction A to B
// of the online CPUs (at least one CPU).
#include "guest/cpuset_resolver.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "guest/protocol/observed_topology.h"

namespace ktstr {

namespace {

const char* kForms = "use llc:N, numa:N, a CPU list like 0-3,6, disjoint:I/N or range:A-B";

bool parse_index(std::string_view s, int& out) {
  if (s.empty() || s.size() > 6) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool parse_fraction(std::string_view s, double& out) {
  std::string text(s);
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && std::isfinite(out);
}

Status group_pick(std::string_view text, std::string_view what, std::string_view index,
                  const std::vector<std::vector<int>>& groups, std::vector<int>& cpus) {
  int i = 0;
  if (!parse_index(index, i))
    return Status::failure("cpuset '" + std::string(text) + "': '" + std::string(index) +
                           "' is not a " + std::string(what) + " index; " + kForms);
  if (static_cast<size_t>(i) >= groups.size())
    return Status::failure("cpuset '" + std::string(text) + "': the guest has " +
                           std::to_string(groups.size()) + " " + std::string(what) +
                           (groups.size() == 1 ? "" : "s") + " (indices 0-" +
                           std::to_string(static_cast<int>(groups.size()) - 1) + ")");
  cpus = groups[i];
  return {};
}

}  // namespace

Status resolve_cpuset_expr(std::string_view text, const Topology& topology,
                           std::vector<int>& cpus) {
  cpus.clear();
  const std::string t(text);
  auto colon = text.find(':');
  std::string_view kind = colon == std::string_view::npos ? "" : text.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  const auto& all = topology.cpus;
  if (kind == "llc") return group_pick(text, "LLC", arg, topology.llcs, cpus);
  if (kind == "numa") return group_pick(text, "NUMA node", arg, topology.numa_nodes, cpus);
  if (kind == "disjoint") {
    auto slash = arg.find('/');
    int i = 0, n = 0;
    if (slash == std::string_view::npos || !parse_index(arg.substr(0, slash), i) ||
        !parse_index(arg.substr(slash + 1), n) || n == 0 || i >= n)
      return Status::failure("cpuset '" + t + "': expected disjoint:I/N with 0 <= I < N");
    if (static_cast<size_t>(n) > all.size())
      return Status::failure("cpuset '" + t + "': cannot split " + std::to_string(all.size()) +
                             " CPUs into " + std::to_string(n) + " non-empty parts");
    size_t begin = all.size() * i / n, end = all.size() * (i + 1) / n;
    cpus.assign(all.begin() + begin, all.begin() + end);
    return {};
  }
  if (kind == "range") {
    auto dash = arg.find('-');
    double a = 0, b = 0;
    if (dash == std::string_view::npos || !parse_fraction(arg.substr(0, dash), a) ||
        !parse_fraction(arg.substr(dash + 1), b) || a < 0 || b > 1 || a >= b)
      return Status::failure("cpuset '" + t + "': expected range:A-B with 0 <= A < B <= 1");
    size_t n = all.size();
    size_t begin = static_cast<size_t>(std::floor(a * n));
    size_t end = std::max(begin + 1, static_cast<size_t>(std::ceil(b * n)));
    end = std::min(end, n);
    if (begin >= end) return Status::failure("cpuset '" + t + "': selects no CPU");
    cpus.assign(all.begin() + begin, all.begin() + end);
    return {};
  }
  if (!kind.empty())
    return Status::failure("cpuset '" + t + "': unknown form '" + std::string(kind) + ":'; " +
                           kForms);
  std::vector<int> list;
  if (t.empty() || !parse_cpu_list(t, list))
    return Status::failure("cpuset '" + t + "': not a CPU list; " + kForms);
  for (int c : list)
    if (std::find(all.begin(), all.end(), c) == all.end())
      return Status::failure("cpuset '" + t + "': CPU " + std::to_string(c) +
                             " is not online in the guest (online: " + format_cpu_list(all) + ")");
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  cpus = std::move(list);
  return {};
}

}  // namespace ktstr
