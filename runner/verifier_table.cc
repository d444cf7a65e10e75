#include "runner/verifier_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "eval/guest_text.h"

namespace ktstr {

namespace {

// The longest program name shown; a longer one (guest text) is cut.
constexpr size_t kMaxNameColumn = 64;
// The problems of one sidecar shown before "... and N more".
constexpr size_t kMaxProblemsShown = 5;

std::string cell_name(const std::string& guest) {
  std::string s = escape_guest_line(guest);
  if (s.size() > kMaxNameColumn) s = s.substr(0, kMaxNameColumn - 3) + "...";
  return s;
}

std::string profile_cell(const std::string& profile) {
  return profile.empty() ? "-" : cell_name(profile);
}

double pct_of_limit(std::uint64_t insns) {
  return 100.0 * static_cast<double>(insns) / static_cast<double>(kVerifierInsnLimit);
}

std::string change_cell(std::uint64_t now, std::uint64_t was) {
  if (now == was) return "=";
  const double rel = was == 0 ? 0 : 100.0 * (static_cast<double>(now) - was) / was;
  const std::string abs = now > was ? fmt::format("+{}", now - was) : fmt::format("-{}", was - now);
  return was == 0 ? abs : fmt::format("{} ({:+.1f}%)", abs, rel);
}

// What the program column says for a load with no program row.
std::string no_programs_cell(const VerifierLoad& l) {
  if (!l.attached) return "(did not load)";
  if (!l.programs_recorded) return "(no counts: the agent recorded none)";
  return "(no struct_ops programs recorded)";
}

// The first line of `text`, escaped.
std::string first_line(const std::string& text) {
  return escape_guest_line(text.substr(0, text.find('\n')));
}

}  // namespace

VerifierBaseline make_verifier_baseline(const std::vector<VerifierLoad>& loads,
                                        std::string run_id) {
  VerifierBaseline b;
  b.run_id = std::move(run_id);
  for (const auto& l : loads)
    for (const auto& p : l.programs)
      if (p.verified_insns) b.counts[{l.scheduler, l.profile, p.name}] = *p.verified_insns;
  return b;
}

VerifierReport format_verifier_report(const std::vector<VerifierLoad>& loads,
                                      const VerifierBaseline* baseline) {
  VerifierReport report;
  using Row = std::vector<std::string>;
  std::vector<Row> rows;
  Row header = {"scheduler", "profile", "program", "verified insns", "% of 1M limit"};
  if (baseline) {
    header.push_back("baseline");
    header.push_back("change");
  }
  std::vector<std::string> warnings;
  int programs = 0;
  int grew = 0;
  int shrank = 0;
  for (const auto& l : loads) {
    std::set<std::string> seen;
    for (const auto& p : l.programs) {
      ++programs;
      seen.insert(p.name);
      Row r = {cell_name(l.scheduler), profile_cell(l.profile), cell_name(p.name), "?", "?"};
      if (p.verified_insns) {
        const double pct = pct_of_limit(*p.verified_insns);
        r[3] = fmt::format("{}", *p.verified_insns);
        r[4] = fmt::format("{:.1f}%", pct);
        if (pct >= kVerifierWarnPct) {
          ++report.near_limit;
          warnings.push_back(fmt::format(
              "ktstr-run: warning: {}{}, program {}: {} verified instructions are {:.1f}% of the "
              "verifier's limit of {} (BPF_COMPLEXITY_LIMIT_INSNS); the warning starts at "
              "{:.0f}%\n",
              cell_name(l.scheduler),
              l.profile.empty() ? "" : " (profile " + cell_name(l.profile) + ")", cell_name(p.name),
              *p.verified_insns, pct, kVerifierInsnLimit, kVerifierWarnPct));
        }
      }
      if (baseline) {
        auto it = baseline->counts.find({l.scheduler, l.profile, p.name});
        if (it == baseline->counts.end()) {
          r.push_back("-");
          r.push_back("new");
        } else {
          r.push_back(fmt::format("{}", it->second));
          r.push_back(p.verified_insns ? change_cell(*p.verified_insns, it->second) : "?");
          if (p.verified_insns && *p.verified_insns > it->second) ++grew;
          if (p.verified_insns && *p.verified_insns < it->second) ++shrank;
        }
      }
      rows.push_back(std::move(r));
    }
    if (l.programs.empty()) {
      Row r = {cell_name(l.scheduler), profile_cell(l.profile), no_programs_cell(l), "-", "-"};
      if (baseline) r.insert(r.end(), {"-", "-"});
      rows.push_back(std::move(r));
    }
    // Programs the baseline had and this load does not (only when this load
    // recorded counts: a failed load is reported as failed, not as "gone").
    if (baseline && l.programs_recorded)
      for (const auto& [key, was] : baseline->counts)
        if (std::get<0>(key) == l.scheduler && std::get<1>(key) == l.profile &&
            !seen.count(std::get<2>(key)))
          rows.push_back({cell_name(l.scheduler), profile_cell(l.profile),
                          cell_name(std::get<2>(key)), "-", "-", fmt::format("{}", was), "gone"});
  }

  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const Row& r) {
    std::string s;
    for (size_t c = 0; c < r.size(); ++c) {
      // Names left-aligned, numbers right-aligned.
      const bool left = c < 3 || (baseline && c == r.size() - 1);
      s += left ? fmt::format("{:<{}}", r[c], width[c]) : fmt::format("{:>{}}", r[c], width[c]);
      s += c + 1 < r.size() ? "  " : "";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string& out = report.text;
  out +=
      "\nverifier: struct_ops programs, verified instructions (the verifier's limit is 1M "
      "per program)";
  out += baseline ? fmt::format("; baseline: run {}\n", baseline->run_id) : "\n";
  out += line(header);
  for (const auto& r : rows) out += line(r);
  for (const auto& w : warnings) out += w;

  for (const auto& l : loads) {
    std::vector<std::string> problems = l.problems;
    for (size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i)
      out += fmt::format("ktstr-run: note: {}: result.json: {}\n", escape_guest_line(l.instance),
                         problems[i]);
    if (problems.size() > kMaxProblemsShown)
      out += fmt::format("ktstr-run: note: {}: result.json: ... and {} more\n",
                         escape_guest_line(l.instance), problems.size() - kMaxProblemsShown);
  }
  for (const auto& l : loads) {
    if (!l.failed()) continue;
    ++report.failed_loads;
    // One line of why (the agent's exit reason, else the verdict's first
    // reason); the run's FAIL block above has the verdict in full.
    std::string why = l.exit_reason;
    for (size_t i = 0; why.empty() && i < l.reasons.size(); ++i) why = l.reasons[i];
    out += fmt::format("\nload failed: {} ({}; {})\n", escape_guest_line(l.instance),
                       escape_guest_line(l.status),
                       l.attached ? "it attached, then failed" : "it did not attach");
    if (!why.empty()) out += "    " + first_line(why) + "\n";
    if (l.output_tail.empty()) {
      out += "    the scheduler printed nothing\n";
    } else {
      out += "    its log, the scheduler's output (the tail, repeated lines collapsed):\n";
      std::string block = quote_guest_block(l.output_tail);
      size_t start = 0;
      while (start < block.size()) {
        const size_t end = block.find('\n', start);
        out += "    " + block.substr(start, end == std::string::npos ? end : end - start) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
  }
  out += fmt::format(
      "\nverifier: {} load{}, {} failed; {} program{}, {} at or above {:.0f}% of "
      "the limit",
      loads.size(), loads.size() == 1 ? "" : "s", report.failed_loads, programs,
      programs == 1 ? "" : "s", report.near_limit, kVerifierWarnPct);
  if (baseline) out += fmt::format("; {} grew, {} shrank since the baseline", grew, shrank);
  out += "\n";
  return report;
}

}  // namespace ktstr
