// The console's view of one finished test: the verdict line the runner
// writes, then its reasons, indented. Reasons may quote guest text
// (eval/guest_text.h); each of their lines is escaped again here, so no
// reason can start a line of its own or reach the terminal with a control
// character in it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "eval/evaluate.h"

namespace ktstr {

/// Prints "KIND NAME SECSs" and, when `show_reasons`, every line of every
/// reason indented by four spaces, control characters escaped.
void print_test_verdict(std::ostream& out, const std::string& name, Verdict::Kind kind, double secs,
                        const std::vector<std::string>& reasons, bool show_reasons);

}  // namespace ktstr
