#include "runner/merge_command.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "runner/exit_codes.h"
#include "store/run_merge.h"
#include "store/run_store.h"

namespace ktstr {

namespace fs = std::filesystem;

int run_merge(const MergeOptions& options, const std::vector<std::string>& argv, std::ostream& out,
              std::ostream& err) {
  std::vector<fs::path> dirs;
  for (const std::string& r : options.runs) {
    std::string error;
    const auto dir = resolve_run("ktstr-runs", r, &error);
    if (!dir) {
      err << "ktstr-run: error: merge: " << error << "\n";
      return kExitInfra;
    }
    dirs.push_back(*dir);
  }
  MergeError error;
  const auto merged = merge_runs(dirs, options.out, argv, &error);
  if (!merged) {
    err << "ktstr-run: error: merge: " << error.message << "\n";
    return error.kind == MergeError::Kind::kConflict ? kExitUsage : kExitInfra;
  }
  for (const std::string& n : merged->notes) err << "ktstr-run: note: merge: " << n << "\n";
  out << fmt::format("ktstr-run: merged {} run{} ({} test{}) into {}\n", merged->runs,
                     merged->runs == 1 ? "" : "s", merged->tests, merged->tests == 1 ? "" : "s",
                     merged->dir.string());
  return merged->fails ? kExitTestFailed : kExitOk;
}

void add_merge_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<MergeOptions>();
  auto* merge = app.add_subcommand(
      "merge", "Join the run directories of a partitioned suite into one run directory");
  merge->add_option("runs", opts->runs, "Run directories (or run ids under ktstr-runs)")
      ->required();
  merge->add_option("--out", opts->out,
                    "The merged run directory (new or empty; default: a new one beside the "
                    "first run)");
  merge->callback([opts, &exit_code] {
    std::vector<std::string> argv = {"ktstr-run", "merge"};
    argv.insert(argv.end(), opts->runs.begin(), opts->runs.end());
    if (!opts->out.empty()) argv.insert(argv.end(), {"--out", opts->out});
    exit_code = run_merge(*opts, argv, std::cout, std::cerr);
  });
}

}  // namespace ktstr
