// `ktstr-run check`, `list` and `explain`: the spec layer from the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

#include "runner/spec_pipeline.h"

namespace ktstr {

/// Registers check, list and explain on `app`; the chosen one sets `exit_code`.
void add_spec_commands(CLI::App& app, int& exit_code);

/// `check`: 0 when every spec is valid, else prints every problem and returns 2.
int run_check(const SpecOptions& options, bool json, std::ostream& out);
/// `list`: one full test name per line; `verbose` adds descriptions; or JSON.
int run_list(const SpecOptions& options, bool json, std::ostream& out, bool verbose = false,
             bool gauntlet = false);
/// `explain TEST`: every merged value with its origin.
int run_explain(const SpecOptions& options, const std::string& test, bool json, std::ostream& out);

}  // namespace ktstr
