#include "gateway/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace fulcrum {

namespace {

// The backend has neither closed the connection nor sent anything unasked.
bool is_still_open(boost::asio::ip::tcp::socket& socket) {
  char byte = 0;
  ssize_t peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::unique_ptr<Upstream> UpstreamPool::take(const Backend& backend, bool must_be_open) {
  if (backend.id >= idle_.size()) return nullptr;
  auto& pool = idle_[backend.id];
  while (!pool.empty()) {
    std::unique_ptr<Upstream> upstream = std::move(pool.back());
    pool.pop_back();
    const bool usable = upstream->backend.get() == &backend && upstream->socket.is_open();
    if (usable && (!must_be_open || is_still_open(upstream->socket))) return upstream;
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<Upstream> upstream, int64_t now_ns,
                             size_t max_per_backend) {
  const uint32_t id = upstream->backend->id;
  if (id >= idle_.size()) idle_.resize(id + 1);
  auto& pool = idle_[id];
  if (pool.size() >= max_per_backend) return;
  upstream->idle_since_ns = now_ns;
  upstream->reused = true;
  pool.push_back(std::move(upstream));
}

void UpstreamPool::close_idle_since(int64_t oldest_allowed_ns) {
  for (auto& pool : idle_) {
    std::erase_if(pool, [oldest_allowed_ns](const std::unique_ptr<Upstream>& upstream) {
      return upstream->idle_since_ns < oldest_allowed_ns;
    });
  }
}

}  // namespace fulcrum
