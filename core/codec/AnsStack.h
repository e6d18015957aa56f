#pragma once
// A stack of bits coded with rANS (Duda 2013), in the layout of ryg_rans's rans64: a 64-bit head that
// stays in [2^31, 2^63), emitting and taking 32-bit words. push() encodes a symbol onto the stack and
// pop() decodes the symbol on top, exactly undoing the last push: bits-back coding needs both on one
// stack (it pops a latent with the data's posterior, then pushes the data and the latent with the
// model's distributions). Symbols are intervals [start, start + freq) of a total of 2^kPrecision.
//
// A pop on an empty stack takes "initial bits": words from a fixed pseudo-random sequence (they are
// part of the file once the stack is written, and are counted in initialWords()). Decoding ends by
// pushing them back, so a stack that ends with exactly that sequence and the starting head has
// decoded right to its beginning.
#include <cstdint>
#include <string>
#include <vector>

namespace flowpp::codec {

class AnsStack {
 public:
  // Probabilities are counts out of 2^24. Far below the head's 2^31 floor on purpose: rANS loses
  // about (2^kPrecision / head) of a bit's precision per symbol, which at 2^31 cost 0.007 bits per
  // coded element and layer (measured), and at 2^24 a hundred times less.
  static constexpr int kPrecision = 24;
  static constexpr uint32_t kTotal = 1u << kPrecision;

  // A new, empty stack (its head a fixed pseudo-random start).
  AnsStack();

  void push(uint32_t start, uint32_t freq);
  // The slot of the symbol on top: the count in [0, kTotal) whose interval names the symbol.
  uint32_t peek() const { return uint32_t(head_ & (kTotal - 1)); }
  // Removes the symbol on top, which the caller identified from peek() as [start, start + freq).
  void pop(uint32_t start, uint32_t freq);

  // `bits` (1..kPrecision) raw bits, uniformly (a symbol of mass 1 out of 2^bits).
  void pushBits(uint32_t value, int bits);
  uint32_t popBits(int bits);

  // Bits held: the words and the head's significant bits, less the initial words' share.
  double bits() const;
  int64_t initialWords() const { return initialWords_; }

  // The stack as bytes (head, then words, little-endian), and back. fromBytes() throws
  // std::invalid_argument for bytes that cannot be a stack (wrong length, a head out of range).
  std::string toBytes() const;
  static AnsStack fromBytes(const std::string& bytes);
  // True when the stack holds exactly its starting state and the initial words it handed out: what a
  // decode that went right to the beginning leaves.
  bool backAtStart() const;

 private:
  uint32_t takeWord();
  uint64_t head_;
  std::vector<uint32_t> words_;
  int64_t initialWords_ = 0;  // words handed out because the stack was empty
};

// The initial word number i: splitmix64 of i, lower half (any fixed sequence would do; this one is
// uniform enough that the latents it draws are typical).
uint32_t initialWord(int64_t i);

}  // namespace flowpp::codec
