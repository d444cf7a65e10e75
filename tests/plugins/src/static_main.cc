// The plugin's own file; the interesting scenario is in the static library.
#include <ktstr/scenario.h>

KTSTR_SCENARIO(from_main) { return ktstr::AssertResult::pass(); }
