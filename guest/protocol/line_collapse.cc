#include "guest/protocol/line_collapse.h"

#include <sstream>

namespace ktstr {

namespace {

/// How many times lines[i, i+len) occurs back to back from i.
std::size_t repeats(const std::vector<std::string>& lines, std::size_t i, std::size_t len) {
  std::size_t k = 1;
  while (i + (k + 1) * len <= lines.size()) {
    bool same = true;
    for (std::size_t j = 0; j < len && same; ++j) same = lines[i + j] == lines[i + k * len + j];
    if (!same) break;
    ++k;
  }
  return k;
}

}  // namespace

std::vector<CollapsedRun> collapse_runs(const std::vector<std::string>& lines,
                                        std::size_t max_block) {
  std::vector<CollapsedRun> runs;
  std::size_t i = 0;
  while (i < lines.size()) {
    std::size_t best_len = 1, best_k = repeats(lines, i, 1);
    // A block must cover more lines than the line run at i to win.
    for (std::size_t len = 2; len <= max_block && i + 2 * len <= lines.size(); ++len) {
      std::size_t k = repeats(lines, i, len);
      if (k >= 2 && k * len > best_k * best_len) {
        best_len = len;
        best_k = k;
      }
    }
    CollapsedRun r;
    if (best_len == 1) {
      r.lines = {lines[i]};
    } else {
      // The block itself may hold line runs ("a a b" repeated): keep it verbatim.
      r.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(i),
                     lines.begin() + static_cast<std::ptrdiff_t>(i + best_len));
    }
    r.count = best_k;
    runs.push_back(std::move(r));
    i += best_len * best_k;
  }
  return runs;
}

std::vector<std::string> render_runs(const std::vector<CollapsedRun>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) {
    if (r.lines.size() == 1) {
      out.push_back(r.count > 1 ? r.lines[0] + "  [repeated " + std::to_string(r.count) + " times]"
                                : r.lines[0]);
      continue;
    }
    out.insert(out.end(), r.lines.begin(), r.lines.end());
    out.push_back("[" + std::to_string(r.lines.size()) + " lines repeated " +
                  std::to_string(r.count) + " times]");
  }
  return out;
}

std::vector<std::string> collapse_lines(const std::string& text, std::size_t max_block) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return render_runs(collapse_runs(lines, max_block));
}

}  // namespace ktstr
