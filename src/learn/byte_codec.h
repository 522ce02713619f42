#pragma once
// ByteWriter / ByteReader: the little binary format models use to save and restore their state
// (varints, fixed-width numbers, length-prefixed strings). A reader never reads past its input:
// every Get returns false on truncated or malformed bytes, so a corrupt blob is an error, not a
// crash.
#include <cstdint>
#include <string>
#include <string_view>

namespace hostmind {

class ByteWriter {
 public:
  void PutVarint(uint64_t v);
  void PutSignedVarint(int64_t v);  // zig-zag
  void PutFixed64(uint64_t v);
  void PutDouble(double v);
  void PutFloat(float v);  // 4 bytes: for state kept in single precision
  void PutString(std::string_view s);  // varint length, then the bytes
  void PutRaw(std::string_view s) { out_.append(s); }

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool GetVarint(uint64_t* v);
  bool GetSignedVarint(int64_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetDouble(double* v);
  bool GetFloat(float* v);
  bool GetString(std::string* s);
  // A varint that must not exceed `max` (a count or an index read from untrusted bytes).
  bool GetBounded(uint64_t max, uint64_t* v) { return GetVarint(v) && *v <= max; }
  // Consumes exactly `magic` or fails.
  bool Expect(std::string_view magic);
  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace hostmind
