#include "eval/sample_stats.h"

#include <cmath>

namespace ktstr {

std::optional<std::size_t> nearest_rank_index(std::size_t n, unsigned pct) {
  if (n == 0) return std::nullopt;
  // ceil(n * pct / 100) without floating point; n <= SIZE_MAX / 100 for any
  // sample count the decoder accepts.
  const unsigned __int128 scaled = static_cast<unsigned __int128>(n) * pct;
  const std::size_t rank = static_cast<std::size_t>((scaled + 99) / 100);
  return rank == 0 ? 0 : rank - 1;
}

Moments population_moments(const std::vector<double>& values) {
  Moments m;
  m.n = values.size();
  if (values.empty()) return m;
  long double sum = 0;
  for (double v : values) sum += v;
  const long double mean = sum / values.size();
  long double sq = 0;
  for (double v : values) sq += (v - mean) * (v - mean);
  m.mean = static_cast<double>(mean);
  m.stddev = static_cast<double>(std::sqrt(sq / values.size()));
  return m;
}

std::optional<double> ratio(long double a, long double b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(a / b);
}

}  // namespace ktstr
