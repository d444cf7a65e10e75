// A valid plugin that needs libktstr_test_gone.so at load time.
#include <ktstr/scenario.h>

extern "C" int ktstr_test_gone_value();

KTSTR_SCENARIO(needs_gone) { return ktstr::AssertResult{ktstr_test_gone_value() == 7, {}}; }
