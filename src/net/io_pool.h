#pragma once

// One io_context per I/O thread. A connection lives on one context for its whole life, so its
// session coroutine never runs on two threads at once and needs no strand or lock.

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace redoubt::net {

class IoPool {
 public:
  explicit IoPool(std::size_t threads) {
    for (std::size_t i = 0; i < (threads ? threads : 1); ++i) {
      contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    }
  }
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;
  ~IoPool() { join(); }

  // Round robin over the contexts, for spreading accepted connections.
  boost::asio::io_context& next() { return *contexts_[next_++ % contexts_.size()]; }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }
  std::size_t size() const { return contexts_.size(); }

  // Runs every context on its own thread until it has no more work (after a graceful stop) or
  // stop() is called.
  void start() {
    for (auto& context : contexts_) {
      guards_.emplace_back(context->get_executor());
      threads_.emplace_back([&context] { context->run(); });
    }
  }
  // Lets each thread end once its context runs out of work (graceful shutdown).
  void finish() { guards_.clear(); }
  // Ends every thread as soon as it can, whatever is pending.
  void stop() {
    for (auto& context : contexts_) context->stop();
  }
  void join() {
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
  }

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace redoubt::net
