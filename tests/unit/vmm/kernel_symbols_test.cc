#include "vmm/kernel_symbols.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ktstr
