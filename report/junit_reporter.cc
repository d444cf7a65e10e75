// JUnit XML. Elements and attributes follow the shape every consumer reads
// (Ant's, as extended by Maven Surefire for flaky tests): testsuites >
// testsuite > properties, testcase > failure | skipped, flakyFailure*,
// system-out. Text goes through xml_escape(): made valid UTF-8, markup
// characters as entities, characters XML 1.0 cannot hold (C0 controls but
// tab, newline and CR; U+FFFE, U+FFFF) and the discouraged ones (DEL, C1)
// written as visible "\xNN" / "\u{NNNN}" text, as the console shows them.
// No CDATA, so a "]]>" in guest text is just "]]&gt;".
#include "report/junit_reporter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <map>

#include "guest/protocol/valid_utf8.h"
#include "report/atomic_write.h"

namespace ktstr {

namespace {

// Decodes one code point of valid UTF-8 at `s[i]`, advancing `i`.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  char32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
  i += len;
  return cp;
}

// `text` as XML character data (attribute values too: quotes, and the
// whitespace an attribute would normalise away, become references).
std::string xml_escape(std::string_view raw, bool attribute) {
  const std::string text = make_valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t cp = next_code_point(text, i);
    switch (cp) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\r':
        out += "&#13;";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || cp == 0x7F)
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
      out += fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(cp));
    else
      out.append(text, start, i - start);
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return fmt::format(" {}=\"{}\"", name, xml_escape(value, true));
}

std::string seconds(double s) { return fmt::format("{:.3f}", s < 0 ? 0.0 : s); }

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// The first line of the first reason: what a CI page shows in one line.
std::string message_of(const std::vector<std::string>& reasons, std::string_view fallback) {
  if (reasons.empty()) return std::string(fallback);
  std::string line = reasons[0].substr(0, reasons[0].find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string property(std::string_view indent, std::string_view name, std::string_view value) {
  return fmt::format("{}<property{}{}/>\n", indent, attr("name", name), attr("value", value));
}

// "ktstr" for "ktstr/foo", "gauntlet" for "gauntlet/foo/preset".
std::string classname_of(const std::string& name) {
  const size_t slash = name.find('/');
  return slash == std::string::npos ? "ktstr" : name.substr(0, slash);
}

std::string testcase_xml(const TestOutcome& o) {
  const std::string name = o.instance ? o.instance->display_name() : "?";
  const std::string classname = o.instance ? classname_of(o.instance->name) : "ktstr";
  std::string x = fmt::format("    <testcase{}{}{}>\n", attr("name", name),
                              attr("classname", classname), attr("time", seconds(o.seconds)));
  std::string props;
  if (!o.dir.empty()) props += property("        ", "dir", o.dir);
  if (o.attempts.size() > 1)
    props += property("        ", "attempts", std::to_string(o.attempts.size()));
  if (o.status == TestStatus::kFlaky) props += property("        ", "flaky", "true");
  for (const auto& [k, v] : o.properties) props += property("        ", k, v);
  if (!props.empty()) x += "      <properties>\n" + props + "      </properties>\n";
  const std::vector<std::string>& reasons = o.verdict.reasons;
  switch (o.status) {
    case TestStatus::kFail:
    case TestStatus::kInconclusive:
      x +=
          fmt::format("      <failure{}{}>{}</failure>\n", attr("message", message_of(reasons, "")),
                      attr("type", status_name(o.status)), xml_escape(join(reasons), false));
      break;
    case TestStatus::kSkip:
      x += fmt::format("      <skipped{}/>\n", attr("message", message_of(reasons, "skipped")));
      break;
    case TestStatus::kNotRun:
      x += fmt::format(
          "      <skipped{}/>\n",
          attr("message",
               "not run" + (reasons.empty() ? std::string() : ": " + message_of(reasons, ""))));
      break;
    case TestStatus::kPass:
    case TestStatus::kFlaky:
      break;
  }
  if (o.status == TestStatus::kFlaky) {
    for (size_t i = 0; i + 1 < o.attempts.size(); ++i) {
      const Verdict& v = o.attempts[i].verdict;
      x += fmt::format("      <flakyFailure{}{}>{}</flakyFailure>\n",
                       attr("message", fmt::format("attempt {}/{} ({:.1f}s): {}", i + 1,
                                                   o.attempts.size(), o.attempts[i].seconds,
                                                   message_of(v.reasons, Verdict::name(v.kind)))),
                       attr("type", Verdict::name(v.kind)), xml_escape(join(v.reasons), false));
    }
  }
  std::vector<std::string> out_lines;
  if (o.status == TestStatus::kSkip || o.status == TestStatus::kNotRun) out_lines = reasons;
  for (const std::string& n : o.verdict.notes) out_lines.push_back("note: " + n);
  for (const std::string& d : o.verdict.details) out_lines.push_back("detail:\n" + d);
  if (!out_lines.empty())
    x += "      <system-out>" + xml_escape(join(out_lines), false) + "</system-out>\n";
  return x + "    </testcase>\n";
}

std::string this_host() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

struct Suite {
  std::string name;
  StatusCounts counts;
  double seconds = 0;
  std::string cases;
};

}  // namespace

std::string junit_xml(const RunInfo& info, const RunSummary& summary) {
  // One suite per kernel, in plan order; an instance of no known kernel
  // (host-only runs) goes to the suite "host".
  std::map<size_t, Suite> suites;
  for (const TestOutcome& o : summary.outcomes) {
    size_t k = o.instance ? o.instance->kernel_index : SIZE_MAX;
    if (k >= info.kernels.size()) k = SIZE_MAX;
    Suite& s = suites[k];
    s.name = k == SIZE_MAX ? "host" : info.kernels[k].label;
    s.counts.add(o.status);
    s.seconds += o.seconds;
    s.cases += testcase_xml(o);
  }
  const std::string host = info.hostname.empty() ? this_host() : info.hostname;
  auto counts_attrs = [](const StatusCounts& c) {
    return attr("tests", std::to_string(c.total())) +
           attr("failures", std::to_string(c.fail + c.inconclusive)) + attr("errors", "0") +
           attr("skipped", std::to_string(c.skip + c.not_run));
  };
  const std::string stamp = info.started_at.empty() ? "" : attr("timestamp", info.started_at);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x +=
      fmt::format("<testsuites{}{}{}{}>\n", attr("name", "ktstr-run"), counts_attrs(summary.counts),
                  attr("time", seconds(summary.wall_seconds)), stamp);
  for (const auto& [k, s] : suites) {
    x += fmt::format("  <testsuite{}{}{}{}{}>\n", attr("name", s.name), counts_attrs(s.counts),
                     attr("time", seconds(s.seconds)), stamp, attr("hostname", host));
    x += "    <properties>\n";
    x += property("      ", "run_id", info.run_id);
    if (k != SIZE_MAX) x += property("      ", "kernel", info.kernels[k].label);
    if (!info.accel.empty()) x += property("      ", "accel", info.accel);
    if (info.partition) x += property("      ", "partition", info.partition->str());
    if (info.shuffle_seed)
      x += property("      ", "shuffle_seed", std::to_string(*info.shuffle_seed));
    if (summary.interrupted) x += property("      ", "interrupted", "true");
    x += "    </properties>\n";
    x += s.cases;
    x += "  </testsuite>\n";
  }
  return x + "</testsuites>\n";
}

void JunitReporter::run_started(const RunInfo& info, const Plan& plan) {
  info_ = info;
  if (info_.kernels.empty()) info_.kernels = plan.kernels;
}

void JunitReporter::run_finished(const RunSummary& summary) {
  error_ = write_file_atomically(path_, junit_xml(info_, summary));
}

}  // namespace ktstr
