// Payment codes: the short text a buyer's bank transfer carries in its memo, so that market4
// can tell which order a bank credit pays. PaymentCodeFrom derives a code from a seed with no
// randomness inside (the engine passes the order id and an attempt number, so every replica
// derives the same code); FindPaymentCode reads a code back out of a memo that people and banks
// have re-cased, split with spaces and surrounded with Vietnamese text. Pure functions; any
// thread.
//
// A code is "M4" and 8 symbols of kPaymentCodeAlphabet: 7 drawn from SHA-256 of the seed
// (31^7, about 2^34.7, codes; the engine keeps codes of open orders apart by retrying with the
// next attempt number) and 1 check symbol. The alphabet has 31 symbols, the digits and
// upper-case letters without 0, O, 1, I and L, so a code read aloud, copied by hand from a
// receipt or upper-cased by a bank reads the same. 31 is prime, which makes the check symbol
// (weights 1 to 8, sum divisible by 31) catch every single wrong symbol and every swap of two
// neighbours, and refuse 30 in 31 of the false codes that joined-up memo text can form.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace market4::engine {

inline constexpr std::string_view kPaymentCodePrefix = "M4";
inline constexpr std::string_view kPaymentCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
// Symbols after the prefix: the drawn ones, then the check symbol.
inline constexpr std::size_t kPaymentCodeSymbols = 8;
inline constexpr std::size_t kPaymentCodeChars = 10;  // prefix + symbols

// The payment code for `seed_bytes`: the same seed always gives the same code.
std::string PaymentCodeFrom(std::string_view seed_bytes);

// True when `code` is exactly a payment code: the prefix, 8 symbols of the alphabet (upper
// case) and a check symbol that agrees.
bool IsPaymentCode(std::string_view code);

// `memo` (UTF-8; invalid bytes count as nothing) as codes are searched in: decomposed (NFD),
// combining marks dropped, đ/Đ as D, upper-cased, and every character but A-Z and 0-9 dropped.
// "Nguyễn Văn Á, m4ab cd" gives "NGUYENVANAM4ABCD". Only the first kMaxMemoBytes bytes count.
std::string FoldMemo(std::string_view memo);
// `text` as upper-case ASCII words (diacritics dropped, every run of anything else one space),
// cut to `max_chars`: a merchant's name as a QR code and a bank show it ("Cô Ba" -> "CO BA").
std::string AsciiWords(std::string_view text, std::size_t max_chars);

// Every payment code in FoldMemo(memo), in memo order, each once. The folded text joins the
// words, so the words around a code can form other candidates ("M4 M4..." typed twice, or a code
// cut short followed by text); the check symbol refuses all but 1 in 31 of those. The engine
// should prefer the candidate that names an open order.
std::vector<std::string> FindPaymentCodes(std::string_view memo);

// The first of FindPaymentCodes(memo), or none. A code cut short, or holding a symbol outside
// the alphabet (0, O, 1, I, L), is not found.
std::optional<std::string> FindPaymentCode(std::string_view memo);

}  // namespace market4::engine
