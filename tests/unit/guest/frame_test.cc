#include "guest/protocol/frame.h"

#include <gtest/gtest.h>

#include <vector>

namespace ktstr {
namespace {

nlohmann::json payload(const std::string& type, int n = 0) {
  return make_frame_payload(type, 1234, {{"n", n}});
}

std::vector<nlohmann::json> drain(FrameDecoder& d) {
  std::vector<nlohmann::json> out;
  while (auto j = d.next()) out.push_back(std::move(*j));
  return out;
}

/// A header with the given length and CRC, then `body`.
std::string raw_frame(uint32_t length, uint32_t crc, const std::string& body) {
  std::string out(kFrameMagic);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(length >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out + body;
}

std::string raw_frame(const std::string& body) {
  return raw_frame(static_cast<uint32_t>(body.size()), crc32_ieee(body), body);
}

TEST(Crc32, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32_ieee("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32_ieee(""), 0u);
}

TEST(EncodeFrame, HeaderLayout) {
  std::string f = encode_frame(nlohmann::json{{"type", "x"}});
  const std::string body = R"({"type":"x"})";
  ASSERT_EQ(f.size(), kFrameHeaderSize + body.size());
  EXPECT_EQ(f.substr(0, 4), "KTF1");
  EXPECT_EQ(static_cast<unsigned char>(f[4]), body.size());
  EXPECT_EQ(f.substr(5, 3), std::string(3, '\0'));
  EXPECT_EQ(f, raw_frame(body));
}

TEST(EncodeFrame, InvalidUtf8IsReplacedNotThrown) {
  std::string f;
  EXPECT_NO_THROW(f = encode_frame(make_frame_payload("log", 0, {{"text", "bad \xff byte"}})));
  FrameDecoder d;
  d.feed(f);
  auto j = d.next();
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["text"], "bad \xEF\xBF\xBD byte");
}

TEST(MakeFramePayload, SetsEnvelopeFields) {
  auto j = make_frame_payload("phase", 42, {{"name", "ready"}, {"type", "spoofed"}});
  EXPECT_EQ(j["v"], kFrameVersion);
  EXPECT_EQ(j["type"], "phase");
  EXPECT_EQ(j["t_ms"], 42);
  EXPECT_EQ(j["name"], "ready");
  EXPECT_EQ(make_frame_payload("x", 0, 7)["data"], 7);
}

TEST(FrameDecoder, DecodesFramesInOrder) {
  FrameDecoder d;
  d.feed(encode_frame(payload("a", 1)) + encode_frame(payload("b", 2)));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0]["type"], "a");
  EXPECT_EQ(frames[1]["n"], 2);
  EXPECT_EQ(d.frames(), 2u);
  EXPECT_EQ(d.skipped_bytes(), 0u);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, ByteAtATime) {
  std::string stream = encode_frame(payload("a")) + encode_frame(payload("b"));
  FrameDecoder d;
  std::vector<nlohmann::json> frames;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    while (auto j = d.next()) frames.push_back(*j);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(d.skipped_bytes(), 0u);
}

TEST(FrameDecoder, SkipsGarbageBetweenFrames) {
  FrameDecoder d;
  d.feed("noise KTF" + encode_frame(payload("a")) + "KT\x01\x02" + encode_frame(payload("b")));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(d.skipped_bytes(), 9u + 4u);
}

TEST(FrameDecoder, BadCrcIsCountedAndSkipped) {
  std::string bad = encode_frame(payload("bad"));
  bad.back() ^= 0x01;
  FrameDecoder d;
  d.feed(bad + encode_frame(payload("good")));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["type"], "good");
  EXPECT_EQ(d.bad_crc(), 1u);
}

TEST(FrameDecoder, OversizeLengthIsSkippedAtOnce) {
  FrameDecoder d(100);
  d.feed(raw_frame(1000, 0, "") + encode_frame(payload("ok")));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(d.oversize(), 1u);
}

TEST(FrameDecoder, LyingLengthHidesFramesUntilTheyArriveOrFinish) {
  // A garbage header claims 200 bytes; a real frame follows inside them.
  FrameDecoder d;
  d.feed(raw_frame(200, 0, "") + encode_frame(payload("real")));
  EXPECT_TRUE(drain(d).empty());
  d.finish();
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["type"], "real");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, LyingLengthResolvesWhenBytesArrive) {
  FrameDecoder d;
  std::string real = encode_frame(payload("real"));
  d.feed(raw_frame(static_cast<uint32_t>(real.size() + 10), 0, "") + real + std::string(10, 'x'));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(d.bad_crc(), 1u);
}

TEST(FrameDecoder, BadJsonIsCountedAndDropped) {
  FrameDecoder d;
  d.feed(raw_frame("{not json") + raw_frame("[1,2]") + raw_frame(R"({"type": 5})") +
         raw_frame(R"({"v": 1})") + raw_frame("\"str\"") + raw_frame("{\"type\":\"\xff\"}") +
         encode_frame(payload("ok")));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(d.bad_json(), 6u);
  EXPECT_EQ(d.bad_crc(), 0u);
}

TEST(FrameDecoder, DeepNestingIsRejected) {
  std::string deep = R"({"type":"x","a":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
  std::string ok_depth =
      R"({"type":"x","s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})";
  FrameDecoder d;
  d.feed(raw_frame(deep) + raw_frame(ok_depth));
  auto frames = drain(d);
  ASSERT_EQ(frames.size(), 1u);  // brackets inside strings do not count
  EXPECT_EQ(d.bad_json(), 1u);
}

TEST(FrameDecoder, GarbageNeverGrowsTheBuffer) {
  FrameDecoder d(1024);
  std::string garbage(1 << 20, 'z');
  for (int i = 0; i < 8; ++i) {
    d.feed(garbage);  // without draining
    EXPECT_LE(d.buffered(), d.buffer_cap());
  }
  drain(d);
  EXPECT_LE(d.buffered(), kFrameMagic.size() - 1);
  d.feed(encode_frame(payload("after")));
  EXPECT_EQ(drain(d).size(), 1u);
}

TEST(FrameDecoder, PartialMagicAtTheEndIsKept) {
  std::string f = encode_frame(payload("a"));
  FrameDecoder d;
  d.feed("xxx" + f.substr(0, 2));
  EXPECT_FALSE(d.next());
  d.feed(f.substr(2));
  EXPECT_TRUE(d.next());
}

TEST(FrameDecoder, LargestPayloadIsAccepted) {
  FrameDecoder d(4096);
  nlohmann::json p = payload("big");
  p["s"] = std::string(4096 - p.dump().size() - 7, 'a');  // ,"s":"" adds 7 bytes
  std::string f = encode_frame(p);
  ASSERT_EQ(f.size(), kFrameHeaderSize + 4096);
  d.feed(f);
  EXPECT_TRUE(d.next());
  p["s"] = p["s"].get<std::string>() + "a";
  d.feed(encode_frame(p));
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.oversize(), 1u);
}

}  // namespace
}  // namespace ktstr
