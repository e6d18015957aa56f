#include "codec/AnsStack.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace flowpp::codec {

namespace {
constexpr uint64_t kLow = 1ull << 31;  // the head's lower bound (rans64's RANS64_L)
// A new stack's head: 62 pseudo-random bits under a leading one. A head of exactly 2^31 would make
// the first pops read slot 0, the far tail of every distribution.
constexpr uint64_t kStartHead = (1ull << 62) | (0x9e3779b97f4a7c15ull >> 2);
}

uint32_t initialWord(int64_t i) {
  uint64_t z = uint64_t(i) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return uint32_t(z ^ (z >> 31));
}

AnsStack::AnsStack() : head_(kStartHead) {}

void AnsStack::push(uint32_t start, uint32_t freq) {
  if (freq == 0 || uint64_t(start) + freq > kTotal) throw std::logic_error("ANS push: an empty or out-of-range interval");
  // Renormalise so that the head stays below 2^63 after the push.
  const uint64_t limit = ((kLow >> kPrecision) << 32) * freq;
  if (head_ >= limit) {
    words_.push_back(uint32_t(head_));
    head_ >>= 32;
  }
  head_ = ((head_ / freq) << kPrecision) + (head_ % freq) + start;
}

uint32_t AnsStack::takeWord() {
  if (!words_.empty()) {
    const uint32_t w = words_.back();
    words_.pop_back();
    return w;
  }
  // Only the encoder pops more than was pushed (bits-back's first draws); a decoder of a valid file
  // never gets here, and one of a damaged file is caught by the checks after decoding.
  return initialWord(initialWords_++);
}

void AnsStack::pop(uint32_t start, uint32_t freq) {
  const uint64_t slot = head_ & (kTotal - 1);
  if (freq == 0 || slot < start || slot - start >= freq) throw std::logic_error("ANS pop: the interval does not hold the slot");
  head_ = uint64_t(freq) * (head_ >> kPrecision) + slot - start;
  if (head_ < kLow) head_ = (head_ << 32) | takeWord();
}

void AnsStack::pushBits(uint32_t value, int bits) {
  if (bits < 1 || bits > kPrecision || value >= (1u << bits)) throw std::logic_error("ANS pushBits: bad value or width");
  const int shift = kPrecision - bits;
  push(value << shift, 1u << shift);
}

uint32_t AnsStack::popBits(int bits) {
  if (bits < 1 || bits > kPrecision) throw std::logic_error("ANS popBits: bad width");
  const int shift = kPrecision - bits;
  const uint32_t value = peek() >> shift;
  pop(value << shift, 1u << shift);
  return value;
}

double AnsStack::bits() const { return 32.0 * (double(words_.size()) - double(initialWords_)) + std::log2(double(head_)); }

std::string AnsStack::toBytes() const {
  std::string out(8 + 4 * words_.size(), '\0');
  for (int b = 0; b < 8; ++b) out[b] = char(head_ >> (8 * b));
  for (size_t i = 0; i < words_.size(); ++i)
    for (int b = 0; b < 4; ++b) out[8 + 4 * i + b] = char(words_[i] >> (8 * b));
  return out;
}

AnsStack AnsStack::fromBytes(const std::string& bytes) {
  if (bytes.size() < 8 || (bytes.size() - 8) % 4 != 0)
    throw std::invalid_argument("a coded stream of " + std::to_string(bytes.size()) + " bytes (it must be 8 + 4n)");
  AnsStack s;
  s.head_ = 0;
  for (int b = 0; b < 8; ++b) s.head_ |= uint64_t(uint8_t(bytes[b])) << (8 * b);
  if (s.head_ < kLow || s.head_ >= (1ull << 63)) throw std::invalid_argument("a coded stream whose head is out of range");
  s.words_.resize((bytes.size() - 8) / 4);
  for (size_t i = 0; i < s.words_.size(); ++i)
    for (int b = 0; b < 4; ++b) s.words_[i] |= uint32_t(uint8_t(bytes[8 + 4 * i + b])) << (8 * b);
  return s;
}

bool AnsStack::backAtStart() const {
  if (head_ != kStartHead) return false;
  // The encoder drew initial words 0, 1, 2, ... each time its stack ran empty; the decoder pushes each
  // back when it undoes that pop, the last drawn first, so they lie from the last drawn (bottom) to
  // the first (top).
  const int64_t n = int64_t(words_.size());
  for (int64_t i = 0; i < n; ++i)
    if (words_[size_t(i)] != initialWord(n - 1 - i)) return false;
  return true;
}

}  // namespace flowpp::codec
