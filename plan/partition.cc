// --partition KIND:K/N, parsed strictly: every part is checked and the error
// says which rule the text breaks and how to write it.
#include <fmt/format.h>

#include <charconv>
#include <string_view>

#include "plan/plan.h"
#include "runner/edit_distance.h"

namespace ktstr {

namespace {

constexpr const char* kForm = "use hash:K/N or count:K/N, e.g. hash:1/3";

bool parse_int(std::string_view s, int* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string Partition::str() const {
  return fmt::format("{}:{}/{}", kind == Kind::kHash ? "hash" : "count", index, count);
}

std::optional<Partition> parse_partition(const std::string& text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Partition> {
    if (error) *error = "--partition: " + std::move(message);
    return std::nullopt;
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    return fail(fmt::format("expected KIND:K/N, got '{}'; {}", text, kForm));
  const std::string kind = text.substr(0, colon);
  Partition p;
  if (kind == "hash") {
    p.kind = Partition::Kind::kHash;
  } else if (kind == "count") {
    p.kind = Partition::Kind::kCount;
  } else {
    return fail(fmt::format("unknown kind '{}' in '{}'{}; {}", kind, text,
                            did_you_mean(kind, {"hash", "count"}), kForm));
  }
  const std::string_view rest = std::string_view(text).substr(colon + 1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos)
    return fail(fmt::format("expected K/N after '{}:', got '{}'; {}", kind, rest, kForm));
  if (!parse_int(rest.substr(0, slash), &p.index) || !parse_int(rest.substr(slash + 1), &p.count))
    return fail(fmt::format("K and N must be whole numbers (got '{}'); {}", rest, kForm));
  if (p.count < 1) return fail(fmt::format("N must be at least 1 (got {}/{})", p.index, p.count));
  if (p.index < 1 || p.index > p.count)
    return fail(fmt::format("K must be between 1 and N (got {}/{})", p.index, p.count));
  return p;
}

}  // namespace ktstr
