#pragma once

// Result<T, E>: a value or an expected failure, shaped like C++23 std::expected (which g++ 12 has
// but clang 14, our fuzzing compiler, cannot compile). Expected failures are values; exceptions
// never cross a module boundary (STYLE.md rules 12 and 15).

#include <type_traits>
#include <utility>
#include <variant>

#include "base/check.h"

namespace redoubt {

template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& error) {
  return {std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  Result(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  Result(Unexpected<G> failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { REDOUBT_CHECK(has_value()); return std::get<0>(state_); }
  const T& value() const& { REDOUBT_CHECK(has_value()); return std::get<0>(state_); }
  T&& value() && { REDOUBT_CHECK(has_value()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { REDOUBT_CHECK(!has_value()); return std::get<1>(state_); }
  E& error() { REDOUBT_CHECK(!has_value()); return std::get<1>(state_); }

  template <class U>
  T value_or(U&& fallback) const& { return has_value() ? value() : T(std::forward<U>(fallback)); }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Result() = default;
  template <class G>
  Result(Unexpected<G> failure) : error_(std::move(failure.error)), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const { REDOUBT_CHECK(has_value()); }
  const E& error() const { REDOUBT_CHECK(failed_); return error_; }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace redoubt
