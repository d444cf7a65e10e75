// Collapsing repeated output for a human: runs of one identical line, and
// runs of an identical block of lines (a failed load's verifier log repeats
// whole blocks). Shared by the guest (the scheduler's output tail) and the
// host (a verifier log it prints).
//
// The algorithm is greedy from the top: at each position it takes the block
// length L (1..max_block) whose consecutive repetitions cover the most lines,
// keeps one copy and notes the count. A block is kept only when it repeats at
// least twice, so a line that occurs once is never rewritten.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ktstr {

/// One line or block kept once, and how often it occurred in a row.
struct CollapsedRun {
  std::vector<std::string> lines;  ///< the block (one line for a line run)
  std::size_t count = 1;           ///< consecutive occurrences (>= 1)
};

/// `lines` as runs: a repeated line becomes one run of one line, a repeated
/// block of 2..max_block lines one run of that block.
std::vector<CollapsedRun> collapse_runs(const std::vector<std::string>& lines,
                                        std::size_t max_block = 32);

/// The runs as text lines: "line  [repeated N times]" for a line, and for a
/// block its lines followed by "[L lines repeated N times]".
std::vector<std::string> render_runs(const std::vector<CollapsedRun>& runs);

/// `text` split into lines (a trailing "\r" dropped), collapsed, rendered.
std::vector<std::string> collapse_lines(const std::string& text, std::size_t max_block = 32);

}  // namespace ktstr
