// The arithmetic of the checks, kept apart so each formula is tested alone:
// nearest-rank percentiles and population moments, computed so that huge
// counters neither overflow nor lose the result (long double sums) and an
// empty or degenerate input gives no value instead of NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ktstr {

/// The index of the nearest-rank percentile `pct` (1..100) in `n` sorted
/// samples: ceil(n * pct / 100) - 1, computed in integers (0.99 is not exact
/// in binary). nullopt when n == 0.
std::optional<std::size_t> nearest_rank_index(std::size_t n, unsigned pct);

/// Population mean and standard deviation (divided by n, not n - 1).
struct Moments {
  double mean = 0;
  double stddev = 0;
  std::size_t n = 0;
};

/// The moments of `values`; n == 0 gives {0, 0, 0}. Non-finite inputs are
/// the caller's to exclude (the checks never produce them).
Moments population_moments(const std::vector<double>& values);

/// a / b as a double, nullopt when b == 0 (a zero denominator).
std::optional<double> ratio(long double a, long double b);

}  // namespace ktstr
