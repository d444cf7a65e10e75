// Guest output is untrusted bytes: the console, the agent's and the
// scheduler's stdout/stderr, /dev/kmsg. Wherever those bytes become text (a
// std::string that later goes into JSON or onto the host's terminal), they go
// through make_valid_utf8() first, so no later step can meet invalid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace ktstr {

/// The replacement character U+FFFD, UTF-8 encoded.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

/// `bytes` decoded as UTF-8 with every ill-formed sequence replaced by U+FFFD
/// (one per maximal ill-formed subpart, as Unicode and WHATWG recommend):
/// overlong forms, surrogates, code points above U+10FFFF, stray continuation
/// bytes and truncated sequences. Valid input is returned unchanged.
std::string make_valid_utf8(std::string_view bytes);

/// True when `bytes` is well-formed UTF-8 (make_valid_utf8 would not change it).
bool is_valid_utf8(std::string_view bytes);

}  // namespace ktstr
