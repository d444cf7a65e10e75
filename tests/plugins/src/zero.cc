// Includes the SDK, registers no scenario.
#include <ktstr/scenario.h>

int ktstr_test_zero_unused() { return 0; }
