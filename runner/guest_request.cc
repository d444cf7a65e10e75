#include "runner/guest_request.h"

#include <fmt/format.h>

#include "runner/include_files.h"
#include "runner/preboot_check.h"
#include "runner/step_plan.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

GuestTestSpec guest_spec(const ResolvedTest& t, const Catalog& cat, const std::string& name) {
  GuestTestSpec g;
  g.name = name;
  g.duration_s = t.value_or<double>("duration_s", 2);
  g.workers_per_cgroup = t.value_or<int>("workers_per_cgroup", 2);
  g.topology = t.topology();
  g.expect_err = t.value_or<bool>("expect_err", false);
  g.expect_scx_bpf_error_contains = t.value_or<std::string>("expect_scx_bpf_error_contains", "");
  g.expect_scx_bpf_error_matches = t.value_or<std::string>("expect_scx_bpf_error_matches", "");
  g.settings = t.tree();
  for (const auto& [k, s] : t.settings) {
    // /proc/sys takes 1/0, not true/false (the schema allows string, number, boolean).
    if (k.starts_with("sysctls."))
      g.sysctls[k.substr(8)] = s.value.is_string()    ? s.value.get<std::string>()
                               : s.value.is_boolean() ? (s.value.get<bool>() ? "1" : "0")
                                                      : s.value.dump();
  }
  if (const Setting* cg = t.get("cgroup"); cg && cg->value.is_array()) {
    for (const auto& c : cg->value) {
      CgroupSpec cs;
      cs.name = c.value("name", "");
      cs.workers = c.value("workers", g.workers_per_cgroup);
      cs.work = c.value("work", "spin");
      cs.work_args = c.value("work_args", json::object());
      cs.cpuset = c.value("cpuset", "");
      cs.affinity = c.value("affinity", "inherit");
      cs.policy = c.value("policy", "normal");
      cs.nice = c.value("nice", 0);
      g.cgroups.push_back(cs);
    }
  }
  if (const Setting* st = t.get("step"); st && st->value.is_array()) {
    for (const auto& j : st->value) {
      StepSpec ss;
      const json& at = j.value("at", json(0));
      if (at.is_number()) ss.at = at.get<double>();
      if (at.is_string()) ss.at_ms = step_at_ms(at.get<std::string>()).value_or(0);
      ss.op = j.value("op", "");
      ss.cgroup = j.value("cgroup", "");
      ss.cpuset = j.value("cpuset", "");
      ss.affinity = j.value("affinity", "");
      ss.workers = j.value("workers", -1);
      ss.work = j.value("work", "spin");
      ss.work_args = j.value("work_args", json::object());
      g.steps.push_back(ss);
    }
  }
  const std::string sched = t.value_or<std::string>("scheduler", "eevdf");
  if (const Entity* s = cat.find("scheduler", sched)) {
    g.scheduler.kind = "sched_ext";
    g.scheduler.name = sched;
    g.scheduler.binary =
        "/ktstr/sched/" + fs::path(s->value->value("binary", sched)).filename().string();
    g.scheduler.args = s->value->value("args", std::vector<std::string>{});
    for (const auto& a : t.value_or<std::vector<std::string>>("extra_sched_args", {}))
      g.scheduler.args.push_back(a);
    g.scheduler.watchdog_timeout_s = t.value_or<double>("watchdog_timeout_s", 4);
    const Setting* w = t.get("watchdog_timeout_s");
    g.scheduler.watchdog_required = w && w->origin.layer != Origin::Layer::kBuiltin;
    g.scheduler.config_file = s->value->value("config_file", "");
    g.scheduler.config = t.value_or<std::string>("config", "");
  }
  return g;
}

PreparedRequest prepare_request(const TestInstance& instance, const KernelInfo& kernel,
                                const KernelFacts& facts, const RequestContext& context,
                                const fs::path& dir) {
  const ResolvedTest& t = *instance.test;
  PreparedRequest p;
  p.spec = guest_spec(t, *context.catalog, instance.name);
  // The instance's own shape and flags: a gauntlet preset's topology, the
  // flag profile's args between the scheduler's args and extra_sched_args.
  p.spec.topology = instance.topology;
  if (p.spec.scheduler.kind == "sched_ext") {
    p.spec.kernel = facts;
    const Entity* s = context.catalog->find("scheduler", p.spec.scheduler.name);
    const auto own = s->value->value("args", std::vector<std::string>{});
    auto& args = p.spec.scheduler.args;
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(std::min(own.size(), args.size())),
                instance.flag_args.begin(), instance.flag_args.end());
  }
  std::vector<InitramfsEntry>& files = p.request.guest_files;
  if (const Setting* pf = t.get("plugin_file")) {
    const fs::path so = pf->value.get<std::string>();
    p.spec.plugin_path = "/ktstr/plugins/" + so.filename().string();
    p.spec.scenario = t.value_or<std::string>("scenario", "");
    files.push_back({.guest_path = p.spec.plugin_path, .host_path = so, .with_closure = true});
  }
  if (std::string e = add_include_files(t, files); !e.empty()) {
    p.error = e;
    return p;
  }
  if (p.spec.scheduler.kind == "sched_ext") {
    const Entity* s = context.catalog->find("scheduler", p.spec.scheduler.name);
    const fs::path bin = find_scheduler_binary(*s, *context.catalog, kernel);
    if (bin.empty()) {
      p.error = fmt::format(
          "scheduler binary '{}' not found (looked in the kernel's sched/ dir, [run] sched_path "
          "and PATH)",
          s->value->value("binary", ""));
      return p;
    }
    files.push_back({.guest_path = p.spec.scheduler.binary,
                     .host_path = bin,
                     .mode = 0755,
                     .with_closure = true});
  }
  files.insert(files.begin(),
               {.guest_path = "/ktstr/test.json", .bytes = json(p.spec).dump(2), .mode = 0644});
  VmRequest& r = p.request;
  r.kernel = kernel.image;
  r.topology = p.spec.topology;
  r.memory_mib = instance.requested_memory_mib;
  r.accel = context.accel;
  r.kargs = t.value_or<std::vector<std::string>>("kargs", {});
  r.kaslr = t.value_or<bool>("kaslr", true);
  r.tcg_single_thread = kernel.jump_label;
  r.channel = kernel.virtio_console_builtin() ? ChannelKind::kVirtioSerial : ChannelKind::kSerial;
  r.run_dir = dir;
  r.timeouts = VmTimeouts::for_test(p.spec.duration_s, instance.timeout_s > 0
                                                           ? instance.timeout_s
                                                           : t.value_or<double>("timeout_s", 0));
  // Under TCG the boot of an oversubscribed VM scales with its vCPUs per host CPU.
  if (instance.oversubscription > 0 && instance.vcpus_per_host_cpu > 1)
    r.timeouts.boot = std::chrono::milliseconds(
        static_cast<long long>(r.timeouts.boot.count() * instance.vcpus_per_host_cpu));
  return p;
}

}  // namespace ktstr
