// Frame encoding and the resynchronising decoder.
//
// The decoder keeps unconsumed bytes in one string with a read offset (pos_),
// compacting when the consumed prefix dominates. next() looks for the magic,
// waits for a complete header and payload, checks the length cap and the CRC,
// and parses the payload without exceptions. A rejected header is skipped by
// its 4 magic bytes only: a garbage "KTF1" may hide real frames inside the
// bytes its length claims, and rescanning from just after it finds them. The
// same holds for a payload whose CRC matches but which is not a JSON object. Every
// loop iteration consumes at least one byte or returns, so next() cannot hang.
#include "guest/protocol/frame.h"

#include <algorithm>
#include <array>

namespace ktstr {

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

/// Largest payload a decoder may be configured for (keeps the cap arithmetic safe).
constexpr size_t kMaxConfigurablePayload = size_t{1} << 30;

void put_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t get_le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

/// True when brackets and braces outside strings never nest deeper than the cap.
/// Runs before the parser so hostile nesting cannot cost deep recursion later
/// (dump(), from_json and user code walk values recursively).
bool nesting_within_cap(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kFrameMaxJsonDepth) return false;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return true;
}

std::optional<nlohmann::json> parse_payload(std::string_view text) {
  if (!nesting_within_cap(text)) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    auto type = j.find("type");
    if (type == j.end() || !type->is_string()) return std::nullopt;
    return j;
  } catch (...) {
    // Only allocation failure can get here; a frame we cannot hold is a bad frame.
    return std::nullopt;
  }
}

}  // namespace

uint32_t crc32_ieee(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = kCrcTable[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string encode_frame(const nlohmann::json& payload) {
  std::string body = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(kFrameHeaderSize + body.size());
  out.append(kFrameMagic);
  put_le32(out, static_cast<uint32_t>(body.size()));
  put_le32(out, crc32_ieee(body));
  out += body;
  return out;
}

nlohmann::json make_frame_payload(std::string_view type, uint64_t t_ms, nlohmann::json fields) {
  nlohmann::json j = nlohmann::json::object();
  if (fields.is_object()) {
    j = std::move(fields);
  } else if (!fields.is_null()) {
    j["data"] = std::move(fields);
  }
  j["v"] = kFrameVersion;
  j["type"] = std::string(type);
  j["t_ms"] = t_ms;
  return j;
}

FrameDecoder::FrameDecoder(size_t max_payload)
    : max_payload_(std::min(max_payload, kMaxConfigurablePayload)),
      cap_(std::max<size_t>(2 * (max_payload_ + kFrameHeaderSize), 64 * 1024)) {}

void FrameDecoder::feed(std::string_view bytes) {
  // Append in slices so one huge call cannot grow the buffer past cap_ + cap_/2.
  const size_t slice = cap_ / 2;
  while (!bytes.empty()) {
    size_t n = std::min(slice, bytes.size());
    append(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
}

void FrameDecoder::append(std::string_view bytes) {
  compact();
  buf_.append(bytes);
  if (buffered() > cap_) skip(buffered() - cap_);
  compact();
}

void FrameDecoder::finish() { finished_ = true; }

void FrameDecoder::skip(size_t n) {
  n = std::min(n, buffered());
  pos_ += n;
  skipped_bytes_ += n;
}

void FrameDecoder::compact() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  // Give memory back after a burst (a long partial frame, a flood of garbage).
  if (buf_.capacity() > 2 * cap_ && buf_.size() < cap_ / 4) buf_.shrink_to_fit();
}

std::optional<nlohmann::json> FrameDecoder::next() {
  for (;;) {
    std::string_view view(buf_.data() + pos_, buffered());
    size_t magic = view.find(kFrameMagic);
    if (magic == std::string_view::npos) {
      // Keep a tail that may be the first bytes of a magic still arriving.
      size_t keep = finished_ ? 0 : std::min(view.size(), kFrameMagic.size() - 1);
      skip(view.size() - keep);
      compact();
      return std::nullopt;
    }
    if (magic > 0) {
      skip(magic);
      view.remove_prefix(magic);
    }
    if (view.size() < kFrameHeaderSize) {
      if (finished_) skip(view.size());
      compact();
      return std::nullopt;
    }
    const uint32_t length = get_le32(view.data() + 4);
    const uint32_t crc = get_le32(view.data() + 8);
    if (length > max_payload_) {
      ++oversize_;
      skip(kFrameMagic.size());
      continue;
    }
    if (view.size() < kFrameHeaderSize + length) {
      if (finished_) {
        skip(kFrameMagic.size());
        continue;
      }
      compact();
      return std::nullopt;
    }
    std::string_view payload = view.substr(kFrameHeaderSize, length);
    if (crc32_ieee(payload) != crc) {
      ++bad_crc_;
      skip(kFrameMagic.size());
      continue;
    }
    std::optional<nlohmann::json> j = parse_payload(payload);
    if (!j) {
      // The agent only sends JSON objects: a matching CRC over something else
      // is more likely garbage than a frame, so rescan its bytes like garbage.
      ++bad_json_;
      skip(kFrameMagic.size());
      continue;
    }
    pos_ += kFrameHeaderSize + length;  // a whole frame: consumed, not skipped
    compact();
    ++frames_;
    return j;
  }
}

}  // namespace ktstr
