// ktstr-run: parse args -> load specs -> validate -> resolve -> plan -> run VMs
// -> evaluate -> report -> exit code. Each subcommand owns one of these paths.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "runner/exit_codes.h"
#include "runner/kernel_command.h"
#include "runner/merge_command.h"
#include "runner/plugins_command.h"
#include "runner/reeval_command.h"
#include "runner/run_command.h"
#include "runner/spec_commands.h"
#include "runner/stats_command.h"
#include "runner/verifier_command.h"

int main(int argc, char** argv) {
  int exit_code = ktstr::kExitOk;
  CLI::App app{"ktstr-run: test Linux process schedulers in VMs with declared topologies",
               "ktstr-run"};
  app.set_version_flag("--version", KTSTR_VERSION);
  app.require_subcommand(0, 1);
  ktstr::add_spec_commands(app, exit_code);
  ktstr::add_plugins_command(app, exit_code);
  ktstr::add_kernel_command(app, exit_code);
  ktstr::add_run_command(app, exit_code, std::vector<std::string>(argv, argv + argc));
  ktstr::add_reeval_command(app, exit_code);
  ktstr::add_stats_command(app, exit_code);
  ktstr::add_merge_command(app, exit_code);
  ktstr::add_verifier_command(app, exit_code, std::vector<std::string>(argv, argv + argc));
  // `ktstr-run [OPTIONS] PATH...` means `ktstr-run run [OPTIONS] PATH...`.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool help =
      !args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "--version");
  if (!args.empty() && !help) {
    bool known = false;
    for (auto* sub : app.get_subcommands({})) known = known || sub->get_name() == args[0];
    if (!known) args.insert(args.begin(), "run");
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? ktstr::kExitOk : ktstr::kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    std::cerr << app.help();
    return ktstr::kExitUsage;
  }
  // Skip freeing the loaded specs one node at a time (as mold does): VMs and
  // locks were released when their command returned, and freeing large spec
  // sets was a fifth of `check`'s time.
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(exit_code);
}
