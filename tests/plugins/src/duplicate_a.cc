// Registers "twice"; duplicate_b.cc registers it again.
#include <ktstr/scenario.h>

KTSTR_SCENARIO(twice) { return ktstr::AssertResult::pass(); }
