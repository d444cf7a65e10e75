// Collapsing repeated lines and blocks: what a user reads in a verifier log
// or a scheduler's output tail.
#include "guest/protocol/line_collapse.h"

#include <gtest/gtest.h>

#include "guest/scheduler_lifecycle.h"

namespace ktstr {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

TEST(LineCollapse, RepeatedBlockIsKeptOnceWithItsCount) {
  std::string log = "func#0 @0\n";
  for (int i = 0; i < 4; ++i)
    log += "from 4 to 7: R1=ctx\n7: (85) call bpf_loop#181\nR2 !read_ok\n";
  log += "processed 12 insns\n";
  EXPECT_EQ(joined(collapse_lines(log)),
            "func#0 @0\n"
            "from 4 to 7: R1=ctx\n7: (85) call bpf_loop#181\nR2 !read_ok\n"
            "[3 lines repeated 4 times]\n"
            "processed 12 insns\n");
}

TEST(LineCollapse, LineRunsStayLineRuns) {
  EXPECT_EQ(joined(collapse_lines("a\nb\nb\nb\nc\n")), "a\nb  [repeated 3 times]\nc\n");
  // Four equal lines are a line run, not a block of two repeated twice.
  EXPECT_EQ(joined(collapse_lines("x\nx\nx\nx\n")), "x  [repeated 4 times]\n");
}

TEST(LineCollapse, ABlockOccurringOnceIsUntouched) {
  EXPECT_EQ(joined(collapse_lines("a\nb\nc\na\nb\nd\n")), "a\nb\nc\na\nb\nd\n");
}

TEST(LineCollapse, BlockHoldingALineRunIsRepeatedVerbatim) {
  EXPECT_EQ(joined(collapse_lines("a\na\nb\na\na\nb\n")), "a\na\nb\n[3 lines repeated 2 times]\n");
}

TEST(LineCollapse, BlocksLongerThanTheLimitAreNotCollapsed) {
  std::string block;
  for (int i = 0; i < 5; ++i) block += "l" + std::to_string(i) + "\n";
  EXPECT_EQ(joined(collapse_lines(block + block, 4)), block + block);
  EXPECT_EQ(joined(collapse_lines(block + block, 5)), block + "[5 lines repeated 2 times]\n");
}

TEST(LineCollapse, OutputTailCollapsesBlocksBeforeKeepingTheLastLines) {
  std::string out = "start\n";
  for (int i = 0; i < 100; ++i) out += "R1 type=scalar\nR2 type=ctx\n";
  out += "-- END PROG LOAD LOG --\n";
  EXPECT_EQ(collapse_output(out, 4),
            "[... 1 earlier lines]\nR1 type=scalar\nR2 type=ctx\n[2 lines repeated 100 times]\n"
            "-- END PROG LOAD LOG --\n");
}

}  // namespace
}  // namespace ktstr
