// Optimal string alignment distance: the classic dynamic programme over a
// (|a|+1) x (|b|+1) table, plus the transposition case (ab -> ba costs 1),
// since swapped letters are the most common typo in key names.
#include "runner/edit_distance.h"

#include <algorithm>
#include <cctype>

namespace ktstr {

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  if (word.empty()) return std::nullopt;
  const std::string lw = lower(word);
  std::optional<std::string> best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    if (c == word) continue;
    const std::string lc = lower(c);
    size_t d = edit_distance(lw, lc);
    // A case-only difference, or a word cut short, is as good as a typo of 1.
    if (lw == lc || (lw.size() >= 3 && lc.starts_with(lw))) d = std::min<size_t>(d, 1);
    // A typo in a word that was also cut short ("duratoin" for "duration_s").
    if (lw.size() >= 5 && lc.size() > lw.size())
      d = std::min(d, edit_distance(lw, std::string_view(lc).substr(0, lw.size())) + 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  if (best && best_d <= limit) return best;
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto m = closest_match(word, candidates);
  return m ? " (did you mean '" + *m + "'?)" : "";
}

}  // namespace ktstr
