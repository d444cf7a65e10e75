// The `kernel` subcommands. They are thin: each parses options, calls one vmm
// function (kernel_fetch, kernel_build, kernel_cache), and turns its result into
// messages and an exit code.
#include "runner/kernel_command.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/exit_codes.h"
#include "runner/install_paths.h"
#include "vmm/kernel_build.h"
#include "vmm/kernel_fetch.h"
#include "vmm/kernel_image_check.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

std::string human_size(uint64_t bytes) {
  std::ostringstream s;
  if (bytes >= (uint64_t(1) << 30))
    s << std::fixed << std::setprecision(1) << bytes / double(uint64_t(1) << 30) << " GiB";
  else if (bytes >= (uint64_t(1) << 20))
    s << std::fixed << std::setprecision(1) << bytes / double(uint64_t(1) << 20) << " MiB";
  else
    s << bytes / 1024 << " KiB";
  return s.str();
}

struct BuildCli {
  std::string source = "debian";
  std::string fragment;
  int jobs = 0;
  bool in_tree = false;
  bool force = false;
};

struct CleanCli {
  std::vector<std::string> labels;
  bool all = false;
  bool work = false;
};

}  // namespace

fs::path default_config_fragment() { return install_paths().kernel_config_fragment; }

int run_kernel_list(bool json, std::ostream& out, const fs::path& root) {
  const auto entries = list_kernels(root);
  const auto def = default_kernel(entries);
  std::vector<ImageCheck> checks;
  for (const auto& e : entries) checks.push_back(verify_kernel_entry(e));
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      std::ifstream in(e.dir / "metadata.json");
      nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
      if (m.is_discarded()) m = nlohmann::json::object();
      m["label"] = e.meta.label;
      m["path"] = e.dir.string();
      m["default"] = def && def->meta.label == e.meta.label;
      m["status"] = checks[i].name();
      if (checks[i].broken()) {
        m["problem"] = checks[i].problem;
        m["fix"] = broken_entry_fix(e);
      }
      j.push_back(m);
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  if (entries.empty()) {
    out << "no kernels in " << root.string()
        << "\n  run `ktstr-run kernel fetch` (prebuilt) or `ktstr-run kernel build` (sched_ext)\n";
    return kExitOk;
  }
  size_t lw = 5, vw = 7, sw = 6, zw = 4;
  for (const auto& e : entries) {
    lw = std::max(lw, e.meta.label.size() + 2);
    vw = std::max(vw, e.meta.version.size());
    sw = std::max(sw, e.meta.source.size());
    zw = std::max(zw, human_size(e.meta.size_bytes).size());
  }
  auto pad = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
  };
  out << pad("LABEL", lw) << "  " << pad("VERSION", vw) << "  SCHED_EXT  " << pad("SOURCE", sw)
      << "  " << pad("SIZE", zw) << "  STATUS\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const bool is_def = def && def->meta.label == e.meta.label;
    out << pad(e.meta.label + (is_def ? " *" : ""), lw) << "  " << pad(e.meta.version, vw) << "  "
        << pad(e.meta.sched_ext ? "yes" : "no", 9) << "  " << pad(e.meta.source, sw) << "  "
        << pad(human_size(e.meta.size_bytes), zw) << "  " << checks[i].name() << "\n";
  }
  out << "(* = default; cache: " << root.string() << ")\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (checks[i].broken())
      out << "broken: " << entries[i].meta.label << ": " << checks[i].problem << "; "
          << broken_entry_fix(entries[i]) << "\n";
  }
  if (std::any_of(checks.begin(), checks.end(),
                  [](const ImageCheck& c) { return c.state == ImageCheck::State::kUnverified; }))
    out << "(unverified = cached by an older ktstr-run without a recorded SHA-256; only its boot "
           "header is checked)\n";
  return kExitOk;
}

int run_kernel_clean(const std::vector<std::string>& labels, bool all, bool work, std::ostream& out,
                     std::ostream& err, const fs::path& root) {
  if (labels.empty() && !all && !work) {
    err << "ktstr-run: error: kernel clean: name LABELs, or pass --all or --work\n";
    return kExitUsage;
  }
  std::vector<std::string> targets = labels;
  if (all)
    for (const auto& e : list_kernels(root)) targets.push_back(e.meta.label);
  int rc = kExitOk;
  for (const auto& label : targets) {
    const std::string e = remove_kernel_entry(label, root);
    if (e.empty()) {
      out << "removed " << label << "\n";
    } else {
      err << "ktstr-run: error: kernel clean: " << e << "\n";
      rc = e.find("no kernel") != std::string::npos || e.find("invalid") != std::string::npos
               ? kExitUsage
               : kExitInfra;
    }
  }
  remove_stale_staging(root);
  if (work) {
    std::error_code ec;
    const auto bytes = directory_size(root / ".work");
    fs::remove_all(root / ".work", ec);
    if (ec) {
      err << "ktstr-run: error: kernel clean: remove " << (root / ".work").string() << ": "
          << ec.message() << "\n";
      rc = kExitInfra;
    } else {
      out << "removed the build work area (" << human_size(bytes) << ")\n";
    }
  }
  return rc;
}

void add_kernel_command(CLI::App& app, int& exit_code) {
  auto* kernel =
      app.add_subcommand("kernel", "Manage the kernel cache (list, fetch, build, clean)");
  kernel->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  auto* list = kernel->add_subcommand("list", "List cached kernels");
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&exit_code, list_json] { exit_code = run_kernel_list(*list_json, std::cout); });

  auto* fetch = kernel->add_subcommand(
      "fetch", "Download Debian's prebuilt linux-image-6.12*-cloud-amd64 into the cache");
  fetch->callback([&exit_code] {
    FetchOptions o;
    o.progress = [](const std::string& s) { std::cerr << "kernel fetch: " << s << "\n"; };
    const auto r = fetch_debian_kernel(o);
    if (!r.ok()) {
      std::cerr << "ktstr-run: error: kernel fetch: " << r.error << "\n";
      exit_code = r.error == "interrupted" ? kExitInterrupted : kExitInfra;
      return;
    }
    std::cout << (r.existed ? "up to date: " : "fetched: ") << r.entry.meta.label << " ("
              << r.entry.meta.source << ") in " << r.entry.dir.string() << "\n";
    exit_code = kExitOk;
  });

  auto b = std::make_shared<BuildCli>();
  auto* build = kernel->add_subcommand(
      "build", "Build a sched_ext kernel and the example schedulers into the cache");
  build->add_option("--source", b->source,
                    "`debian` (linux-source-6.12, unpacked into the cache) or a kernel tree DIR");
  build->add_option("--config-fragment", b->fragment,
                    "Config fragment merged on top of allnoconfig (default: the project's "
                    "share/ktstr/kernel/ktstr-sched-ext.config beside the binary)");
  build->add_option("-j,--jobs", b->jobs, "Parallel make jobs (default: CPUs + 1)")
      ->check(CLI::PositiveNumber);
  build->add_flag(
      "--in-tree", b->in_tree,
      "Allow building inside a user tree that already has build output (replaces its .config)");
  build->add_flag("--force", b->force, "Rebuild even if an entry with the same inputs exists");
  build->callback([&exit_code, b] {
    KernelBuildOptions o;
    o.source = b->source;
    o.fragment = b->fragment.empty() ? default_config_fragment() : fs::path(b->fragment);
    o.jobs = b->jobs;
    o.in_tree = b->in_tree;
    o.force = b->force;
    o.out = &std::cerr;
    o.live = ::isatty(STDERR_FILENO) != 0;
    const auto r = build_kernel(o);
    if (r.interrupted) {
      std::cerr << "ktstr-run: kernel build: " << r.error << "\n";
      exit_code = kExitInterrupted;
      return;
    }
    if (!r.ok()) {
      std::cerr << "ktstr-run: error: kernel build: " << r.error << "\n";
      exit_code = kExitInfra;
      return;
    }
    const auto& m = r.entry.meta;
    if (r.cached)
      std::cout << "up to date: " << m.label << " (same inputs, built " << m.built_at << ") in "
                << r.entry.dir.string() << "\n";
    else
      std::cout << "built: " << m.label << " in " << r.entry.dir.string() << " (kernel "
                << format_duration(m.build_seconds) << ", schedulers "
                << format_duration(m.sched_build_seconds) << ", sched_ext "
                << (m.sched_ext ? "yes" : "no") << ", " << m.schedulers.size()
                << " example schedulers)\n";
    exit_code = kExitOk;
  });

  auto c = std::make_shared<CleanCli>();
  auto* clean = kernel->add_subcommand("clean", "Remove cached kernels (not those in use)");
  clean->add_option("labels", c->labels, "Labels to remove");
  clean->add_flag("--all", c->all, "Remove every cached kernel");
  clean->add_flag("--work", c->work,
                  "Also remove the build work area (unpacked sources, objects, logs)");
  clean->callback([&exit_code, c] {
    exit_code = run_kernel_clean(c->labels, c->all, c->work, std::cout, std::cerr);
  });
}

}  // namespace ktstr
