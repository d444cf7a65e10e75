#include "plan/budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "runner/test_resolver.h"

namespace ktstr {

namespace {

std::string cpus_bucket(int cpus) {
  if (cpus <= 2) return "1-2";
  if (cpus <= 4) return "3-4";
  if (cpus <= 8) return "5-8";
  if (cpus <= 16) return "9-16";
  return "17+";
}

std::string llcs_bucket(int llcs) {
  if (llcs <= 2) return std::to_string(llcs);
  if (llcs <= 4) return "3-4";
  return "5+";
}

double fallback_boot(int vcpus) { return kBootBaseS + kBootPerVcpuS * vcpus; }

}  // namespace

std::pair<double, std::string> CostModel::estimate(const TestInstance& i,
                                                   const std::string& kernel_label) const {
  const double duration = i.test ? i.test->value_or<double>("duration_s", 2) : 2;
  if (i.host_only) return {duration + kOverheadS, "host_only: duration + overhead"};
  if (auto it = measured.find({kernel_label, i.vcpus}); it != measured.end() && it->second.runs)
    return {it->second.boot_s + duration + it->second.overhead_s,
            fmt::format("measured: {}, {} vCPUs, {} run{}", kernel_label, i.vcpus, it->second.runs,
                        it->second.runs == 1 ? "" : "s")};
  // The same kernel at another vCPU count: its nearest measurement, with the
  // constants' boot difference between the two counts.
  const CostSample* near = nullptr;
  int near_vcpus = 0;
  for (const auto& [key, s] : measured)
    if (key.first == kernel_label && s.runs &&
        (!near || std::abs(key.second - i.vcpus) < std::abs(near_vcpus - i.vcpus))) {
      near = &s;
      near_vcpus = key.second;
    }
  if (near)
    return {
        near->boot_s + fallback_boot(i.vcpus) - fallback_boot(near_vcpus) + duration +
            near->overhead_s,
        fmt::format("measured: {} at {} vCPUs, scaled to {}", kernel_label, near_vcpus, i.vcpus)};
  const bool scx = i.scheduler != "eevdf";
  return {fallback_boot(i.vcpus) + duration + kOverheadS + (scx ? kSchedExtAttachS : 0),
          "constants"};
}

std::vector<std::string> coverage_features(const TestInstance& i, const std::string& kernel_label) {
  std::vector<std::string> f;
  f.push_back("scheduler=" + i.scheduler);
  if (i.flags.empty()) f.push_back("flags=none");
  for (const auto& flag : i.flags) f.push_back("flag=" + flag);
  f.push_back("cpus=" + cpus_bucket(i.vcpus));
  f.push_back("llcs=" + llcs_bucket(i.topology.llcs));
  f.push_back("numa=" + std::string(i.topology.numa_nodes >= 3
                                        ? "3+"
                                        : std::to_string(i.topology.numa_nodes)));
  f.push_back(std::string("smt=") + (i.topology.threads > 1 ? "yes" : "no"));
  if (i.test) {
    if (const std::string sc = i.test->value_or<std::string>("scenario", ""); !sc.empty())
      f.push_back("work=scenario:" + sc);
    if (const Setting* cg = i.test->get("cgroup"); cg && cg->value.is_array())
      for (const auto& c : cg->value)
        if (c.is_object()) f.push_back("work=" + c.value("work", std::string("spin")));
  }
  if (!i.host_only && !kernel_label.empty()) f.push_back("kernel=" + kernel_label);
  std::sort(f.begin(), f.end());
  f.erase(std::unique(f.begin(), f.end()), f.end());
  return f;
}

std::string BudgetSelection::line() const {
  return fmt::format("budget: {}/{} tests, {:.1f}/{:g} s, {}/{} configurations", chosen, candidates,
                     used_s, limit_s, covered, possible);
}

BudgetSelection select_within_budget(const std::vector<TestInstance>& instances,
                                     const std::vector<std::string>& kernel_labels, double limit_s,
                                     const CostModel& model) {
  struct Name {
    std::string name;
    std::string test;
    double cost = 0;
    std::set<std::string> features;
  };
  std::vector<Name> names;
  for (const auto& i : instances) {
    auto it =
        std::find_if(names.begin(), names.end(), [&](const Name& n) { return n.name == i.name; });
    if (it == names.end()) {
      names.push_back({.name = i.name, .test = i.test ? i.test->name : i.name});
      it = names.end() - 1;
    }
    const std::string kernel =
        i.kernel_index < kernel_labels.size() ? kernel_labels[i.kernel_index] : "";
    it->cost += model.estimate(i, kernel).first;
    for (auto& f : coverage_features(i, kernel)) it->features.insert(std::move(f));
  }
  BudgetSelection sel;
  sel.limit_s = limit_s;
  sel.candidates = names.size();
  for (const auto& n : names)
    if (sel.cheapest_s == 0 || n.cost < sel.cheapest_s) sel.cheapest_s = n.cost;
  std::set<std::string> possible, covered;
  for (const auto& n : names) possible.insert(n.features.begin(), n.features.end());
  std::vector<bool> taken(names.size(), false);
  auto gain = [&](const Name& n) {
    size_t g = 0;
    for (const auto& f : n.features) g += covered.count(f) ? 0 : 1;
    return g;
  };
  while (true) {
    int best = -1;
    double best_ratio = 0;
    for (size_t k = 0; k < names.size(); ++k) {
      if (taken[k] || sel.used_s + names[k].cost > limit_s) continue;
      const size_t g = gain(names[k]);
      if (g == 0) continue;
      const double ratio = g / std::max(names[k].cost, 1e-3);
      if (best < 0 || ratio > best_ratio + 1e-12 ||
          (std::abs(ratio - best_ratio) <= 1e-12 && names[k].cost < names[best].cost)) {
        best = static_cast<int>(k);
        best_ratio = ratio;
      }
    }
    if (best < 0) break;
    taken[best] = true;
    sel.used_s += names[best].cost;
    covered.insert(names[best].features.begin(), names[best].features.end());
  }
  // Coverage is complete (or nothing new fits): the rest of the budget runs
  // more tests, the least represented test first (then plan order), so every
  // test gets a turn before any gets a second one.
  std::map<std::string, int> per_test;
  for (size_t k = 0; k < names.size(); ++k)
    if (taken[k]) ++per_test[names[k].test];
  while (true) {
    int best = -1;
    for (size_t k = 0; k < names.size(); ++k) {
      if (taken[k] || sel.used_s + names[k].cost > limit_s) continue;
      if (best < 0 || per_test[names[k].test] < per_test[names[best].test])
        best = static_cast<int>(k);
    }
    if (best < 0) break;
    taken[best] = true;
    sel.used_s += names[best].cost;
    ++per_test[names[best].test];
  }
  for (size_t k = 0; k < names.size(); ++k)
    if (taken[k]) sel.names.push_back(names[k].name);
  sel.chosen = sel.names.size();
  sel.covered = covered.size();
  sel.possible = possible.size();
  for (const auto& f : possible)
    if (!covered.count(f)) sel.missed.push_back(f);
  return sel;
}

}  // namespace ktstr
