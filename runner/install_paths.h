// Where ktstr-run finds the files it needs besides itself (the guest agent,
// its own plugins, the data under share/ktstr), relative to its own binary so
// that a tree installed anywhere, or a build tree, works without any path
// baked in at build time. Two layouts, told apart by what is on disk:
//
//   installed  P/bin/ktstr-run        P/lib/ktstr/ktstr-agent
//              P/lib/ktstr/plugins/   P/share/ktstr/{schema,kernel,examples}/
//   build      B/runner/ktstr-run     B/guest/ktstr-agent (B/CMakeCache.txt)
//              B/plugins/             B/share/ktstr/{schema,kernel}/
//
// Environment overrides: KTSTR_AGENT (the agent binary), KTSTR_DATA_DIR (the
// share/ktstr directory). KTSTR_PLUGIN_PATH is searched before these plugin
// dirs (runner/plugin_loader.h).
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

namespace ktstr {

/// The files found for one ktstr-run binary (absolute, except overrides given relative).
struct InstallPaths {
  std::filesystem::path root;                      ///< P or B: the binary's directory's parent
  bool build_tree = false;                         ///< B/CMakeCache.txt exists: the build layout
  std::filesystem::path agent;                     ///< the guest agent; "" when none exists
  std::filesystem::path data_dir;                  ///< share/ktstr (may not exist)
  std::vector<std::filesystem::path> plugin_dirs;  ///< the program's own plugins, if any
  std::filesystem::path schema_dir;                ///< data_dir/schema: the JSON Schemas
  std::filesystem::path kernel_config_fragment;    ///< data_dir/kernel/ktstr-sched-ext.config
};

/// Reads an environment variable; null when unset (std::getenv's contract).
using EnvLookup = std::function<const char*(const char*)>;

/// The install paths of a binary at `exe`, with `env`'s overrides applied
/// (an empty value counts as unset). Looks at the file system, never at the
/// build that produced the binary.
InstallPaths locate_install(const std::filesystem::path& exe, const EnvLookup& env);

/// locate_install() for the running binary (/proc/self/exe) and the process
/// environment as they are now (a few stat calls: callers need not cache it).
InstallPaths install_paths();

}  // namespace ktstr
