#include "eval/failure_dump.h"

#include <fmt/format.h>

#include <vector>

#include "eval/guest_text.h"

namespace ktstr {

namespace {

using json = nlohmann::json;

const json* field(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string str(const json& j, const char* key) {
  const json* f = field(j, key);
  return f && f->is_string() ? f->get<std::string>() : "";
}

/// A non-negative count, or -1 when absent or not a number.
long long count(const json& j, const char* key) {
  const json* f = field(j, key);
  if (!f || !f->is_number()) return -1;
  const double d = f->get<double>();
  return d >= 0 && d < 1e15 ? static_cast<long long>(d) : -1;
}

std::string cut(std::string_view s, std::size_t bytes) {
  if (s.size() <= bytes) return std::string(s);
  return std::string(s.substr(0, bytes)) +
         "\xe2\x80\xa6";  // escape_guest_line repairs a split char
}

/// Up to `max` lines of `text` (each cut), then "[... N more lines]".
std::vector<std::string> first_lines(std::string_view text, std::size_t max, std::size_t bytes) {
  std::vector<std::string> out;
  std::size_t more = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (out.size() < max)
      out.push_back(cut(line, bytes));
    else
      ++more;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (more) out.push_back(fmt::format("[... {} more lines]", more));
  return out;
}

void add_block(std::string& out, const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& l : lines) joined += l + "\n";
  if (!joined.empty()) out += quote_guest_block(joined) + "\n";
}

std::string plural(long long n, const char* one) {
  return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s");
}

}  // namespace

std::string format_failure_dump(const json& scheduler, const FailureDumpStyle& style) {
  const json* bpf = field(scheduler, "bpf");
  const json* maps = bpf ? field(*bpf, "maps") : nullptr;
  const json* programs = bpf ? field(*bpf, "programs") : nullptr;
  const json* sysrq = field(scheduler, "sysrq_dump");
  const bool have_maps = maps && maps->is_array();
  const bool have_sysrq = sysrq && sysrq->is_object();
  if (!have_maps && !have_sysrq) return "";
  std::string out;
  const std::string at = bpf ? str(*bpf, "captured_at") : "";
  out += fmt::format(
      "failure dump (captured at {}; {}, {}):\n", at.empty() ? "?" : cut(escape_guest_line(at), 16),
      plural(have_maps ? static_cast<long long>(maps->size()) : 0, "map"),
      plural(programs && programs->is_array() ? static_cast<long long>(programs->size()) : 0,
             "struct_ops program"));
  if (bpf && !str(*bpf, "error").empty())
    out += "bpf introspection failed: " + escape_guest_line(cut(str(*bpf, "error"), 200)) + "\n";
  if (have_maps) {
    std::size_t shown = 0;
    for (const json& m : *maps) {
      if (shown++ == style.max_maps) {
        out += fmt::format("[... {} more maps in result.json]\n", maps->size() - style.max_maps);
        break;
      }
      const long long entries = count(m, "entries");
      const std::string type = str(m, "type");
      const json* trunc = field(m, "truncated");
      out += fmt::format("map {} ({}, {}{}):\n", escape_guest_line(cut(str(m, "name"), 64)),
                         type.empty() ? "?" : escape_guest_line(cut(type, 32)),
                         entries < 0    ? std::string("? entries")
                         : entries == 1 ? std::string("1 entry")
                                        : fmt::format("{} entries", entries),
                         trunc && trunc->is_boolean() && trunc->get<bool>() ? ", truncated" : "");
      add_block(out, first_lines(str(m, "values"), style.lines_per_map, style.line_bytes));
    }
  }
  if (have_sysrq) {
    const std::string status = str(*sysrq, "status");
    const json* lines = field(*sysrq, "lines");
    if (status == "captured" && lines && lines->is_array()) {
      std::string text;
      for (const json& l : *lines)
        if (l.is_string()) text += l.get<std::string>() + "\n";
      const json* trunc = field(*sysrq, "truncated");
      out += fmt::format("SysRq-D (sched_ext state): {}{}\n", plural(lines->size(), "line"),
                         trunc && trunc->is_boolean() && trunc->get<bool>() ? ", truncated" : "");
      add_block(out, first_lines(text, style.sysrq_lines, style.line_bytes));
    } else {
      out += "SysRq-D: not taken (" + (status.empty() ? "?" : escape_guest_line(cut(status, 120))) +
             ")\n";
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace ktstr
