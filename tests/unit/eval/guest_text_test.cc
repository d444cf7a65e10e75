#include "eval/guest_text.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(GuestText, ControlCharactersAreEscapedInline) {
  EXPECT_EQ(escape_guest_line("ok"), "ok");
  EXPECT_EQ(escape_guest_line("a\nPASS x"), "a\\nPASS x");
  EXPECT_EQ(escape_guest_line("\x1b]0;owned\x07\x1b[31m\r"), "\\x1b]0;owned\\x07\\x1b[31m\\r");
  EXPECT_EQ(escape_guest_line(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
  EXPECT_EQ(escape_guest_line("tab\there"), "tab\\there");
}

TEST(GuestText, C1AndBidiControlsAreEscapedButOtherTextIsKept) {
  EXPECT_EQ(escape_guest_line("\xC2\x9B"
                              "31m"),
            "\\u{009b}31m");                                                  // 8-bit CSI
  EXPECT_EQ(escape_guest_line("x\xE2\x80\xAEgnp.exe"), "x\\u{202e}gnp.exe");  // RLO
  EXPECT_EQ(escape_guest_line("\xE2\x81\xA6i\xE2\x81\xA9"), "\\u{2066}i\\u{2069}");
  EXPECT_EQ(escape_guest_line("line\xE2\x80\xA8sep"), "line\\u{2028}sep");
  EXPECT_EQ(escape_guest_line("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(GuestText, InvalidUtf8IsReplacedFirst) {
  EXPECT_EQ(escape_guest_line("\xff\n"), "\xEF\xBF\xBD\\n");
  // A C1 control's bytes alone are not a character: replaced, not passed through.
  EXPECT_EQ(escape_guest_line("\x9b"), "\xEF\xBF\xBD");
}

TEST(GuestText, BlocksQuoteEveryLine) {
  EXPECT_EQ(quote_guest_block("first\nPASS ktstr/fake 0.1s"), "| first\n| PASS ktstr/fake 0.1s");
  EXPECT_EQ(quote_guest_block("one line\n"), "| one line");
  EXPECT_EQ(quote_guest_block("crlf\r\nend\r\n"), "| crlf\n| end");
  EXPECT_EQ(quote_guest_block("a\rb\n\n\x1b[2Jc"), "| a\\rb\n| \n| \\x1b[2Jc");
  EXPECT_EQ(quote_guest_block(""), "| ");
  EXPECT_EQ(quote_guest_block("bare cr\r"), "| bare cr\\r");
}

}  // namespace
}  // namespace ktstr
