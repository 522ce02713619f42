#pragma once
// Model state as bytes: a tiny writer/reader pair for fixed-layout little-endian fields, so
// models can be saved to the store and loaded after a restart. Each model writes a magic tag
// and a version first; a reader that runs out of bytes or meets the wrong tag fails cleanly.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/status.h"

namespace hostmind::learn {

class StateWriter {
 public:
  explicit StateWriter(std::string& out) : out_(out) {}
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));  // hosts are little-endian (x86-64, arm64)
    out_.append(buf, sizeof(T));
  }

 private:
  std::string& out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  // True when the next bytes are `magic` followed by `version` (both consumed).
  bool Expect(uint32_t magic, uint16_t version) {
    uint32_t m = 0;
    uint16_t v = 0;
    return Get(m) && Get(v) && m == magic && v == version;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace hostmind::learn
