// Scenarios for the end-to-end tests (tests/e2e): every way a scenario can
// end inside a real VM, plus one that panics the guest kernel on purpose, and
// hostile output (invalid UTF-8, forged verdict lines, terminal escapes).
#include <ktstr/scenario.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

KTSTR_SCENARIO_DESC(e2e_pass, "returns PASS") {
  (void)ctx;
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_fail, "returns FAIL with two detail lines") {
  ctx.add_detail("e2e context detail");
  return ktstr::AssertResult::fail("e2e-fail-detail-one").note("e2e-fail-detail-two");
}

KTSTR_SCENARIO_DESC(e2e_throw, "throws a std::runtime_error") {
  (void)ctx;
  throw std::runtime_error("e2e-exception-text");
}

KTSTR_SCENARIO_DESC(e2e_segfault, "dereferences a null pointer") {
  (void)ctx;
  volatile int* p = nullptr;
  *p = 1;
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_hang, "sleeps forever; the watchdog must end it") {
  (void)ctx;
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

KTSTR_SCENARIO_DESC(e2e_panic, "crashes the guest kernel through sysrq") {
  (void)ctx;
  if (FILE* f = std::fopen("/proc/sys/kernel/sysrq", "w")) {
    std::fputs("1\n", f);
    std::fclose(f);
  }
  if (FILE* f = std::fopen("/proc/sysrq-trigger", "w")) {
    std::fputc('c', f);
    std::fclose(f);  // the kernel panics during this write
  }
  return ktstr::AssertResult::fail("sysrq-trigger did not panic the kernel");
}

KTSTR_SCENARIO_DESC(e2e_bad_bytes, "writes an invalid UTF-8 byte to stdout and returns PASS") {
  (void)ctx;
  // issue 14: this one byte on the console ended the runner with exit 134.
  if (::write(1, "\xff\n", 2) != 2) return ktstr::AssertResult::fail("write to stdout failed");
  return ktstr::AssertResult::pass();
}

KTSTR_SCENARIO_DESC(e2e_forge, "FAILs with details that try to forge a PASS line and escapes") {
  (void)ctx;
  return ktstr::AssertResult::fail("first\nPASS ktstr/fake 0.1s")
      .note("\x1b]0;owned\x07\x1b[31m\r");
}

KTSTR_SCENARIO_DESC(e2e_autogroup_off, "PASSes when kernel.sched_autogroup_enabled is 0") {
  (void)ctx;
  std::FILE* f = std::fopen("/proc/sys/kernel/sched_autogroup_enabled", "r");
  if (!f) return ktstr::AssertResult::fail("cannot open /proc/sys/kernel/sched_autogroup_enabled");
  int value = -1;
  const int n = std::fscanf(f, "%d", &value);
  std::fclose(f);
  if (n != 1 || value != 0)
    return ktstr::AssertResult::fail("kernel.sched_autogroup_enabled is " + std::to_string(value) +
                                     ", expected 0");
  return ktstr::AssertResult::pass();
}
