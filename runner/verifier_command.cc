// The sweep's passes: specs (the user's, for the schedulers) -> the
// synthetic spec (verifier_sweep) -> the kernel must have sched_ext -> the
// ordinary run of the synthetic tests (run_tests: plan, prepare, execute,
// report; its console output and run directory are a run's) -> read the
// sidecars back (verifier_loads) -> the table (verifier_table).
#include "runner/verifier_command.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "runner/exit_codes.h"
#include "runner/verifier_loads.h"
#include "runner/verifier_sweep.h"
#include "runner/verifier_table.h"
#include "store/run_store.h"
#include "vmm/qemu_vm_launcher.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

// The directory holding the synthetic spec, removed when the sweep ends.
class SweepDir {
 public:
  bool create(std::string* error) {
    std::string tmpl = (fs::temp_directory_path() / "ktstr-verifier-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      *error = fmt::format("cannot create {}: {}", tmpl, std::strerror(errno));
      return false;
    }
    path_ = tmpl;
    return true;
  }
  ~SweepDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Where `run` puts its run directories, by the same rule: --run-dir, else
// the first project's [run] run_dir, else ktstr-runs.
fs::path runs_parent(const VerifierOptions& o, const LoadedSpecs& specs) {
  if (!o.run_dir.empty()) return o.run_dir;
  for (const auto& p : specs.set->projects)
    if (p.root.contains("run") && p.root["run"].is_object() && p.root["run"].contains("run_dir") &&
        p.root["run"]["run_dir"].is_string())
      return fs::absolute(p.file).parent_path() / p.root["run"]["run_dir"].get<std::string>();
  return "ktstr-runs";
}

// The run this process just made: not among `before`, and its id holds our
// pid ("<time>-<pid>-<hex>"), so a concurrent run elsewhere is not taken.
std::optional<fs::path> our_run(const fs::path& parent, const std::vector<fs::path>& before) {
  const std::string mark = fmt::format("-{}-", getpid());
  const auto runs = list_runs(parent);
  for (auto it = runs.rbegin(); it != runs.rend(); ++it)
    if (it->filename().string().find(mark) != std::string::npos &&
        std::find(before.begin(), before.end(), *it) == before.end())
      return *it;
  return std::nullopt;
}

// "latest" for --baseline: the newest run under `parent` that is a sweep.
std::optional<StoredRun> latest_sweep(const fs::path& parent, std::string* error) {
  const auto runs = list_runs(parent);
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    std::string ignored;
    auto run = read_run(*it, &ignored);
    if (run && !read_verifier_loads(run->sidecars).empty()) return run;
  }
  *error = fmt::format("no earlier verifier sweep under {}", parent.string());
  return std::nullopt;
}

}  // namespace

int run_verifier(const VerifierOptions& o, const LauncherFactory& make_launcher, std::ostream& out,
                 std::ostream& err) {
  const std::vector<std::string> paths = o.paths.empty() ? std::vector<std::string>{"."} : o.paths;
  if (o.jobs < 0) {
    err << fmt::format("ktstr-run: error: -j must be 0 (the host's budget) or more (got {})\n",
                       o.jobs);
    return kExitUsage;
  }
  // --- the user's specs: which schedulers there are.
  SpecOptions spec_options{.paths = paths};
  LoadedSpecs specs = load_and_resolve(spec_options);
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  std::vector<std::string> schedulers;
  if (std::string e = pick_sweep_schedulers(specs.catalog, o.schedulers, paths, &schedulers);
      !e.empty()) {
    err << "ktstr-run: error: " << e << "\n";
    return kExitUsage;
  }
  const fs::path parent = runs_parent(o, specs);
  // --- the baseline, read before anything boots.
  std::optional<VerifierBaseline> baseline;
  if (!o.baseline.empty()) {
    std::string error;
    std::optional<StoredRun> run =
        o.baseline == "latest" ? latest_sweep(parent, &error) : std::nullopt;
    if (o.baseline != "latest") {
      const auto dir = resolve_run(parent, o.baseline, &error);
      if (dir) run = read_run(*dir, &error);
    }
    if (!run) {
      err << fmt::format("ktstr-run: error: --baseline: {} (run directories: {})\n", error,
                         parent.string());
      return kExitInfra;
    }
    const auto loads = read_verifier_loads(run->sidecars);
    if (loads.empty()) {
      err << fmt::format(
          "ktstr-run: error: --baseline {}: run {} is not a verifier sweep (none of its tests is "
          "ktstr/{}NAME); name a run that `ktstr-run verifier` made\n",
          o.baseline, run->dir.string(), kVerifierTestPrefix);
      return kExitUsage;
    }
    baseline = make_verifier_baseline(loads, run->run_id());
  }
  // --- the synthetic spec.
  SweepSpec sweep;
  if (std::string e = make_sweep_spec(specs, schedulers, o.all_profiles, &sweep); !e.empty()) {
    err << "ktstr-run: error: " << e << "\n";
    return kExitUsage;
  }
  SweepDir dir;
  std::string dir_error;
  if (!dir.create(&dir_error)) {
    err << "ktstr-run: error: " << dir_error << "\n";
    return kExitInfra;
  }
  const fs::path spec_file = dir.path() / "verifier.toml";
  {
    std::ofstream f(spec_file, std::ios::binary);
    f << sweep.toml;
    if (!f.flush()) {
      err << fmt::format("ktstr-run: error: cannot write {}\n", spec_file.string());
      return kExitInfra;
    }
  }
  // --- the kernel: one, with sched_ext (checked here so that a kernel
  // without it is exit 3, not a run of SKIPs).
  std::vector<std::string> run_paths = paths;
  run_paths.push_back(spec_file.string());
  SpecOptions preboot{.paths = run_paths, .check_preboot = true};
  if (!o.kernel.empty()) preboot.kernels = {o.kernel};
  LoadedSpecs checked = load_and_resolve(preboot);
  if (!checked.ok()) {
    report_diagnostics(checked, false);
    return kExitUsage;
  }
  const KernelResolution& kernels = checked.kernels;
  if (!kernels.ok()) {
    err << "ktstr-run: error: " << kernels.error << "\n";
    return kExitInfra;
  }
  if (kernels.kernels.size() != 1) {
    err << fmt::format(
        "ktstr-run: error: the sweep runs on one kernel, and {} names {}; name one with --kernel\n",
        kernels.origin, kernels.kernels.size());
    return kExitUsage;
  }
  const KernelInfo& kernel = kernels.kernels.front();
  if (!kernel.sched_ext) {
    err << fmt::format(
        "ktstr-run: error: kernel {} ({}) has no sched_ext (CONFIG_SCHED_CLASS_EXT), so no "
        "scheduler can load; run `ktstr-run kernel build` for one, or name one with --kernel\n",
        kernel.label, kernels.origin);
    return kExitInfra;
  }
  // --- the run: the synthetic tests alone, through run's passes.
  RunOptions run;
  run.specs.paths = run_paths;
  if (!o.kernel.empty()) run.kernels = {o.kernel};
  run.accel = o.accel;
  run.exprs = {sweep.filter_expr};
  run.run_dir = o.run_dir;
  run.jobs = o.jobs;
  run.verbose = o.verbose;
  run.argv = o.argv;
  out.flush();
  const std::vector<fs::path> before = list_runs(parent);
  const int rc = run_tests(run, make_launcher);
  std::cout.flush();
  if (rc != kExitOk && rc != kExitTestFailed) return rc;  // the run said why
  // --- read the loads back from the run directory.
  const auto run_dir = our_run(parent, before);
  std::string error = fmt::format("no run directory of this sweep under {}", parent.string());
  std::optional<StoredRun> stored;
  if (run_dir) stored = read_run(*run_dir, &error);
  if (!stored) {
    err << "ktstr-run: error: " << error << "\n";
    return kExitInfra;
  }
  for (const auto& w : stored->warnings) err << "ktstr-run: warning: " << w << "\n";
  const auto loads = read_verifier_loads(stored->sidecars);
  const VerifierReport report = format_verifier_report(loads, baseline ? &*baseline : nullptr);
  out << report.text;
  out << fmt::format("verifier: kernel {}; run directory {}\n", kernel.label, stored->dir.string());
  return report.failed_loads > 0 || rc == kExitTestFailed ? kExitTestFailed : kExitOk;
}

void add_verifier_command(CLI::App& app, int& exit_code, const std::vector<std::string>& argv) {
  auto o = std::make_shared<VerifierOptions>();
  o->argv = argv;
  auto* cmd = app.add_subcommand(
      "verifier",
      "Load each declared sched_ext scheduler in a small VM and print its struct_ops programs' "
      "verified instruction counts (docs/verifier.md)");
  cmd->add_option("paths", o->paths, "Spec files or directories (default: .)");
  cmd->add_option("--scheduler", o->schedulers,
                  "Sweep only this [scheduler.NAME] (repeatable; default: every one)")
      ->allow_extra_args(false);
  cmd->add_flag("--all-profiles", o->all_profiles,
                "Load under every flag profile, not only the plain one");
  cmd->add_option("--kernel", o->kernel,
                  "A sched_ext kernel: cache label, bzImage or tree (default: KTSTR_KERNEL, "
                  "[run] kernel, the newest sched_ext kernel in the cache)");
  cmd->add_option("--accel", o->accel, "auto | kvm | tcg (default: [run] accel, else auto)");
  cmd->add_option("--run-dir", o->run_dir, "Where run directories go (default ktstr-runs)");
  cmd->add_option("--baseline", o->baseline,
                  "Compare with an earlier sweep: its run directory, run id, or latest (the newest "
                  "sweep)");
  cmd->add_option("-j,--jobs", o->jobs, "VMs at once (default: the host's CPU/memory budget)");
  cmd->add_flag("-v,--verbose", o->verbose, "Print reasons for passing loads too");
  cmd->footer(
      "Exit status: 0 every load passed, 1 a load failed, 2 usage or spec error, 3 no sched_ext "
      "kernel (`ktstr-run kernel build`) or no --baseline run, 130 interrupted.\n"
      "A program at or above 90% of the verifier's 1M-instruction limit gets a warning.");
  cmd->callback([o, &exit_code] {
    VmRegistry::instance().install_signal_handlers();
    exit_code = run_verifier(
        *o, [](const BaseInitramfs& base) { return std::make_unique<QemuVmLauncher>(base); },
        std::cout, std::cerr);
  });
}

}  // namespace ktstr
