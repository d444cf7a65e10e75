#include "vmm/kernel_symbols.h"

#include <gtest/gtest.h>

#include <fstream>

#include "kernel_test_util.h"

namespace ktstr {
namespace {

TEST(KernelSymbols, ParsesTheNamesAskedFor) {
  const char* text =
      "ffffffff81000000 T _text\n"
      "ffffffff81000000 T startup_64\n"
      "ffffffff82000100 D linux_banner\n"
      "ffffffff820cecd8 b scx_watchdog_timeout\n"
      "ffffffff820cece0 d scx_watchdog_timestamp\r\n"
      "ffffffff899999999 b scx_watchdog_timeout\n";  // a second, malformed one: ignored
  auto m = parse_system_map(text, agent_kernel_symbols());
  EXPECT_EQ(m.size(), 4u);
  EXPECT_EQ(m.at("_text"), 0xffffffff81000000ull);
  EXPECT_EQ(m.at("scx_watchdog_timeout"), 0xffffffff820cecd8ull);
  EXPECT_EQ(m.at("scx_watchdog_timestamp"), 0xffffffff820cece0ull);
  EXPECT_FALSE(m.count("startup_64"));
}

TEST(KernelSymbols, SurvivesGarbage) {
  const char* garbage[] = {"",
                           "\n\n\n",
                           "_text\n",
                           "zzzzzzzz T _text\n",
                           "ffffffff81000000 _text\n",
                           "ffffffff81000000 TT _text\n",
                           " ffffffff81000000 T _text\n",
                           "ffffffff81000000\tT\t_text\n",
                           "ffffffff81000000 T\n",
                           "\xff\xfe\x00 T _text"};
  for (const char* g : garbage)
    EXPECT_TRUE(parse_system_map(g, agent_kernel_symbols()).empty()) << g;
  EXPECT_TRUE(read_system_map("/nonexistent/System.map", agent_kernel_symbols()).empty());
}

TEST(KernelSymbols, ReadsHzFromTheConfig) {
  testing::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.path() / "config") << text;
    return read_config_hz(dir.path() / "config");
  };
  EXPECT_EQ(write("CONFIG_HZ_250=y\nCONFIG_HZ=250\n"), 250u);
  EXPECT_EQ(write("CONFIG_HZ=1000\n"), 1000u);
  EXPECT_EQ(write("# CONFIG_HZ is not set\n"), 0u);
  EXPECT_EQ(write("CONFIG_HZ=abc\n"), 0u);
  EXPECT_EQ(write("CONFIG_HZ=0\n"), 0u);
  EXPECT_EQ(write("CONFIG_HZ=250x\n"), 0u);
  EXPECT_EQ(read_config_hz(""), 0u);
  EXPECT_EQ(read_config_hz(dir.path() / "missing"), 0u);
}

}  // namespace
}  // namespace ktstr
