// Both layouts put data at <root>/share/ktstr (the build mirrors it at
// configure time), so only the agent and the plugins differ. The build layout
// is believed only when <root>/CMakeCache.txt exists: an installed binary in
// /usr/bin must never pick up /usr/guest or /usr/plugins.
#include "runner/install_paths.h"

#include <cstdlib>
#include <system_error>

namespace ktstr {

namespace fs = std::filesystem;

namespace {

fs::path env_path(const EnvLookup& env, const char* name) {
  const char* v = env ? env(name) : nullptr;
  return v && *v ? fs::path(v) : fs::path();
}

// Fills the paths below data_dir (when there is one).
InstallPaths with_data_files(InstallPaths p) {
  if (p.data_dir.empty()) return p;
  std::error_code ec;
  p.data_dir = fs::absolute(p.data_dir, ec).lexically_normal();
  p.schema_dir = p.data_dir / "schema";
  p.kernel_config_fragment = p.data_dir / "kernel" / "ktstr-sched-ext.config";
  return p;
}

}  // namespace

InstallPaths locate_install(const fs::path& exe, const EnvLookup& env) {
  InstallPaths p;
  std::error_code ec;
  p.agent = env_path(env, "KTSTR_AGENT");
  p.data_dir = env_path(env, "KTSTR_DATA_DIR");
  // Without /proc (or a binary path) nothing is relative to anything.
  if (exe.empty()) return with_data_files(p);
  const fs::path bin_dir = fs::absolute(exe, ec).lexically_normal().parent_path();
  p.root = bin_dir.parent_path();
  p.build_tree = fs::is_regular_file(p.root / "CMakeCache.txt", ec);

  if (p.agent.empty()) {
    std::vector<fs::path> candidates = {bin_dir / "ktstr-agent",
                                        p.root / "lib" / "ktstr" / "ktstr-agent"};
    if (p.build_tree) candidates.push_back(p.root / "guest" / "ktstr-agent");
    for (const fs::path& c : candidates)
      if (fs::is_regular_file(c, ec)) {
        p.agent = c;
        break;
      }
  }

  const fs::path installed_plugins = p.root / "lib" / "ktstr" / "plugins";
  if (fs::is_directory(installed_plugins, ec))
    p.plugin_dirs.push_back(installed_plugins);
  else if (p.build_tree && fs::is_directory(p.root / "plugins", ec))
    p.plugin_dirs.push_back(p.root / "plugins");

  if (p.data_dir.empty()) p.data_dir = p.root / "share" / "ktstr";
  return with_data_files(p);
}

InstallPaths install_paths() {
  std::error_code ec;
  return locate_install(fs::read_symlink("/proc/self/exe", ec),
                        [](const char* name) { return std::getenv(name); });
}

}  // namespace ktstr
