// `ktstr-run [run]`: the run as its passes, in order. Each pass is its own
// library or file; this one only lists them and turns their failures into
// exit codes (SPEC "Verdicts and exit codes"):
//   specs    load, schema, resolve, pre-boot checks       (spec_pipeline)
//   plan     tests x flag profiles x (own topology, gauntlet (plan/)
//            presets) x kernels x replicas x --repeat,
//            filters, -E, partition, shuffle
//   prepare  kernels, accelerator, agent, base initramfs,  (here, vmm/)
//            run directory
//   execute  per attempt: prepare the request, launch,     (exec/, instance_attempt)
//            evaluate, write the sidecar
//   report   console, run store, --reporter junit/json     (report/, store/)
#include "runner/run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

#include "exec/executor.h"
#include "exec/host_budget.h"
#include "report/console_reporter.h"
#include "report/json_reporter.h"
#include "report/junit_reporter.h"
#include "runner/exit_codes.h"
#include "runner/host_only_run.h"
#include "runner/install_paths.h"
#include "runner/instance_attempt.h"
#include "runner/plan_host.h"
#include "runner/stale_runs.h"
#include "store/cost_calibration.h"
#include "store/run_store.h"
#include "vmm/accel.h"
#include "vmm/kernel_symbols.h"
#include "vmm/qemu_vm_launcher.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path find_agent() { return install_paths().agent; }

// The first ktstr.toml's `[run] KEY`, with where it came from; null when unset.
std::pair<json, std::string> run_setting(const LoadedSpecs& specs, const std::string& key) {
  for (const auto& p : specs.set->projects)
    if (p.root.contains("run") && p.root["run"].is_object() && p.root["run"].contains(key))
      return {p.root["run"][key], fmt::format("[run] {} in {}", key, p.file)};
  return {json(), ""};
}

// The plan pass's options from the command line; "" or the usage error.
std::string plan_options(const RunOptions& o, PlanOptions* out) {
  out->filters = o.filters;
  out->run_ignored = o.run_ignored;
  out->repeat = o.repeat;
  for (const auto& text : o.exprs) {
    std::string error;
    auto e = FilterExpr::parse(text, &error);
    if (!e) return error;
    out->exprs.push_back(std::move(*e));
  }
  if (!o.partition.empty()) {
    std::string error;
    out->partition = parse_partition(o.partition, &error);
    if (!out->partition) return error;
  }
  if (o.budget_s) {
    if (!std::isfinite(*o.budget_s) || *o.budget_s <= 0)
      return fmt::format("--budget must be a positive number of seconds (got {})", *o.budget_s);
    out->budget_s = *o.budget_s;
  }
  if (o.seed) {
    out->shuffle_seed = *o.seed;
  } else if (o.shuffle) {
    out->shuffle_seed = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
  }
  return "";
}

}  // namespace

int run_tests(const RunOptions& options, const LauncherFactory& make_launcher) {
  // --- specs: the pre-boot pass (the one `check` runs) refuses what cannot
  // run before anything boots.
  PlanOptions plan_opts;
  if (std::string e = plan_options(options, &plan_opts); !e.empty()) {
    std::cerr << "ktstr-run: error: " << e << "\n";
    return kExitUsage;
  }
  std::vector<ReporterSpec> reporters;
  for (const auto& text : options.reporters) {
    std::string error;
    auto r = parse_reporter(text, &error);
    if (!r) {
      std::cerr << "ktstr-run: error: " << error << "\n";
      return kExitUsage;
    }
    reporters.push_back(*r);
  }
  SpecOptions spec_options = options.specs;
  spec_options.check_preboot = true;
  spec_options.kernels = options.kernels;
  auto specs = load_and_resolve(spec_options);
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  // Kernel(s): --kernel, KTSTR_KERNEL, ktstr.toml [run] kernel, cache default.
  // --list and the no-match check need none (one kernel adds no name suffix).
  const KernelResolution& kernels = specs.kernels;

  // The accelerator: the gauntlet's capacity rule needs it; an unusable
  // one is an error only when something is going to boot (exit 3 below).
  std::string accel_text = options.accel;
  if (accel_text.empty()) {
    auto [v, origin] = run_setting(specs, "accel");
    accel_text = v.is_string() ? v.get<std::string>() : "auto";
  }
  Accel requested = Accel::kAuto;
  if (!parse_accel(accel_text, &requested)) {
    std::cerr << "ktstr-run: error: --accel must be auto, kvm or tcg (got '" << accel_text
              << "')\n";
    return kExitUsage;
  }
  AccelChoice accel = resolve_accel(requested);
  plan_opts.gauntlet = options.gauntlet;
  add_host_to_plan(plan_opts, specs.catalog, accel.ok() ? accel.accel : Accel::kTcg);

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
  if (plan_opts.budget_s) plan_opts.cost = calibrate_cost_model(runs_parent);

  // --- plan
  std::vector<PlanKernel> plan_kernels;
  const auto dims = kernel_dimension_names(kernels.kernels);
  for (size_t i = 0; i < kernels.kernels.size(); ++i)
    plan_kernels.push_back({.label = kernels.kernels[i].label,
                            .dimension = dims[i],
                            .sched_ext = kernels.kernels[i].sched_ext});
  if (!kernels.ok()) plan_kernels = {PlanKernel{}};
  const Plan plan = make_plan(specs.tests, plan_kernels, plan_opts);
  if (plan.budget) {
    // On stderr with --list, so stdout stays one name per line.
    (options.list ? std::cerr : std::cout) << fmt::format(
        "ktstr-run: {} (costs: {})\n", plan.budget->line(),
        plan_opts.cost.runs_read
            ? fmt::format("{} stored result{} in {}", plan_opts.cost.runs_read,
                          plan_opts.cost.runs_read == 1 ? "" : "s", runs_parent.string())
            : std::string("the documented constants, no stored results in ") +
                  runs_parent.string());
  }
  if (plan.budget && plan.budget->chosen == 0 && plan.budget->candidates > 0) {
    std::cerr << fmt::format(
        "ktstr-run: error: no test fits --budget {:g} s (the cheapest is estimated at {:.1f} "
        "s); raise the budget\n",
        plan.budget->limit_s, plan.budget->cheapest_s);
    return kExitNoTests;
  }
  if (options.list) {
    std::cout << format_list(plan);
    return kExitOk;
  }
  if (plan.instances.empty() && plan.ignored.empty() && plan.partitioned_out > 0) {
    // The filters matched; this shard is empty. Not a typo: nothing to do.
    std::cout << fmt::format("ktstr-run: partition {} has none of the {} matching tests\n",
                             plan_opts.partition->str(), plan.partitioned_out);
    return kExitOk;
  }
  if (plan.nothing_matched()) {
    const bool filtered = !plan_opts.filters.empty() || !plan_opts.exprs.empty();
    const std::string what = filtered ? fmt::format("no test matches the filters (of {} tests)",
                                                    plan.total_before_filters)
                                      : "no tests found";
    if (options.no_tests == "fail") {
      std::cerr << "ktstr-run: error: " << what
                << " (exit 4; --no-tests=warn or =pass accepts an empty run)\n";
      return kExitNoTests;
    }
    if (options.no_tests == "warn") std::cerr << "ktstr-run: warning: " << what << "\n";
    return kExitOk;
  }

  // --- prepare the run: what every instance shares
  if (!kernels.ok()) {
    std::cerr << "ktstr-run: error: " << kernels.error << "\n";
    return kExitInfra;
  }
  std::vector<const ResolvedTest*> planned;
  for (const auto& i : plan.instances) planned.push_back(i.test);
  const fs::path agent = find_agent();
  if (agent.empty()) {
    std::cerr << "ktstr-run: error: the guest agent (ktstr-agent) was not found; build it or set "
                 "KTSTR_AGENT\n";
    return kExitInfra;
  }
  if (std::string e = host_only_preflight(planned); !e.empty()) {
    std::cerr << "ktstr-run: error: " << e << "\n";
    return kExitInfra;
  }
  if (!accel.ok()) {
    std::cerr << "ktstr-run: error: " << accel.error << "\n";
    return kExitInfra;
  }
  if (const std::string note = gauntlet_note(plan, plan_opts); !note.empty())
    std::cout << "ktstr-run: " << note << "\n";
  BaseInitramfs base = prepare_base_initramfs({.agent = agent});
  if (!base.ok()) {
    std::cerr << "ktstr-run: error: initramfs: " << base.error << "\n";
    return kExitInfra;
  }
  // A host problem, not a spec error: exit 3 (docs/running.md).
  std::string run_dir_error;
  const auto run_root = create_run_dir(runs_parent, &run_dir_error);
  if (!run_root) {
    std::cerr << fmt::format(
        "ktstr-run: error: cannot create a run directory in {} ({}): {}; point --run-dir at a "
        "directory you can write\n",
        runs_parent.string(), runs_origin, run_dir_error);
    return kExitInfra;
  }
  // Locked before the sweep, so the sweep passes over this run.
  std::string run_lock_error;
  const auto run_lock = RunDirLock::acquire(*run_root, &run_lock_error);
  if (!run_lock) {
    std::cerr << "ktstr-run: error: " << run_lock_error << "\n";
    return kExitInfra;
  }
  const StaleSweep swept = sweep_stale_runs(runs_parent);
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
  // Kernel locks (held for the run: `kernel clean` leaves these entries alone) and facts.
  std::vector<std::optional<KernelLock>> kernel_locks;
  AttemptContext ctx{.catalog = &specs.catalog,
                     .kernels = &kernels.kernels,
                     .accel = accel.accel,
                     .agent = agent,
                     .run_root = *run_root,
                     .spec_paths = options.specs.paths};
  for (const KernelInfo& kernel : kernels.kernels) {
    std::string lock_error;
    kernel_locks.push_back(KernelLock::acquire(
        kernel.entry_dir.empty() ? kernel.image.parent_path() : kernel.entry_dir, false, true,
        &lock_error));
    KernelFacts facts;
    if (kernel.sched_ext) {
      facts.hz = kernel.hz;
      if (!kernel.system_map.empty())
        facts.symbols = read_system_map(kernel.system_map, agent_kernel_symbols());
    }
    ctx.facts.push_back(std::move(facts));
  }
  std::unique_ptr<VmLauncher> launcher = make_launcher(base);
  ctx.launcher = launcher.get();

  // --- execute within the budget
  ExecutorOptions exec;
  exec.budget_cpus = host_cpus();
  exec.budget_memory_mib = host_memory_budget_mib();
  exec.jobs = options.jobs;
  std::string jobs_origin = options.jobs ? "-j" : "";
  if (!exec.jobs) {
    if (auto [v, origin] = run_setting(specs, "jobs"); v.is_number_integer()) {
      exec.jobs = v.get<int>();
      jobs_origin = origin;
    }
  }
  // A VM's host cost: its vCPU threads, or one thread for a single-threaded TCG kernel.
  exec.cost_cpus = [&](const TestInstance& i) {
    if (i.host_only) return 1;
    if (accel.accel == Accel::kTcg && kernels.kernels[i.kernel_index].jump_label) return 1;
    return std::max(1, i.vcpus);
  };
  exec.retries = options.retries;
  exec.fail_fast = options.fail_fast;
  exec.interrupted = &VmRegistry::instance().interrupted_flag();

  RunInfo info;
  info.run_id = run_root->filename().string();
  info.run_dir = *run_root;
  info.accel = std::string(accel_name(accel.accel));
  info.kernels = plan.kernels;
  info.argv = options.argv;
  info.started_at = utc_now_iso8601();
  info.partition = plan_opts.partition;
  info.shuffle_seed = plan_opts.shuffle_seed;
  info.jobs = exec.jobs;
  info.budget_cpus = exec.budget_cpus;
  info.budget_memory_mib = exec.budget_memory_mib;

  // --- report: the console, the run store, and each --reporter
  ListenerList listeners;
  ConsoleReporter console(std::cout, ConsoleStyle::detect(STDOUT_FILENO, options.verbose));
  RunStoreWriter store;
  listeners.add(&console);
  listeners.add(&store);
  std::vector<std::unique_ptr<JunitReporter>> junit;
  std::vector<std::unique_ptr<JsonReporter>> jsons;
  for (const auto& r : reporters) {
    if (r.kind == ReporterSpec::Kind::kJunit)
      listeners.add(junit.emplace_back(std::make_unique<JunitReporter>(r.path)).get());
    else
      listeners.add(jsons.emplace_back(std::make_unique<JsonReporter>(r.path)).get());
  }
  const RunSummary summary = run_plan(
      plan, info,
      [&](const TestInstance& instance, int attempt, const std::atomic<bool>&) {
        return run_instance_attempt(ctx, instance, attempt);
      },
      exec, listeners);
  int rc = summary.exit_code;
  for (const auto& r : junit)
    if (!r->error().empty()) {
      std::cerr << "ktstr-run: error: " << r->error() << "\n";
      if (rc == kExitOk) rc = kExitInfra;
    }
  for (const auto& r : jsons)
    if (!r->error().empty()) {
      std::cerr << "ktstr-run: error: " << r->error() << "\n";
      if (rc == kExitOk) rc = kExitInfra;
    }
  return rc;
}

int run_tests(const RunOptions& options, VmLauncher& launcher) {
  struct Borrowed : VmLauncher {
    explicit Borrowed(VmLauncher& l) : inner(l) {}
    VmResult launch(const VmRequest& request) override { return inner.launch(request); }
    VmLauncher& inner;
  };
  return run_tests(options,
                   [&](const BaseInitramfs&) { return std::make_unique<Borrowed>(launcher); });
}

void add_run_command(CLI::App& app, int& exit_code, const std::vector<std::string>& argv) {
  auto opts = std::make_shared<RunOptions>();
  opts->argv = argv;
  auto* run = app.add_subcommand("run", "Run tests, one VM each (the default command)");
  add_run_options(run, *opts);
  run->callback([opts, &exit_code] {
    VmRegistry::instance().install_signal_handlers();
    exit_code = run_tests(
        *opts, [](const BaseInitramfs& base) { return std::make_unique<QemuVmLauncher>(base); });
  });
}

}  // namespace ktstr
