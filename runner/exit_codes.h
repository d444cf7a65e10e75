// The exit codes of ktstr-run (SPEC.md "Verdicts and exit codes"); one test per row
// in tests/unit/runner/exit_codes_test.cc and tests/golden.
#pragma once

namespace ktstr {

inline constexpr int kExitOk = 0;          ///< everything passed or skipped
inline constexpr int kExitTestFailed = 1;  ///< at least one test failed
inline constexpr int kExitUsage = 2;       ///< usage or spec errors; nothing was run
inline constexpr int kExitInfra = 3;       ///< infrastructure missing (no qemu, no kernel)
inline constexpr int kExitNoTests = 4;     ///< no test matched the filters (--no-tests)
inline constexpr int kExitInterrupted = 130;

}  // namespace ktstr
