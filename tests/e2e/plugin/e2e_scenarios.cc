// Scenarios for the end-to-end tests (tests/e2e): every way a scenario can
// end inside a real VM, plus one that panics the guest kernel on purpose.
#include <ktstr/scenario.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
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
