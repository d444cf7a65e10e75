// How the runner shows text it did not write. Everything the guest or the
// scheduler says (console lines, scenario details, scheduler output, error
// text) is untrusted: it could hold a fake "PASS ..." line, terminal escapes
// (ANSI, OSC window titles), carriage returns or bidi overrides. The runner
// only ever shows such text quoted: one line inline with every control
// character escaped, or a block whose every line starts with a "| " marker.
// Only the runner writes verdict lines. Reporters (JSON, later JUnit) escape
// in their own syntax instead (docs/running.md).
#pragma once

#include <string>
#include <string_view>

namespace ktstr {

/// `text` as one line for the terminal: decoded as UTF-8 with replacement,
/// then every control character escaped: C0 (\n, \r, \t, ESC...) and DEL as
/// \n, \r, \t or \xNN; C1 (U+0080..U+009F), line/paragraph separators and
/// bidi controls as \u{NNNN}. Printable text, including non-ASCII, is kept.
std::string escape_guest_line(std::string_view text);

/// Multi-line guest text as a quoted block: each line becomes "| " + its
/// escaped text, lines joined by '\n' (a final newline adds no empty line).
/// The caller puts the block under a runner-written heading.
std::string quote_guest_block(std::string_view text);

}  // namespace ktstr
