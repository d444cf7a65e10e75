// A scenario's own verdict, and the error value Ctx operations return.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ktstr {

/// The result of an operation: empty `error` means success. Ctx methods return
/// this instead of throwing (exceptions do not cross the plugin boundary).
struct Status {
  std::string error{};
  bool ok() const { return error.empty(); }
  explicit operator bool() const { return ok(); }
  static Status success() { return {}; }
  static Status failure(std::string message) { return Status{std::move(message)}; }
};

/// A scenario's verdict (pass/fail) with the details a reviewer reads. The host
/// combines it with its own checks on the workers' telemetry.
struct AssertResult {
  bool passed = true;
  std::vector<std::string> details{};

  static AssertResult pass() { return {}; }
  static AssertResult fail(std::string detail) { return AssertResult{false, {std::move(detail)}}; }

  /// Adds a detail line without changing the verdict.
  AssertResult& note(std::string detail) {
    details.push_back(std::move(detail));
    return *this;
  }
  /// Fails when `condition` is false, recording `detail`.
  AssertResult& expect(bool condition, std::string detail) {
    if (!condition) {
      passed = false;
      details.push_back(std::move(detail));
    }
    return *this;
  }
  /// Folds another result in: fails if either failed, keeps all details.
  AssertResult& merge(const AssertResult& other) {
    passed = passed && other.passed;
    details.insert(details.end(), other.details.begin(), other.details.end());
    return *this;
  }
  /// Fails with `context: error` when `status` is an error.
  AssertResult& check(const Status& status, const std::string& context) {
    if (!status.ok()) {
      passed = false;
      details.push_back(context + ": " + status.error);
    }
    return *this;
  }
};

}  // namespace ktstr
