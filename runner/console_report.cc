#include "runner/console_report.h"

#include <fmt/format.h>

#include <string_view>

#include "eval/guest_text.h"

namespace ktstr {

void print_test_verdict(std::ostream& out, const std::string& name, Verdict::Kind kind, double secs,
                        const std::vector<std::string>& reasons, bool show_reasons) {
  std::string text =
      fmt::format("{} {} {:.1f}s\n", Verdict::name(kind), escape_guest_line(name), secs);
  if (show_reasons) {
    for (const std::string& reason : reasons) {
      std::string_view rest(reason);
      for (;;) {
        const size_t nl = rest.find('\n');
        text += "    " + escape_guest_line(rest.substr(0, nl)) + "\n";
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
      }
    }
  }
  out << text;
  out.flush();
}

}  // namespace ktstr
