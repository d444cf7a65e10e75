// `ktstr-run plugins PATH... [--json] [--load] [--plugin-path DIR]...`: lists the
// scenarios each plugin provides (name, file:line, description).
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace ktstr {

/// Registers the `plugins` subcommand on `app`. When it runs, `exit_code` is
/// set to 0 if every plugin was inspected cleanly, else 2 (kExitUsage).
void add_plugins_command(CLI::App& app, int& exit_code);

/// The options of the `plugins` subcommand.
struct PluginsOptions {
  std::vector<std::string> plugins;      ///< names (found on the plugin path) or paths
  std::vector<std::string> plugin_path;  ///< --plugin-path, in order
  bool json = false;
  bool load = false;  ///< --load: dlopen each plugin (runs its code) instead of only reading it
};

/// Runs the subcommand: writes the listing (or errors) to `out`/`err` and
/// returns the exit code. Names resolve against the current directory first.
int run_plugins_command(const PluginsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ktstr
