// One test at a time for now: plan (kernel, accel, agent) once, then per test
// build the overlay, the QEMU command, boot through the VmLauncher seam and
// judge on the host. The parallel executor replaces the loop, not the steps.
#include "runner/run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "eval/evaluate.h"
#include "runner/boot_retry.h"
#include "runner/checks_from_spec.h"
#include "runner/console_report.h"
#include "runner/exit_codes.h"
#include "runner/host_only_run.h"
#include "runner/include_files.h"
#include "runner/install_paths.h"
#include "runner/preboot_check.h"
#include "runner/qemu_vm_launcher.h"
#include "runner/replica_runs.h"
#include "runner/result_file.h"
#include "runner/run_record_builder.h"
#include "runner/stale_runs.h"
#include "runner/step_plan.h"
#include "vmm/accel.h"
#include "vmm/initramfs.h"
#include "vmm/kernel_resolve.h"
#include "vmm/kernel_symbols.h"
#include "vmm/qemu_cmdline.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path find_agent() { return install_paths().agent; }

GuestTestSpec guest_spec(const ResolvedTest& t, const Catalog& cat) {
  GuestTestSpec g;
  g.name = t.full_name;
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

std::string run_id() {
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return fmt::format("{}-{}", buf, getpid());
}

}  // namespace

int run_tests(const RunOptions& options, VmLauncher& launcher) {
  // The pre-boot pass (the one `check` runs) refuses what cannot run before
  // anything boots.
  SpecOptions spec_options = options.specs;
  spec_options.check_preboot = true;
  spec_options.kernels = options.kernels;
  auto specs = load_and_resolve(spec_options);
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  std::vector<const ResolvedTest*> selected;
  for (const auto& t : specs.tests) {
    bool match = options.filters.empty();
    for (const auto& f : options.filters) match = match || t.full_name.find(f) != std::string::npos;
    if (match) selected.push_back(&t);
  }
  if (selected.empty()) {
    std::cerr << "ktstr-run: no test matches\n";
    return kExitOk;
  }
  // Kernel(s): --kernel, KTSTR_KERNEL, ktstr.toml [run] kernel, cache default.
  const KernelResolution& kernels = specs.kernels;
  if (!kernels.ok()) {
    std::cerr << "ktstr-run: error: " << kernels.error << "\n";
    return kExitInfra;
  }
  const auto kernel_names = kernel_dimension_names(kernels.kernels);
  const fs::path agent = find_agent();
  if (agent.empty()) {
    std::cerr << "ktstr-run: error: the guest agent (ktstr-agent) was not found; build it or set "
                 "KTSTR_AGENT\n";
    return kExitInfra;
  }
  if (std::string e = host_only_preflight(selected); !e.empty()) {
    std::cerr << "ktstr-run: error: " << e << "\n";
    return kExitInfra;
  }
  Accel requested = Accel::kAuto;
  if (!parse_accel(options.accel, &requested)) {
    std::cerr << "ktstr-run: error: --accel must be auto, kvm or tcg\n";
    return kExitUsage;
  }
  AccelChoice accel = resolve_accel(requested);
  if (!accel.ok()) {
    std::cerr << "ktstr-run: error: " << accel.error << "\n";
    return kExitInfra;
  }
  BaseInitramfs base = prepare_base_initramfs({.agent = agent});
  if (!base.ok()) {
    std::cerr << "ktstr-run: error: initramfs: " << base.error << "\n";
    return kExitInfra;
  }
  fs::path runs_parent =
      options.run_dir.empty() ? fs::path("ktstr-runs") : fs::path(options.run_dir);
  std::string runs_origin = options.run_dir.empty() ? "the default" : "--run-dir";
  if (options.run_dir.empty()) {
    for (const auto& p : specs.set->projects) {
      if (p.root.contains("run") && p.root["run"].contains("run_dir")) {
        runs_parent =
            fs::absolute(p.file).parent_path() / p.root["run"]["run_dir"].get<std::string>();
        runs_origin = "[run] run_dir in " + p.file;
        break;
      }
    }
  }
  const fs::path run_root = runs_parent / run_id();
  // A host problem, not a spec error: exit 3 (docs/running.md).
  if (std::error_code ec; !fs::create_directories(run_root, ec) && ec) {
    std::cerr << fmt::format(
        "ktstr-run: error: cannot create the run directory {} ({}): {}; point --run-dir at a "
        "directory you can write\n",
        run_root.string(), runs_origin, ec.message());
    return kExitInfra;
  }
  // Locked before the sweep, so the sweep passes over this run.
  std::string run_lock_error;
  const auto run_lock = RunDirLock::acquire(run_root, &run_lock_error);
  if (!run_lock) {
    std::cerr << "ktstr-run: error: " << run_lock_error << "\n";
    return kExitInfra;
  }
  const StaleSweep swept = sweep_stale_runs(runs_parent);
  std::string kernel_list = kernels.kernels[0].label;
  for (size_t i = 1; i < kernels.kernels.size(); ++i)
    kernel_list += ", " + kernels.kernels[i].label;
  if (kernels.kernels.size() > 1)
    kernel_list = std::to_string(kernels.kernels.size()) + " kernels (" + kernel_list + ")";
  std::cout << fmt::format("ktstr-run: {} test{} on {} ({}), runs in {}\n", selected.size(),
                           selected.size() == 1 ? "" : "s", kernel_list, accel_name(accel.accel),
                           run_root.string());
  if (swept.files > 0)
    std::cout << fmt::format(
        "ktstr-run: note: removed {} file{} ({:.1f} MB) that {} killed run{} left in {}\n",
        swept.files, swept.files == 1 ? "" : "s", swept.bytes / 1e6, swept.runs,
        swept.runs == 1 ? "" : "s", runs_parent.string());
  for (const auto& k : kernels.kernels) {
    for (const auto& n : k.notes) std::cout << "ktstr-run: note: " << k.label << ": " << n << "\n";
    if (accel.accel == Accel::kTcg && k.jump_label)
      std::cout << "ktstr-run: note: " << k.label
                << ": patches its code at run time (CONFIG_JUMP_LABEL), which multi-threaded TCG "
                   "gets wrong now and then; its vCPUs share one host thread\n";
  }

  int failed = 0, passed = 0, skipped = 0;
  const std::vector<TestJob> jobs = expand_replicas(selected);
  ReplicaVerdicts replica_verdicts;
  for (size_t ki = 0; ki < kernels.kernels.size(); ++ki) {
    const KernelInfo& kernel = kernels.kernels[ki];
    std::string lock_error;
    auto lock = KernelLock::acquire(
        kernel.entry_dir.empty() ? kernel.image.parent_path() : kernel.entry_dir, false, true,
        &lock_error);
    KernelFacts kernel_facts;
    if (kernel.sched_ext) {
      kernel_facts.hz = kernel.hz;
      if (!kernel.system_map.empty())
        kernel_facts.symbols = read_system_map(kernel.system_map, agent_kernel_symbols());
    }
    for (const TestJob& job : jobs) {
      const ResolvedTest* t = job.test;
      if (VmRegistry::instance().interrupted()) break;
      std::string name = t->full_name;
      if (kernels.kernels.size() > 1) name += "/" + kernel_names[ki];
      // A judged verdict prints with its table (and, with -v, notes and
      // details); replicas fold into one verdict whose reasons name them.
      // (`reeval` prints each replica's own table.)
      auto report_verdict = [&](Verdict v, double secs) {
        if (!replica_verdicts.fold(job, v.kind, secs, v.reasons)) return;  // more to come
        if (job.replicas > 1) {
          v.table.clear();
          v.details.clear();
          v.notes.clear();
        }
        print_verdict(std::cout, name, v, secs, {.verbose = options.verbose});
        const Verdict::Kind kind = v.kind;
        // INCONCLUSIVE fails unless allow_inconclusive (evaluate() made it a PASS then).
        if (kind == Verdict::Kind::kFail || kind == Verdict::Kind::kInconclusive) ++failed;
        if (kind == Verdict::Kind::kPass) ++passed;
        if (kind == Verdict::Kind::kSkip) ++skipped;
      };
      auto report = [&](Verdict::Kind kind, double secs, std::vector<std::string> reasons) {
        Verdict v;
        v.kind = kind;
        v.reasons = std::move(reasons);
        report_verdict(std::move(v), secs);
      };
      // One test's exception (from any step below) is that test's FAIL, not the run's end.
      try {
        if (t->value_or<bool>("ignore", false) && !options.run_ignored) {
          report(Verdict::Kind::kSkip, 0, {"ignored (use --run-ignored to run it)"});
          continue;
        }
        GuestTestSpec gspec = guest_spec(*t, specs.catalog);
        if (gspec.scheduler.kind == "sched_ext") gspec.kernel = kernel_facts;
        if (gspec.scheduler.kind == "sched_ext" && !kernel.sched_ext) {
          report(Verdict::Kind::kSkip, 0,
                 {fmt::format(
                     "kernel {} lacks CONFIG_SCHED_CLASS_EXT (scheduler '{}' needs sched_ext); "
                     "run `ktstr-run kernel build` to build one",
                     kernel.label, gspec.scheduler.name)});
          continue;
        }
        const bool host_only = t->value_or<bool>("host_only", false);
        if (host_only && ki > 0) continue;  // the host is the same for every kernel: run once
        const auto start = std::chrono::steady_clock::now();
        const fs::path dir = job.dir(
            run_root / (t->name + (kernels.kernels.size() > 1 ? "-" + kernel_names[ki] : "")));
        fs::create_directories(dir);
        if (host_only) {
          HostOnlyResult r = run_host_only_test(*t, gspec, agent, dir);
          if (r.interrupted) break;
          report_verdict(r.verdict, r.seconds);
          continue;
        }
        std::vector<InitramfsEntry> entries;
        entries.push_back(
            {.guest_path = "/ktstr/test.json", .bytes = json(gspec).dump(2), .mode = 0644});
        if (const Setting* pf = t->get("plugin_file")) {
          const fs::path so = pf->value.get<std::string>();
          gspec.plugin_path = "/ktstr/plugins/" + so.filename().string();
          gspec.scenario = t->value_or<std::string>("scenario", "");
          entries[0].bytes = json(gspec).dump(2);
          entries.push_back(
              {.guest_path = gspec.plugin_path, .host_path = so, .with_closure = true});
        }
        if (std::string e = add_include_files(*t, entries); !e.empty()) {
          report(Verdict::Kind::kFail, 0, {e});
          continue;
        }
        if (gspec.scheduler.kind == "sched_ext") {
          const Entity* s = specs.catalog.find("scheduler", gspec.scheduler.name);
          fs::path bin = find_scheduler_binary(*s, specs.catalog, kernel);
          if (bin.empty()) {
            report(Verdict::Kind::kFail, 0,
                   {fmt::format("scheduler binary '{}' not found (looked in the kernel's "
                                "sched/ dir and PATH)",
                                s->value->value("binary", ""))});
            continue;
          }
          entries.push_back({.guest_path = gspec.scheduler.binary,
                             .host_path = bin,
                             .mode = 0755,
                             .with_closure = true});
        }
        InitramfsOverlay overlay = build_overlay(entries, base);
        if (!overlay.ok()) {
          report(Verdict::Kind::kFail, 0, {"initramfs overlay: " + overlay.error});
          continue;
        }
        VmConfig vm;
        vm.topology = gspec.topology;
        vm.memory_mib = memory_mib_for(gspec.topology, t->value_or<int>("memory_mib", 2048));
        vm.accel = accel.accel;
        vm.kernel = kernel.image;
        vm.initrd = dir / "initrd.img";
        vm.kaslr = t->value_or<bool>("kaslr", true);
        vm.tcg_single_thread = kernel.jump_label;
        vm.kargs = t->value_or<std::vector<std::string>>("kargs", {});
        vm.channel =
            kernel.virtio_console_builtin() ? ChannelKind::kVirtioSerial : ChannelKind::kSerial;
        vm.run_dir = dir;
        std::error_code cwd_error;  // none: socket paths stay absolute
        vm.working_dir = std::filesystem::current_path(cwd_error);
        InitrdStats stats = write_initrd(base, overlay, vm.initrd);
        if (!stats.error.empty()) {
          report(Verdict::Kind::kFail, 0, {"initrd: " + stats.error});
          continue;
        }
        QemuCommand cmd = build_qemu_command(vm);
        if (!cmd.ok()) {
          report(Verdict::Kind::kFail, 0, {"qemu: " + cmd.error});
          continue;
        }
        VmTimeouts timeouts =
            VmTimeouts::for_test(gspec.duration_s, t->value_or<double>("timeout_s", 0));
        VmOutcome outcome = launcher.launch(vm, cmd, timeouts);
        // A TCG boot crash before the agent ran is QEMU's, not the test's: once more.
        std::string boot_retry;
        if (accel.accel == Accel::kTcg && crashed_before_agent(outcome)) {
          boot_retry = boot_retry_note(outcome);
          keep_attempt_logs(dir, 1);
          outcome = launcher.launch(vm, cmd, timeouts);
        }
        const RunRecord record = build_run_record(outcome, gspec,
                                                  {.name = name,
                                                   .kernel = kernel.label,
                                                   .accel = std::string(accel_name(accel.accel)),
                                                   .test = t->name,
                                                   .spec_file = t->entity->pos.file,
                                                   .spec_paths = options.specs.paths});
        Verdict v = evaluate(record, checks_from_spec(*t));
        if (!boot_retry.empty()) {
          // Shown with -v on a PASS; among the reasons when the retry failed too.
          if (v.kind == Verdict::Kind::kPass)
            v.notes.insert(v.notes.begin(), boot_retry);
          else
            v.reasons.push_back(boot_retry);
        }
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        json sidecar = {{"name", name},
                        {"verdict", Verdict::name(v.kind)},
                        {"reasons", v.reasons},
                        {"kernel", kernel.label},
                        {"accel", accel_name(accel.accel)},
                        {"topology", gspec.topology.str()},
                        {"seconds", secs},
                        {"initrd",
                         {{"base_bytes", stats.base_bytes},
                          {"overlay_bytes", stats.overlay_bytes},
                          {"overlay_build_ms", stats.overlay_build_ms}}},
                        {"outcome", to_json(outcome)},
                        {"record", record}};
        if (!boot_retry.empty()) sidecar["boot_retry"] = boot_retry;
        if (accel.accel == Accel::kTcg)
          sidecar["tcg_threads"] = vm.tcg_single_thread ? "single" : "multi";
        if (std::string error = write_json_file(dir / "result.json", sidecar); !error.empty())
          std::cerr << "ktstr-run: error: " << error << "\n";
        std::error_code ec;
        fs::remove(vm.initrd, ec);  // large and reproducible
        if (outcome.reason == VmExitReason::kInterrupted) break;
        report_verdict(v, secs);
      } catch (const std::exception& e) {
        report(Verdict::Kind::kFail, 0, {std::string("internal error: ") + e.what()});
      }
    }
  }
  if (VmRegistry::instance().interrupted()) {
    std::cout << "ktstr-run: interrupted; partial results in " << run_root.string() << "\n";
    return kExitInterrupted;
  }
  std::cout << fmt::format("{} passed, {} failed, {} skipped\n", passed, failed, skipped);
  return failed ? kExitTestFailed : kExitOk;
}

void add_run_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "Run tests, one VM each (the default command)");
  run->add_option("paths", opts->specs.paths, "Spec files or directories")->required();
  run->add_option("--kernel", opts->kernels,
                  "Kernel: cache label, bzImage or built tree (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--accel", opts->accel, "auto | kvm | tcg");
  run->add_option("-f,--filter", opts->filters, "Only tests whose name contains this")
      ->allow_extra_args(false);
  run->add_option("--set", opts->specs.sets, "Override a setting for every test (KEY=VALUE)")
      ->allow_extra_args(false);
  run->add_option("--plugin-path", opts->specs.plugin_paths,
                  "Extra directory to search for plugins")
      ->allow_extra_args(false);
  run->add_option("--run-dir", opts->run_dir, "Where run directories go (default ktstr-runs)");
  run->add_flag("--run-ignored", opts->run_ignored, "Also run tests marked ignore = true");
  run->add_flag("-v,--verbose", opts->verbose, "Print reasons for passing tests too");
  run->callback([opts, &exit_code] {
    VmRegistry::instance().install_signal_handlers();
    QemuVmLauncher launcher;
    exit_code = run_tests(*opts, launcher);
  });
}

}  // namespace ktstr
