#pragma once

// The one async idiom of the code base: Boost.Asio C++20 coroutines.
//   Task<T>           what a coroutine returns
//   run_blocking()    runs blocking work (SQLite, fsync, Argon2) on a bounded pool and resumes the
//                     caller on its own executor, so I/O threads never block (STYLE.md rule 23)
//   await_callback()  adapts a "call me back once, on any thread" API (the store's group commit)

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace redoubt {

template <class T>
using Task = boost::asio::awaitable<T>;

// g++ 12 destroys a temporary with a non-trivial destructor twice when it appears in a co_await
// expression (a lambda that captured a std::string, a std::string made for a string_view
// parameter). So the callables are taken by const reference and copied here: callers name them
// as locals first (see docs/architecture.md, "Coroutine rules").

template <class F>
Task<std::invoke_result_t<F>> run_blocking(boost::asio::thread_pool& pool, const F& work) {
  using R = std::invoke_result_t<F>;
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(R)>(
      [&pool](auto handler, F work) {
        auto home = boost::asio::get_associated_executor(handler);
        boost::asio::post(pool, [home, work = std::move(work), handler = std::move(handler)]() mutable {
          R result = work();
          boost::asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      boost::asio::use_awaitable, F(work));
}

// `start(callback)` must call `callback(R)` exactly once, from any thread. The coroutine resumes
// on its own executor with the value.
template <class R, class Start>
Task<R> await_callback(const Start& start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(R)>(
      [](auto handler, Start start) {
        auto home = boost::asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the handler is move-only, so the copies share
        // it (only one is ever called).
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start(std::function<void(R)>([home, shared](R result) {
          boost::asio::post(home, [shared, result = std::move(result)]() mutable {
            std::move (*shared)(std::move(result));
          });
        }));
      },
      boost::asio::use_awaitable, Start(start));
}

}  // namespace redoubt
