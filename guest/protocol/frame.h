// The framed channel between the guest agent and the host (virtio-serial port
// "ktstr.0", or /dev/ttyS1 as a fallback). docs/protocol.md is the reference.
//
// A frame is a 12-byte header followed by the payload:
//
//   offset 0  magic   "KTF1" (4 bytes)
//   offset 4  length  u32 little-endian, payload bytes (at most the decoder's cap)
//   offset 8  crc     u32 little-endian, CRC-32 (IEEE 802.3, as zlib) of the payload
//   offset 12 payload UTF-8 JSON object: {"v": 1, "type": "...", "t_ms": ..., ...}
//
// t_ms is the guest's CLOCK_BOOTTIME in milliseconds. Frame types the agent sends:
//
//   "booted"  {topology: ObservedTopology, kernel_release, sched_ext, uptime_ms,
//              agent_version, protocol: kGuestProtocolVersion}   always first
//   "log"     {level: "debug"|"info"|"warn"|"error", text}
//   "phase"   {name}       a step of the agent's flow began ("mounts", "ready",
//                          "sysctls", "scheduler", "scenario", "teardown")
//   "result"  {verdict: "pass"|"fail"|"error", details: [string], data: object}
//   "error"   {text}       the agent could not do its job (bad test.json, ...)
//   "done"    {}           always last; the agent powers off next
//
// The scenario engine may add its own types through ScenarioHost::emit()
// ("telemetry", "snapshot", ...). Everything the host decodes is untrusted:
// FrameDecoder never throws, caps sizes and resynchronises on the magic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ktstr {

/// Version of the frame payloads ("v" in every payload).
inline constexpr int kFrameVersion = 1;
/// The four bytes that start every frame.
inline constexpr std::string_view kFrameMagic = "KTF1";
/// Bytes before the payload: magic, length, CRC.
inline constexpr size_t kFrameHeaderSize = 12;
/// Deepest JSON nesting the decoder accepts (deeper payloads count as bad_json).
inline constexpr int kFrameMaxJsonDepth = 64;

/// CRC-32 (IEEE, reflected polynomial 0xEDB88320), the one zlib computes.
uint32_t crc32_ieee(std::string_view data);

/// Encodes one frame. Invalid UTF-8 in strings is replaced (U+FFFD), so this
/// never throws for any payload.
std::string encode_frame(const nlohmann::json& payload);

/// {"v": kFrameVersion, "type": type, "t_ms": t_ms} merged with `fields` (an
/// object; other values go under "data").
nlohmann::json make_frame_payload(std::string_view type, uint64_t t_ms,
                                  nlohmann::json fields = nlohmann::json::object());

/// Incremental decoder for a byte stream of frames, robust to garbage.
///
/// Bytes before a magic are skipped; a header whose length exceeds
/// `max_payload` or whose CRC does not match is skipped and the decoder
/// resynchronises on the next magic; a payload that is not a JSON object with a
/// string "type" (or nests deeper than kFrameMaxJsonDepth) is counted and
/// dropped, and its bytes are rescanned like garbage. The buffer never holds more than buffer_cap()
/// bytes: feeding more without draining next() drops the oldest bytes (counted as skipped).
class FrameDecoder {
 public:
  /// `max_payload`: largest accepted payload, in bytes.
  explicit FrameDecoder(size_t max_payload = 1 << 20);

  /// Appends bytes read from the channel.
  void feed(std::string_view bytes);
  /// The next complete, valid payload, or nullopt when more bytes are needed.
  std::optional<nlohmann::json> next();
  /// Declares the end of the stream: next() then gives up on an incomplete
  /// frame (a header whose length lied) and rescans the bytes after it.
  void finish();

  /// Frames whose CRC did not match.
  size_t bad_crc() const { return bad_crc_; }
  /// Headers whose length exceeded max_payload.
  size_t oversize() const { return oversize_; }
  /// Frames with a valid CRC whose payload was not an acceptable JSON object.
  size_t bad_json() const { return bad_json_; }
  /// Bytes discarded while looking for a frame (garbage, skipped headers).
  size_t skipped_bytes() const { return skipped_bytes_; }
  /// Valid payloads returned so far.
  size_t frames() const { return frames_; }
  /// Bytes currently buffered (never more than buffer_cap()).
  size_t buffered() const { return buf_.size() - pos_; }
  /// Upper bound of buffered().
  size_t buffer_cap() const { return cap_; }
  /// True once finish() was called.
  bool finished() const { return finished_; }

 private:
  void append(std::string_view bytes);
  void skip(size_t n);
  void compact();

  size_t max_payload_;
  size_t cap_;
  std::string buf_;
  size_t pos_ = 0;  ///< first unconsumed byte of buf_
  bool finished_ = false;
  size_t bad_crc_ = 0;
  size_t oversize_ = 0;
  size_t bad_json_ = 0;
  size_t skipped_bytes_ = 0;
  size_t frames_ = 0;
};

}  // namespace ktstr
