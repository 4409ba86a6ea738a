#pragma once

// STORE_TRY(var, expr): evaluates `expr` (a Result<T, StoreError>) into `var`, and returns its
// error from the enclosing function (whose return type is some Result<U, StoreError>) if it
// failed. For query sequences inside one transaction. Internal to src/store.

#define STORE_TRY(var, expr) \
  auto var = (expr);         \
  if (!var) return ::redoubt::unexpected(var.error())
