#pragma once

// Programmer errors stop the process (STYLE.md rule 14). Never use these on peer input.
//   REDOUBT_CHECK(cond)   always on
//   REDOUBT_ASSERT(cond)  debug builds only

#include <cstdio>
#include <cstdlib>

#define REDOUBT_CHECK(cond)                                                              \
  do {                                                                                   \
    if (!(cond)) [[unlikely]] {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#ifdef NDEBUG
#define REDOUBT_ASSERT(cond) \
  do {                       \
  } while (false)
#else
#define REDOUBT_ASSERT(cond) REDOUBT_CHECK(cond)
#endif
