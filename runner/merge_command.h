// `ktstr-run merge RUN... [--out DIR]`: the run directories of a partitioned
// suite joined into one (store/run_merge.h), for a CI matrix's final job.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace ktstr {

/// Options of `merge`.
struct MergeOptions {
  std::vector<std::string> runs;  ///< run directories (or run ids under ktstr-runs)
  std::string out;                ///< --out DIR; "" = a new run directory beside the first run
};

/// Merges and prints where to. Returns 0, 1 when a merged test failed (as
/// the run of the whole suite would), 2 for a conflict or a bad --out, 3
/// when a run cannot be read or the directory cannot be written.
int run_merge(const MergeOptions& options, const std::vector<std::string>& argv, std::ostream& out,
              std::ostream& err);

/// Registers `merge` on `app`.
void add_merge_command(CLI::App& app, int& exit_code);

}  // namespace ktstr
