// Private to gateway/: how many connections are open, in total and per client address, so
// that one address cannot take every slot. The accept loop admits one connection at a time;
// sessions release theirs from any I/O thread, hence the mutex.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <map>
#include <mutex>
#include <utility>

#include "common/assert.h"

namespace market4::gateway {

// The address that per-client limits count: IPv4 as is (also when mapped into IPv6), IPv6 cut
// to its /64 prefix, since one host commonly holds a whole /64.
inline boost::asio::ip::address ClientKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address;
  boost::asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
  boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes);
}

// Open connections, in total and per client. The accept loop admits, one connection at a
// time; sessions release theirs from any I/O thread, hence the mutex.
class ConnectionCounter {
 public:
  enum class Admission { kAdmitted, kServerFull, kClientFull };

  Admission Admit(const boost::asio::ip::address& client, std::size_t max_total,
                  std::size_t max_per_client) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total) return Admission::kServerFull;
    return AdmitLocked(client, max_per_client);
  }

  // Admits beyond the total, in place of a connection being evicted (SessionRegistry), which
  // gives its slot back moments later; the per-client limit still holds.
  Admission AdmitInPlaceOfAnother(const boost::asio::ip::address& client,
                                  std::size_t max_per_client) {
    std::lock_guard lock(mutex_);
    return AdmitLocked(client, max_per_client);
  }

  // A release without its admission is a bug in the slot bookkeeping; the count would be
  // wrong from then on, so the process stops.
  void Release(const boost::asio::ip::address& client) {
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(client);
    M4_ASSERT(it != per_client_.end() && total_ > 0, "a connection was released twice");
    if (--it->second == 0) per_client_.erase(it);
    --total_;
  }

  std::size_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }

 private:
  Admission AdmitLocked(const boost::asio::ip::address& client, std::size_t max_per_client) {
    auto it = per_client_.find(client);
    if ((it == per_client_.end() ? 0 : it->second) >= max_per_client) {
      return Admission::kClientFull;
    }
    ++per_client_[client];
    ++total_;
    return Admission::kAdmitted;
  }

  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::map<boost::asio::ip::address, std::size_t>
      per_client_;  // only clients with open connections
};

// One admitted connection's place in the counter, given back exactly once: when the session
// closes its socket, or at the latest when the session is destroyed.
class ConnectionSlot {
 public:
  ConnectionSlot(ConnectionCounter* counter, boost::asio::ip::address client)
      : counter_(counter), client_(client) {}
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : counter_(std::exchange(other.counter_, nullptr)), client_(other.client_) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() { Release(); }

  void Release() {
    if (counter_ != nullptr) std::exchange(counter_, nullptr)->Release(client_);
  }
  // The client's key (ClientKey), also after Release.
  const boost::asio::ip::address& client() const { return client_; }

 private:
  ConnectionCounter* counter_;
  boost::asio::ip::address client_;
};

}  // namespace market4::gateway
