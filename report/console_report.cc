#include "report/console_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "eval/guest_text.h"

namespace ktstr {

namespace {

// Every line of `text`, escaped and indented: no line of it can pass for the runner's.
void append_indented(std::string& out, std::string_view text, std::string_view indent) {
  for (;;) {
    const size_t nl = text.find('\n');
    out += std::string(indent) + escape_guest_line(text.substr(0, nl)) + "\n";
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string one_decimal(double v, const char* unit) { return fmt::format("{:.1f}{}", v, unit); }

}  // namespace

void print_test_verdict(std::ostream& out, const std::string& name, Verdict::Kind kind, double secs,
                        const std::vector<std::string>& reasons, bool show_reasons) {
  std::string text =
      fmt::format("{} {} {:.1f}s\n", Verdict::name(kind), escape_guest_line(name), secs);
  if (show_reasons)
    for (const std::string& reason : reasons) append_indented(text, reason, "    ");
  out << text;
  out.flush();
}

std::string format_cgroup_table(const std::vector<CgroupRow>& rows, int indent) {
  if (rows.empty()) return "";
  constexpr size_t kCols = 8;
  using Row = std::array<std::string, kCols>;
  std::vector<Row> cells;
  cells.push_back(
      {"cgroup", "workers", "cpus", "spread", "worst gap", "migrations", "iterations", "p99 wake"});
  for (const CgroupRow& r : rows) {
    cells.push_back({escape_guest_line(r.cgroup), std::to_string(r.workers),
                     r.cpus.empty() ? "-" : escape_guest_line(r.cpus),
                     r.spread_pct < 0 ? "-" : one_decimal(r.spread_pct, "%"),
                     one_decimal(r.worst_gap_ms, "ms"), std::to_string(r.migrations),
                     std::to_string(r.iterations),
                     r.p99_wake_us < 0 ? "-" : one_decimal(r.p99_wake_us, "us")});
  }
  // Display width: escaped text is ASCII except kept printable UTF-8, whose
  // continuation bytes take no column.
  auto width = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  };
  std::array<size_t, kCols> w{};
  for (const Row& row : cells)
    for (size_t c = 0; c < kCols; ++c) w[c] = std::max(w[c], width(row[c]));
  std::string out;
  for (const Row& row : cells) {
    std::string line(static_cast<size_t>(indent), ' ');
    for (size_t c = 0; c < kCols; ++c) {
      const std::string pad(w[c] - width(row[c]), ' ');
      // Names and CPU lists left-aligned, numbers right-aligned.
      line += c == 0 || c == 2 ? row[c] + pad : pad + row[c];
      if (c + 1 < kCols) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

void print_verdict(std::ostream& out, const std::string& name, const Verdict& v, double secs,
                   const VerdictStyle& style) {
  std::string text =
      fmt::format("{} {} {:.1f}s{}\n", Verdict::name(v.kind), escape_guest_line(name), secs,
                  style.change.empty() ? "" : "  (" + style.change + ")");
  const bool passed = v.kind == Verdict::Kind::kPass;
  if (!passed || style.verbose) {
    for (const std::string& reason : v.reasons) append_indented(text, reason, "    ");
    text += format_cgroup_table(v.table);
  }
  if (!passed && !v.failure_dump.empty()) append_indented(text, v.failure_dump, "    ");
  if (style.verbose) {
    for (const std::string& note : v.notes) append_indented(text, "note: " + note, "    ");
    // Details are quoted blocks already (eval/evaluate.cc); a scenario that
    // did not pass has them among its reasons.
    if (passed)
      for (const std::string& d : v.details) append_indented(text, "detail:\n" + d, "    ");
  }
  out << text;
  out.flush();
}

}  // namespace ktstr
