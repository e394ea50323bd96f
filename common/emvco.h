// EMVCo merchant-presented QR payloads (EMV QRCPS-MPM): a builder for their ID-length-value
// text, the CRC that closes them, and the two payloads market4 shows: a NAPAS VietQR bank
// transfer that pays an order, and a stall payment request read by market4's own app. Pure
// functions and a value-type builder; any thread. Every QR string market4 prints is built and
// checked here, so a scanner never sees a length, a character set or a CRC that we got wrong.
//
// Text rules. A data object is a two-digit ID ("00"-"99"), a two-digit length ("01"-"99") and
// that many characters. Values here are printable ASCII only (0x20-0x7E): EMVCo counts the
// length of its "S" fields in Unicode characters, readers disagree on how, and bank memos keep
// ASCII anyway, so callers fold Vietnamese text first ("Cô Ba" -> "Co Ba").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace market4 {

// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR):
// the checksum of ID 63 (ISO/IEC 13239, as EMVCo and NAPAS specify). Check value: "123456789"
// gives 0x29B1.
std::uint16_t Crc16CcittFalse(std::string_view data);

// Builds the data objects of a payload or of a template, in the order they are added. The
// first refused object is remembered and every later call is ignored, so a chain of Add calls
// is checked once, at Build.
class EmvcoBuilder {
 public:
  // Appends the data object `id` (0-99) holding `value`: 1..kMaxEmvcoValueChars printable
  // ASCII characters.
  EmvcoBuilder& Add(int id, std::string_view value);
  // Appends the template `id` whose value is the data objects of `nested`.
  EmvcoBuilder& AddTemplate(int id, const EmvcoBuilder& nested);

  // The data objects added so far, or INVALID_ARGUMENT naming the first refused one.
  [[nodiscard]] Result<std::string> Build() const;
  // A complete payload: the data objects, then the CRC object "6304" + 4 upper-case hex
  // digits computed over everything before them, "6304" included.
  [[nodiscard]] Result<std::string> BuildPayload() const;

 private:
  std::string text_;
  Status status_;
};

// --- NAPAS VietQR (transfers through NAPAS247 that any Vietnamese bank app accepts) ---

// ID 38 holds NAPAS's template: 00 = this AID, 01 = the beneficiary (a template of 00 = the
// bank's BIN and 01 = the account number), 02 = the service code.
inline constexpr int kVietQrTemplateId = 38;
inline constexpr std::string_view kNapasGuid = "A000000727";
// "Inter-bank fund transfer 24/7 to an account" (QRIBFTTC would be to a card).
inline constexpr std::string_view kNapasTransferToAccount = "QRIBFTTA";

struct VietQrTransfer {
  // The beneficiary bank's NAPAS BIN: kBankBinDigits digits (970436 is Vietcombank).
  std::string bank_bin;
  // The beneficiary's account number: 1..kMaxBankAccountDigits digits.
  std::string account_number;
  // Whole dong to transfer, shown to the payer and not editable (ID 54), making the QR dynamic
  // (ID 01 = "12"). 0 means none: the payer types the amount and the QR is static ("11").
  // Default: 0.
  std::int64_t amount = 0;
  // What the payer's bank writes into the transfer's memo (ID 62, sub-ID 08, "purpose of
  // transaction"): the order's payment code. 1..kMaxEmvcoAdditionalDataChars printable ASCII
  // characters, or empty for none. Default: empty.
  std::string payment_code{};
  // The beneficiary's name (ID 59; optional in VietQR, whose apps look the account holder's
  // name up themselves): 1..kMaxEmvcoMerchantNameChars printable ASCII characters, or empty for
  // none. Default: empty.
  std::string merchant_name{};
};

// The VietQR payload of `transfer`: 00 = "01", 01 = "12" or "11", 38 (NAPAS), 53 = "704"
// (VND), 54 (if an amount), 58 = "VN", 59 (if a name), 62 (if a payment code), 63 (CRC).
// INVALID_ARGUMENT, with detail field=<the field>, for anything outside the rules above.
[[nodiscard]] Result<std::string> VietQrPayload(const VietQrTransfer& transfer);

// --- market4 stall payment requests (read by market4's app, not by bank apps) ---

// market4's own merchant account template. EMVCo leaves IDs 26-51 to payment systems, each
// template naming its owner by the GUID in its sub-ID 00; in Vietnam 26 is taken by VNPAY-QR
// (A000000775) and 38 by NAPAS, so market4 uses 27. The GUID is a UUID without hyphens,
// generated once for market4: EMVCo allows an AID (needs an ISO/IEC 7816-5 registration), a
// UUID or a reverse domain name (needs a domain we own); a UUID is unique without either.
// Sub-ID 01 holds the request code. A bank app finds no template it knows and refuses the QR,
// which is right: a stall request is paid inside market4.
inline constexpr int kStallTemplateId = 27;
inline constexpr std::string_view kStallGuid = "be549091bb07428eae8bb00eb210eff5";
// ISO 18245 "grocery stores, supermarkets", the closest code in NAPAS's MCC table to a market
// stall selling food.
inline constexpr std::string_view kStallMerchantCategory = "5411";

struct StallQr {
  // The stall payment request this QR pays: 1..kMaxStallRequestCodeChars visible ASCII
  // characters (no space).
  std::string request_code;
  // The stall's name (ID 59): 1..kMaxEmvcoMerchantNameChars printable ASCII characters.
  std::string merchant_name;
  // Where the stall is (ID 60): 1..kMaxEmvcoMerchantCityChars printable ASCII characters.
  std::string city;
  // Whole dong asked for (ID 54); 0 means none: the buyer types it. Default: 0.
  std::int64_t amount = 0;
};

// The stall payload of `request`: 00 = "01", 01 = "12" (a request is paid once), 27 (market4),
// 52 = kStallMerchantCategory, 53 = "704", 54 (if an amount), 58 = "VN", 59, 60, 63 (CRC).
// INVALID_ARGUMENT, with detail field=<the field>, for anything outside the rules above.
[[nodiscard]] Result<std::string> StallQrPayload(const StallQr& request);

}  // namespace market4
