// Escaping works on code points, after make_valid_utf8(): a C1 control is the
// two bytes C2 80..C2 9F, a bidi override the three bytes E2 80 AA..AE, and
// matching them as decoded code points is simpler than matching bytes.
#include "eval/guest_text.h"

#include <fmt/format.h>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

/// Decodes the code point at `s[i]` of valid UTF-8 and its length.
char32_t decode(std::string_view s, size_t i, size_t* len) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = b(0);
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    *len = 2;
    return (char32_t(b0 & 0x1F) << 6) | (b(1) & 0x3F);
  }
  if (b0 < 0xF0) {
    *len = 3;
    return (char32_t(b0 & 0x0F) << 12) | (char32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  }
  *len = 4;
  return (char32_t(b0 & 0x07) << 18) | (char32_t(b(1) & 0x3F) << 12) |
         (char32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

/// Code points a terminal acts on instead of showing (besides C0 and DEL).
bool is_invisible_control(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) ||                 // C1: CSI, OSC, ... in 8-bit form
         c == 0x2028 || c == 0x2029 ||               // line and paragraph separators
         (c >= 0x202A && c <= 0x202E) ||             // bidi embeddings and overrides
         (c >= 0x2066 && c <= 0x2069) ||             // bidi isolates
         c == 0x200E || c == 0x200F || c == 0x061C;  // bidi marks
}

void append_escaped(std::string& out, std::string_view valid) {
  for (size_t i = 0; i < valid.size();) {
    size_t len = 1;
    const char32_t c = decode(valid, i, &len);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    } else if (is_invisible_control(c)) {
      out += fmt::format("\\u{{{:04x}}}", static_cast<unsigned>(c));
    } else {
      out.append(valid.substr(i, len));
    }
    i += len;
  }
}

}  // namespace

std::string escape_guest_line(std::string_view text) {
  const std::string valid = make_valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  append_escaped(out, valid);
  return out;
}

std::string quote_guest_block(std::string_view text) {
  const std::string valid = make_valid_utf8(text);
  std::string_view rest(valid);
  if (rest.ends_with('\n')) rest.remove_suffix(rest.ends_with("\r\n") ? 2 : 1);
  std::string out;
  out.reserve(rest.size() + 16);
  for (;;) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    // CRLF is a line end; any other CR is escaped like every control character.
    if (nl != std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
    out += "| ";
    append_escaped(out, line);
    if (nl == std::string_view::npos) break;
    out += '\n';
    rest.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace ktstr
