// Kernel resolution. A value that names a cache label wins over a file of the
// same name in the current directory only when it contains no '/': write
// `./NAME` for a file. User kernels (paths) are described from their config;
// without one, sched_ext and the virtio console are assumed absent and the run
// header says so, so a sched_ext test is SKIPPED rather than wrongly run.
#include "vmm/kernel_resolve.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "vmm/kernel_config.h"
#include "vmm/kernel_image_check.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::string read_first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// kernel_info() of an entry whose bzImage passes verify_kernel_entry(); else
// `error` names the entry, the problem and the fix.
KernelInfo checked_kernel_info(const KernelEntry& entry, std::string* error) {
  const ImageCheck check = verify_kernel_entry(entry);
  if (check.broken()) {
    if (error)
      *error = "kernel " + entry.meta.label + " in the cache is broken: " + check.problem + " (" +
               entry.dir.string() + "); " + broken_entry_fix(entry);
    return {};
  }
  KernelInfo info = kernel_info(entry);
  if (check.state == ImageCheck::State::kUnverified)
    info.notes.push_back("kernel " + entry.meta.label +
                         " was cached by an older ktstr-run without a recorded SHA-256: only its "
                         "boot header was checked (fetch or build it again to record one)");
  return info;
}

}  // namespace

std::string no_kernel_hint() {
  return "run `ktstr-run kernel fetch` (Debian's prebuilt 6.12, seconds) or `ktstr-run kernel "
         "build` (a sched_ext kernel, minutes), or pass --kernel PATH";
}

KernelInfo describe_user_kernel(const fs::path& input, std::string* error) {
  KernelInfo info;
  std::error_code ec;
  const fs::path path = fs::absolute(input, ec).lexically_normal();
  info.label = input.string();
  info.source = "path:" + path.string();
  fs::path dir;   // where to look for neighbours
  fs::path tree;  // a built kernel tree, when recognised
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "arch/x86/boot/bzImage", ec)) {
      tree = path;
      info.image = path / "arch/x86/boot/bzImage";
    } else if (fs::exists(path / "bzImage", ec)) {
      dir = path;
      info.image = path / "bzImage";
    } else {
      if (error)
        *error = "--kernel " + input.string() +
                 ": directory has neither arch/x86/boot/bzImage (a built tree) nor bzImage";
      return info;
    }
  } else if (fs::is_regular_file(path, ec)) {
    info.image = path;
    dir = path.parent_path();
    // <tree>/arch/x86/boot/bzImage: the tree is three levels up.
    const fs::path maybe_tree = dir.parent_path().parent_path().parent_path();
    if (dir.filename() == "boot" && dir.parent_path().filename() == "x86" &&
        fs::exists(maybe_tree / ".config", ec))
      tree = maybe_tree;
  } else {
    if (error)
      *error = "--kernel " + input.string() +
               ": no such file, directory or cache label (see `ktstr-run kernel list`)";
    return info;
  }

  if (std::string problem = check_bzimage(info.image); !problem.empty()) {
    if (error)
      *error = "--kernel " + input.string() + ": " + problem + " (" + info.image.string() +
               "); rebuild the kernel or give another one";
    return info;
  }

  if (!tree.empty()) {
    info.config = tree / ".config";
    if (fs::exists(tree / "System.map", ec)) info.system_map = tree / "System.map";
    if (fs::exists(tree / "vmlinux", ec)) info.vmlinux = tree / "vmlinux";
    if (fs::is_directory(tree / "tools/sched_ext/build/bin", ec))
      info.sched_dir = tree / "tools/sched_ext/build/bin";
    info.version = upstream_version(read_first_line(tree / "include/config/kernel.release"));
  } else {
    // vmlinuz-<release> goes with config-<release> and System.map-<release> (Debian /boot).
    const std::string name = info.image.filename().string();
    std::string release;
    if (name.rfind("vmlinuz-", 0) == 0) release = name.substr(8);
    for (const fs::path& c : {dir / ".config", dir / "config", dir / ("config-" + release)})
      if ((c.filename() != "config-" || !release.empty()) && fs::is_regular_file(c, ec)) {
        info.config = c;
        break;
      }
    for (const fs::path& m : {dir / "System.map", dir / ("System.map-" + release)})
      if (fs::is_regular_file(m, ec)) {
        info.system_map = m;
        break;
      }
    if (fs::is_regular_file(dir / "vmlinux", ec)) info.vmlinux = dir / "vmlinux";
    if (fs::is_directory(dir / "sched", ec)) info.sched_dir = dir / "sched";
    info.version = upstream_version(release);
  }

  std::optional<KernelConfig> config;
  if (!info.config.empty()) {
    config = load_kernel_config(info.config, error);
    if (!config) return info;
  } else if (auto embedded = extract_embedded_config(info.image)) {
    config = parse_kernel_config(*embedded);
    info.notes.push_back("features of " + input.string() + " come from its embedded config");
  }
  if (config) {
    const KernelFeatures f = kernel_features(*config);
    info.config_known = true;
    info.sched_ext = f.sched_ext;
    info.virtio_console = f.virtio_console;
    info.jump_label = f.jump_label;
    info.hz = f.hz;
  } else {
    info.notes.push_back("no config found for " + input.string() +
                         " (put it next to the image as `config`, or build with "
                         "CONFIG_IKCONFIG=y): assuming no sched_ext and no virtio console");
  }
  if (info.virtio_console == Tristate::kModule)
    info.notes.push_back("kernel " + input.string() +
                         " has the virtio console as a module: the agent uses the serial channel");
  else if (info.config_known && info.virtio_console == Tristate::kNo)
    info.notes.push_back("kernel " + input.string() +
                         " has no virtio console: the agent uses the serial channel");
  return info;
}

KernelInfo resolve_kernel(const std::string& value, std::string* error,
                          const fs::path& cache_root) {
  if (value.find('/') == std::string::npos && valid_kernel_label(value)) {
    if (auto entry = find_kernel(value, cache_root)) return checked_kernel_info(*entry, error);
    std::error_code ec;
    if (!fs::exists(value, ec)) {
      std::string known;
      for (const auto& e : list_kernels(cache_root))
        known += (known.empty() ? "" : ", ") + e.meta.label;
      if (error)
        *error = "kernel '" + value + "' is neither a cache label nor a file (cached: " +
                 (known.empty() ? std::string("none; ") + no_kernel_hint() : known) + ")";
      return {};
    }
  }
  std::error_code ec;
  const fs::path p(value);
  // A cache entry directory given by path.
  if (fs::is_directory(p, ec) && fs::exists(p / "metadata.json", ec)) {
    if (auto meta = read_kernel_metadata(p / "metadata.json", error)) {
      meta->label = fs::absolute(p, ec).lexically_normal().filename().string();
      return checked_kernel_info(KernelEntry{fs::absolute(p, ec), *meta}, error);
    }
    return {};
  }
  return describe_user_kernel(p, error);
}

KernelResolution resolve_kernels(const std::vector<std::string>& cli, const char* env,
                                 const std::vector<std::string>& project,
                                 const fs::path& project_dir, const fs::path& cache_root) {
  KernelResolution r;
  std::vector<std::string> values;
  if (!cli.empty()) {
    r.origin = "--kernel";
    for (const auto& v : cli)
      for (const auto& item : split_list(v)) values.push_back(item);
  } else if (env && *env) {
    r.origin = "KTSTR_KERNEL";
    values = split_list(env);
  } else if (!project.empty()) {
    r.origin = "ktstr.toml";
    for (const auto& v : project) {
      // A project value with a '/' is a path relative to ktstr.toml.
      if (v.find('/') != std::string::npos && fs::path(v).is_relative() && !project_dir.empty())
        values.push_back((project_dir / v).string());
      else
        values.push_back(v);
    }
  }
  if (values.empty()) {
    r.origin = "cache default";
    const auto entries = list_kernels(cache_root);
    const auto def = default_kernel(entries);
    if (!def) {
      r.error = "no kernel in the cache (" + cache_root.string() + "): " + no_kernel_hint();
      return r;
    }
    std::string error;
    KernelInfo info = checked_kernel_info(*def, &error);
    if (!error.empty()) {
      r.error = error;
      return r;
    }
    r.kernels.push_back(std::move(info));
    return r;
  }
  std::set<std::string> seen;
  for (const auto& v : values) {
    std::string error;
    KernelInfo info = resolve_kernel(v, &error, cache_root);
    if (!error.empty()) {
      r.error = (r.origin == "--kernel" ? "" : r.origin + ": ") + error;
      r.kernels.clear();
      return r;
    }
    // The same kernel twice would only duplicate every test.
    if (seen.insert(fs::weakly_canonical(info.image).string()).second)
      r.kernels.push_back(std::move(info));
  }
  return r;
}

std::vector<std::string> kernel_dimension_names(const std::vector<KernelInfo>& kernels) {
  std::vector<std::string> names;
  for (const auto& k : kernels) {
    std::string v =
        k.version.empty() ? sanitize(fs::path(k.label).filename().string()) : sanitize(k.version);
    names.push_back("kernel_" + v + (k.sched_ext ? "_scx" : ""));
  }
  // Disambiguate collisions with the label's last dash-separated part (a build
  // key for built kernels), then with an index.
  for (size_t i = 0; i < names.size(); ++i) {
    const bool dup = std::count(names.begin(), names.end(), names[i]) > 1;
    if (!dup) continue;
    const std::string base = names[i];
    for (size_t j = i; j < names.size(); ++j) {
      if (names[j] != base) continue;
      const std::string& label = kernels[j].label;
      const auto dash = label.rfind('-');
      names[j] = base + "_" + sanitize(dash == std::string::npos ? label : label.substr(dash + 1));
    }
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (std::count(names.begin(), names.end(), names[i]) > 1) names[i] += "_" + std::to_string(i);
  return names;
}

}  // namespace ktstr
