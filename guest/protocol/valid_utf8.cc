// A UTF-8 validator in the shape of the Unicode standard's table 3-7 (well-
// formed byte sequences): the lead byte fixes the length and the allowed range
// of the second byte (which excludes overlongs, surrogates and code points
// above U+10FFFF); later bytes are 80..BF. An ill-formed sequence is replaced
// by one U+FFFD and decoding resumes at the first byte that did not fit, so
// "maximal subparts" are replaced one each and no valid byte is ever lost.
#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

/// Length of the well-formed sequence at `s[i]`, or 0 when ill-formed; on 0,
/// `*bad` is the length of the maximal ill-formed subpart (at least 1).
size_t sequence_length(std::string_view s, size_t i, size_t* bad) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  *bad = 1;
  if (b0 < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // C0, C1, F5..FF, or a stray continuation byte
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *bad = k;
      return 0;
    }
    const unsigned char b = byte(i + k);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *bad = k;
      return 0;
    }
  }
  return len;
}

}  // namespace

std::string make_valid_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 16);
  size_t i = 0;
  while (i < bytes.size()) {
    size_t bad = 0;
    if (size_t len = sequence_length(bytes, i, &bad)) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out.append(kReplacementChar);
      i += bad;
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t bad = 0;
    size_t len = sequence_length(bytes, i, &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace ktstr
