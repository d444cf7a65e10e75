#include "guest/channel_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fake_sysfs.h"
#include "guest/protocol/frame.h"

namespace ktstr {
namespace {

TEST(ChannelWriter, FindsThePortByName) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "sys/class/virtio-ports/vport1p1/name", "org.qemu.guest\n");
  testing::write_file(dir.path() / "sys/class/virtio-ports/vport2p1/name", "ktstr.0\n");
  EXPECT_EQ(find_virtio_port(dir.path() / "sys", "/dev", "ktstr.0"), "/dev/vport2p1");
  EXPECT_EQ(find_virtio_port(dir.path() / "sys", "/dev", "other"), "");
  EXPECT_EQ(find_virtio_port(dir.path() / "nope", "/dev", "ktstr.0"), "");
}

TEST(ChannelWriter, OpenGuestPrefersTheVirtioPort) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "sys/class/virtio-ports/vport2p1/name", "ktstr.0\n");
  testing::write_file(dir.path() / "dev/vport2p1", "");
  ChannelWriter w;
  EXPECT_EQ(w.open_guest(dir.path(), 0), "");
  EXPECT_EQ(w.description(), "virtio-serial " + (dir.path() / "dev/vport2p1").string());
}

TEST(ChannelWriter, OpenGuestWithoutAnyPortSaysWhy) {
  testing::TempDir dir;
  ChannelWriter w;
  std::string error = w.open_guest(dir.path(), 0);
  EXPECT_NE(error.find("no virtio port named ktstr.0"), std::string::npos) << error;
  EXPECT_NE(error.find("ttyS1"), std::string::npos) << error;
  EXPECT_FALSE(w.is_open());
  EXPECT_FALSE(w.send(make_frame_payload("log", 0)));
}

TEST(ChannelWriter, WritesWholeFramesToAFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "chan";
  {
    ChannelWriter w;
    ASSERT_EQ(w.open_path(path), "");
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(w.send(make_frame_payload("log", i, {{"text", std::string(1000, 'x')}})));
    }
    w.flush();
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  FrameDecoder d;
  d.feed(bytes.str());
  int n = 0;
  while (auto j = d.next()) EXPECT_EQ((*j)["t_ms"], n++);
  EXPECT_EQ(n, 100);
  EXPECT_EQ(d.skipped_bytes(), 0u);
}

}  // namespace
}  // namespace ktstr
