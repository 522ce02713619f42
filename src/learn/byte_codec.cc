#include "learn/byte_codec.h"

#include <cstring>

namespace hostmind {

void ByteWriter::PutVarint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ByteWriter::PutSignedVarint(int64_t v) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void ByteWriter::PutFixed64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void ByteWriter::PutDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutFixed64(bits);
}

void ByteWriter::PutFloat(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void ByteWriter::PutString(std::string_view s) {
  PutVarint(s.size());
  out_.append(s);
}

bool ByteReader::GetVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= in_.size()) return false;
    uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;  // more than 10 bytes: not a varint we wrote
}

bool ByteReader::GetSignedVarint(int64_t* v) {
  uint64_t u;
  if (!GetVarint(&u)) return false;
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

bool ByteReader::GetFixed64(uint64_t* v) {
  if (remaining() < 8) return false;
  uint64_t result = 0;
  for (int i = 0; i < 8; ++i) result |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 8;
  *v = result;
  return true;
}

bool ByteReader::GetDouble(double* v) {
  uint64_t bits;
  if (!GetFixed64(&bits)) return false;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}

bool ByteReader::GetFloat(float* v) {
  if (remaining() < 4) return false;
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 4;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}

bool ByteReader::GetString(std::string* s) {
  uint64_t n;
  if (!GetVarint(&n) || n > remaining()) return false;
  s->assign(in_.substr(pos_, n));
  pos_ += n;
  return true;
}

bool ByteReader::Expect(std::string_view magic) {
  if (in_.substr(pos_, magic.size()) != magic) return false;
  pos_ += magic.size();
  return true;
}

}  // namespace hostmind
