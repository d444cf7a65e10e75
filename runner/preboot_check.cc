// Each rule asks the same function the VM path uses (check_topology,
// build_kernel_cmdline), with the values the run would pass, so the limits in
// the messages are the ones that would have failed the boot.
#include "runner/preboot_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "guest/protocol/topology_presets.h"
#include "guest/protocol/work_args.h"
#include "runner/json_read.h"
#include "runner/schema_checker.h"
#include "runner/step_plan.h"
#include "vmm/path_search.h"
#include "vmm/qemu_cmdline.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Declarative features the agent cannot run yet; "" when `t` has none. `key`
// is set to the setting that names the feature.
std::string unsupported(const ResolvedTest& t, std::string& key) {
  key = "payload";
  if (const Setting* p = t.get("payload"); p && !p->value.is_null())
    return "payloads are not supported by the VM runner yet (key 'payload')";
  return "";
}

// Grouped work types need a worker count their group size divides. Checked
// here so that the error points at the spec before any VM boots; the agent
// checks again (make_work_shared) for plugins that spawn directly. A work
// type or work_args the schema refuses is the schema's to report.
void check_work_groups(const Catalog& cat, const ResolvedTest& t, Diagnostics& diags) {
  const Setting* cg = t.get("cgroup");
  if (!cg || !cg->value.is_array()) return;
  const int per_cgroup = t.value_or<int>("workers_per_cgroup", 2);
  for (size_t i = 0; i < cg->value.size(); ++i) {
    const json& c = cg->value[i];
    if (!c.is_object()) continue;
    const std::string work = json_str(c, "work", "spin");
    CheckedWorkArgs args;
    if (!check_work_args(work, c.contains("work_args") ? c["work_args"] : json::object(), args)
             .empty())
      continue;
    const int workers = c.contains("workers") && c["workers"].is_number_integer()
                            ? c["workers"].get<int>()
                            : per_cgroup;
    const std::string why = check_worker_count(work, args.divisor, workers);
    if (why.empty()) continue;
    SourcePos pos = t.pos_of("cgroup");
    if (cg->origin.layer == Origin::Layer::kTest) {
      const std::string ptr = t.entity->pointer + "/cgroup/" + std::to_string(i);
      const TomlDocument& doc = cat.set->specs[t.entity->file];
      pos = doc.value_pos(ptr + (c.contains("workers") ? "/workers" : "/work"));
      if (!pos.known()) pos = doc.value_pos(ptr);
    }
    diags.error("work-group", pos,
                fmt::format("test '{}': cgroup '{}': {}", t.name, json_str(c, "name", ""), why), 1,
                c.contains("workers") ? ""
                                      : "set this cgroup's workers (workers_per_cgroup is " +
                                            std::to_string(per_cgroup) + ")");
  }
}

std::vector<fs::path> project_sched_path(const Catalog& cat, int file) {
  std::vector<fs::path> dirs;
  const int proj = cat.set->project_of[file];
  if (proj < 0) return dirs;
  const TomlDocument& p = cat.set->projects[proj];
  const fs::path pdir = fs::absolute(fs::path(p.file)).parent_path();
  if (p.root.contains("run") && p.root["run"].is_object() && p.root["run"].contains("sched_path") &&
      p.root["run"]["sched_path"].is_array())
    for (const auto& d : p.root["run"]["sched_path"])
      if (d.is_string()) dirs.push_back(pdir / d.get<std::string>());
  return dirs;
}

std::string binary_of(const Entity& s) {
  return s.value->is_object() ? json_str(*s.value, "binary", s.name) : s.name;
}

}  // namespace

KernelResolution kernels_for_run(const SpecSet& set, const std::vector<std::string>& cli) {
  std::vector<std::string> project_kernels;
  fs::path project_dir;
  for (const auto& p : set.projects) {
    if (p.root.contains("run") && p.root["run"].is_object() && p.root["run"].contains("kernel")) {
      const json& k = p.root["run"]["kernel"];
      if (k.is_string()) project_kernels.push_back(k);
      if (k.is_array())
        for (const auto& e : k)
          if (e.is_string()) project_kernels.push_back(e);
      project_dir = fs::absolute(p.file).parent_path();
      break;
    }
  }
  return resolve_kernels(cli, std::getenv("KTSTR_KERNEL"), project_kernels, project_dir);
}

fs::path find_scheduler_binary(const Entity& s, const Catalog& cat, const KernelInfo& k) {
  const std::string bin = binary_of(s);
  std::error_code ec;
  if (bin.find('/') != std::string::npos) {
    fs::path p = fs::absolute(cat.set->specs[s.file].file).parent_path() / bin;
    return fs::is_regular_file(p, ec) ? p : fs::path{};
  }
  std::vector<fs::path> dirs;
  if (!k.sched_dir.empty()) dirs.push_back(k.sched_dir);
  for (auto& d : project_sched_path(cat, s.file)) dirs.push_back(std::move(d));
  for (const auto& dir : dirs)
    if (!dir.empty() && fs::is_regular_file(dir / bin, ec)) return dir / bin;
  return find_on_path(bin, std::getenv("PATH"));
}

void check_preboot(const Catalog& cat, const std::vector<ResolvedTest>& tests,
                   const std::vector<KernelInfo>& kernels, Diagnostics& diags) {
  std::set<std::string> schedulers;  // used by some test
  for (const auto& t : tests) {
    auto err = [&](const std::string& rule, const std::string& key, const std::string& msg,
                   const std::string& help = {}) {
      diags.error(rule, t.pos_of(key), fmt::format("test '{}': {}", t.name, msg), 1, help);
    };
    std::string key;
    if (std::string why = unsupported(t, key); !why.empty())
      err("unsupported", key, why, "the VM runner cannot run this test yet");
    check_work_groups(cat, t, diags);
    check_steps(cat, t, diags);
    const TopologySpec topo = t.topology();
    // Dimensions out of range and llcs not divisible by numa_nodes are already
    // reported (schema, resolver); the rest is QEMU's: CPUs, NUMA nodes, APIC
    // IDs. The limit is the same under KVM and TCG (no x2APIC interrupt remapping).
    const bool judged =
        std::max({topo.numa_nodes, topo.llcs, topo.cores, topo.threads}) > kMaxTopologyDimension ||
        std::min({topo.numa_nodes, topo.llcs, topo.cores, topo.threads}) < 1 ||
        topo.llcs % topo.numa_nodes != 0;
    if (std::string why = judged ? "" : check_topology(topo, Accel::kTcg); !why.empty())
      err("vm-limit", "topology.llcs", "topology: " + why);
    VmConfig vm;
    vm.kaslr = t.value_or<bool>("kaslr", true);
    if (const Setting* k = t.get("kargs"); k && k->value.is_array())
      for (const auto& w : k->value)
        if (w.is_string()) vm.kargs.push_back(w.get<std::string>());
    std::string cmdline_error;
    build_kernel_cmdline(vm, &cmdline_error);
    if (!cmdline_error.empty())
      err("kargs", "kargs", "kargs: " + cmdline_error,
          cmdline_error.starts_with("kernel command line")
              ? "the runner's own words use part of the budget; see docs/specs.md"
              : "");
    const std::string sched = t.value_or<std::string>("scheduler", "eevdf");
    if (cat.find("scheduler", sched)) schedulers.insert(sched);
  }
  // A run on kernels without sched_ext skips every sched_ext test (with the
  // hint to build one), so their binaries are looked for only when a kernel
  // of the run could load them.
  const bool any_sched_ext =
      std::any_of(kernels.begin(), kernels.end(), [](const KernelInfo& k) { return k.sched_ext; });
  for (const std::string& name : schedulers) {
    if (!any_sched_ext) break;
    const Entity& s = *cat.find("scheduler", name);
    const TomlDocument& doc = cat.set->specs[s.file];
    const SourcePos at = s.value->contains("binary") ? doc.value_pos(s.pointer + "/binary") : s.pos;
    const std::string bin = binary_of(s);
    if (bin.find('/') != std::string::npos) {
      if (find_scheduler_binary(s, cat, KernelInfo{}).empty())
        diags.error(
            "binary", at,
            fmt::format("scheduler '{}': binary '{}' not found (a path is relative to "
                        "the spec file: {})",
                        name, bin,
                        (fs::absolute(doc.file).parent_path() / bin).lexically_normal().string()));
      continue;
    }
    for (const KernelInfo& k : kernels) {
      if (!k.sched_ext) continue;  // the run skips the test on this kernel
      if (find_scheduler_binary(s, cat, k).empty())
        diags.error(
            "binary", at,
            fmt::format("scheduler '{}': binary '{}' not found in kernel {}'s sched/ dir{}, "
                        "[run] sched_path or PATH",
                        name, bin, k.label, k.sched_dir.empty() ? " (it has none)" : ""),
            1, "give a path relative to the spec file, or add its directory to [run] sched_path");
    }
  }
}

}  // namespace ktstr
