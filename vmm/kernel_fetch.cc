// Fetching Debian's prebuilt kernel. apt-cache lists every 6.12 cloud image the
// archive still carries; we want the newest signed one (same kernel as
// -unsigned, and what Debian users run). Versions compare numerically by their
// third component (6.12.N). Everything is unpacked in a staging directory in
// the cache, which becomes the entry by rename, or is deleted on any failure.
#include "vmm/kernel_fetch.h"

#include <unistd.h>

#include <regex>

#include "vmm/kernel_config.h"
#include "vmm/kernel_image_check.h"
#include "vmm/kernel_sha256.h"
#include "vmm/kernel_subprocess.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSearchRegex = "^linux-image-6\\.12\\.[0-9]+\\+deb[0-9]+-cloud-amd64$";

struct StagingCleanup {
  fs::path dir;
  ~StagingCleanup() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

std::string tail_lines(const std::string& s, int n) {
  size_t pos = s.size();
  while (n-- > 0 && pos > 0) {
    pos = s.rfind('\n', pos - 1);
    if (pos == std::string::npos) return s;
  }
  return s.substr(pos + 1);
}

}  // namespace

std::optional<DebianKernelPackage> newest_cloud_kernel(std::string_view output) {
  static const std::regex re(R"(^linux-image-((6\.12\.(\d+))\+deb\d+-cloud-amd64)$)");
  std::optional<DebianKernelPackage> best;
  long best_patch = -1;
  size_t start = 0;
  while (start < output.size()) {
    size_t nl = output.find('\n', start);
    if (nl == std::string_view::npos) nl = output.size();
    std::string line(output.substr(start, nl - start));
    start = nl + 1;
    const auto sp = line.find(' ');
    const std::string name = line.substr(0, sp);
    std::smatch m;
    if (!std::regex_match(name, m, re)) continue;
    const long patch = std::stol(m[3].str());
    if (patch > best_patch) {
      best_patch = patch;
      best = DebianKernelPackage{name, m[1].str(), m[2].str()};
    }
  }
  return best;
}

FetchResult fetch_debian_kernel(const FetchOptions& options) {
  FetchResult r;
  auto say = [&](const std::string& s) {
    if (options.progress) options.progress(s);
  };
  for (const char* tool : {"apt-cache", "apt-get", "dpkg-deb"})
    if (!have_program(tool)) {
      r.error = std::string("kernel fetch needs ") + tool + " (a Debian system)";
      return r;
    }
  auto search = run_process({"apt-cache", "search", "--names-only", kSearchRegex});
  auto pkg = search.ok() ? newest_cloud_kernel(search.output) : std::nullopt;
  if (!pkg) {
    say("apt-cache knows no linux-image-6.12*-cloud-amd64: running apt-get update");
    auto update = run_process({"apt-get", "update"});
    if (!update.ok()) {
      r.error = "apt-get update " + update.describe() + ":\n" + tail_lines(update.output, 10);
      return r;
    }
    search = run_process({"apt-cache", "search", "--names-only", kSearchRegex});
    pkg = search.ok() ? newest_cloud_kernel(search.output) : std::nullopt;
    if (!pkg) {
      r.error =
          "no linux-image-6.12*-cloud-amd64 package in the apt sources (bookworm-security "
          "or bookworm-backports carries it; check /etc/apt/sources.list)";
      return r;
    }
  }
  const std::string label = pkg->version + "-cloud";
  const std::string source = "debian:" + pkg->name;
  // The exact Debian revision, so a rebuilt package with the same name is noticed.
  auto show = run_process({"apt-cache", "show", "--no-all-versions", pkg->name});
  std::string deb_version;
  if (show.ok()) {
    static const std::regex vre(R"((^|\n)Version: ([^\n]+))");
    std::smatch m;
    if (std::regex_search(show.output, m, vre)) deb_version = m[2].str();
  }
  auto existing = find_kernel(label, options.cache_root);
  if (const ImageCheck check = existing ? verify_kernel_entry(*existing) : ImageCheck{};
      check.broken()) {
    // A damaged entry is replaced, so `kernel fetch` is the fix it prints.
    say("replacing the broken cache entry " + label + ": " + check.problem);
    if (std::string e = remove_kernel_entry(label, options.cache_root); !e.empty()) {
      r.error = e;
      return r;
    }
    existing.reset();
  }
  if (existing) {
    if (existing->meta.source == source &&
        (deb_version.empty() || existing->meta.source_version == deb_version)) {
      r.entry = *existing;
      r.existed = true;
      return r;
    }
    r.error = "cache entry " + label + " exists but holds " + existing->meta.source + " " +
              existing->meta.source_version + "; remove it with `ktstr-run kernel clean " + label +
              "` and fetch again";
    return r;
  }

  std::error_code ec;
  fs::create_directories(options.cache_root, ec);
  remove_stale_staging(options.cache_root);
  std::string error;
  const auto staging = make_staging_dir(label, &error, options.cache_root);
  if (!staging) {
    r.error = error;
    return r;
  }
  StagingCleanup cleanup{*staging};
  InterruptGuard guard;
  const fs::path dl = *staging / ".download";
  fs::create_directories(dl / "root", ec);
  say("downloading " + pkg->name + " " + deb_version);
  ProcessOptions popt;
  popt.cwd = dl;
  auto download = run_process({"apt-get", "download", pkg->name}, popt);
  if (!download.ok()) {
    r.error = "apt-get download " + pkg->name + " " + download.describe() + ":\n" +
              tail_lines(download.output, 10);
    return r;
  }
  fs::path deb;
  for (const auto& f : fs::directory_iterator(dl, ec))
    if (f.path().extension() == ".deb") deb = f.path();
  if (deb.empty()) {
    r.error = "apt-get download produced no .deb in " + dl.string();
    return r;
  }
  say("unpacking " + deb.filename().string());
  auto unpack = run_process({"dpkg-deb", "-x", deb.string(), (dl / "root").string()});
  if (!unpack.ok()) {
    r.error = "dpkg-deb -x " + deb.string() + " " + unpack.describe() + ":\n" +
              tail_lines(unpack.output, 10);
    return r;
  }
  const fs::path boot = dl / "root" / "boot";
  const struct {
    std::string from, to;
  } files[] = {{"vmlinuz-" + pkg->release, "bzImage"},
               {"System.map-" + pkg->release, "System.map"},
               {"config-" + pkg->release, "config"}};
  for (const auto& f : files) {
    fs::rename(boot / f.from, *staging / f.to, ec);
    if (ec) {
      r.error = "package " + pkg->name + " has no boot/" + f.from + ": " + ec.message();
      return r;
    }
  }
  fs::remove_all(dl, ec);
  if (interrupted()) {
    r.error = "interrupted";
    return r;
  }
  KernelMetadata meta;
  meta.label = label;
  meta.version = pkg->version;
  meta.kind = "prebuilt";
  meta.source = source;
  meta.source_version = deb_version;
  meta.config_hash = sha256_file(*staging / "config").value_or("");
  meta.built_at = utc_now_iso8601();
  if (auto config = load_kernel_config(*staging / "config")) {
    const auto f = kernel_features(*config);
    meta.sched_ext = f.sched_ext;
    meta.virtio_console = tristate_name(f.virtio_console);
  }
  auto installed = install_entry(*staging, meta, options.cache_root);
  if (!installed.ok()) {
    r.error = installed.error;
    return r;
  }
  cleanup.dir.clear();
  r.entry = installed.entry;
  r.existed = installed.existed;
  return r;
}

}  // namespace ktstr
