#include "common/emvco.h"

#include <array>
#include <cstddef>

#include "common/limits.h"

namespace market4 {
namespace {

static_assert(kNapasGuid.size() <= kMaxEmvcoGuidChars);
static_assert(kStallGuid.size() <= kMaxEmvcoGuidChars);

constexpr std::string_view kPayloadFormatIndicator = "01";
constexpr std::string_view kStaticQr = "11";        // shown for many transfers
constexpr std::string_view kDynamicQr = "12";       // made for one transfer
constexpr std::string_view kCurrencyVnd = "704";    // ISO 4217
constexpr std::string_view kCountryVietnam = "VN";  // ISO 3166-1 alpha-2
constexpr int kCrcId = 63;
constexpr std::size_t kCrcHexDigits = 4;

// Root IDs (EMV QRCPS-MPM table 3.x; NAPAS VietQR table 1).
enum RootId : int {
  kPayloadFormatId = 0,
  kInitiationId = 1,
  kCategoryId = 52,
  kCurrencyId = 53,
  kAmountId = 54,
  kCountryId = 58,
  kMerchantNameId = 59,
  kMerchantCityId = 60,
  kAdditionalDataId = 62,
};
constexpr int kPurposeId = 8;  // inside ID 62

// CRC-16/CCITT-FALSE, one table entry per byte value.
constexpr std::array<std::uint16_t, 256> MakeCrcTable() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    auto crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}
constexpr std::array<std::uint16_t, 256> kCrcTable = MakeCrcTable();

std::string TwoDigits(std::size_t number) {
  return {static_cast<char>('0' + number / 10), static_cast<char>('0' + number % 10)};
}

std::string UpperHex(std::uint16_t value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string hex(kCrcHexDigits, '0');
  for (std::size_t i = kCrcHexDigits; i-- > 0; value >>= 4) hex[i] = kHex[value & 0xf];
  return hex;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsVisibleAscii(std::string_view text) {
  for (char c : text) {
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status Invalid(std::string_view field, std::string why) {
  return Status(Code::kInvalidArgument, std::string(field) + " " + std::move(why))
      .WithDetail("field", std::string(field));
}

// Checks an optional or required text field of `max_chars` printable ASCII characters.
Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars,
                 bool required) {
  if (text.empty()) return required ? Invalid(field, "must not be empty") : Status::Ok();
  if (!IsPrintableAscii(text)) return Invalid(field, "must be printable ASCII");
  if (text.size() > max_chars) {
    return Invalid(field, "must be at most " + std::to_string(max_chars) + " characters");
  }
  return Status::Ok();
}

// Whole dong as ID 54 writes them; "" for none (0). Refuses what cannot be written.
Result<std::string> AmountText(std::int64_t amount) {
  if (amount < 0) return Invalid("amount", "must not be negative");
  if (amount == 0) return std::string();
  std::string text = std::to_string(amount);
  if (text.size() > kMaxEmvcoAmountChars) {
    return Invalid("amount", "must be at most " + std::to_string(kMaxEmvcoAmountChars) + " digits");
  }
  return text;
}

Status CheckTransfer(const VietQrTransfer& transfer) {
  if (transfer.bank_bin.size() != kBankBinDigits || !IsDigits(transfer.bank_bin)) {
    return Invalid("bank_bin", "must be " + std::to_string(kBankBinDigits) + " digits");
  }
  const std::string& account = transfer.account_number;
  if (account.empty() || account.size() > kMaxBankAccountDigits || !IsDigits(account)) {
    return Invalid("account_number",
                   "must be 1 to " + std::to_string(kMaxBankAccountDigits) + " digits");
  }
  Status status = CheckText("payment_code", transfer.payment_code, kMaxEmvcoAdditionalDataChars,
                            /*required=*/false);
  if (!status.ok()) return status;
  return CheckText("merchant_name", transfer.merchant_name, kMaxEmvcoMerchantNameChars,
                   /*required=*/false);
}

Status CheckStall(const StallQr& request) {
  const std::string& code = request.request_code;
  if (code.empty() || code.size() > kMaxStallRequestCodeChars || !IsVisibleAscii(code)) {
    return Invalid("request_code", "must be 1 to " + std::to_string(kMaxStallRequestCodeChars) +
                                       " visible ASCII characters");
  }
  Status status = CheckText("merchant_name", request.merchant_name, kMaxEmvcoMerchantNameChars,
                            /*required=*/true);
  if (!status.ok()) return status;
  return CheckText("city", request.city, kMaxEmvcoMerchantCityChars, /*required=*/true);
}

}  // namespace

std::uint16_t Crc16CcittFalse(std::string_view data) {
  std::uint16_t crc = 0xffff;
  for (unsigned char byte : data) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ byte) & 0xff]);
  }
  return crc;
}

EmvcoBuilder& EmvcoBuilder::Add(int id, std::string_view value) {
  if (!status_.ok()) return *this;
  if (id < 0 || id > 99) {
    status_ = Status(Code::kInvalidArgument, "EMVCo data object IDs are 00 to 99")
                  .WithDetail("id", std::to_string(id));
    return *this;
  }
  if (value.empty() || value.size() > kMaxEmvcoValueChars || !IsPrintableAscii(value)) {
    status_ =
        Status(Code::kInvalidArgument,
               "EMVCo data object " + TwoDigits(static_cast<std::size_t>(id)) + " must hold 1 to " +
                   std::to_string(kMaxEmvcoValueChars) + " printable ASCII characters")
            .WithDetail("id", TwoDigits(static_cast<std::size_t>(id)));
    return *this;
  }
  text_ += TwoDigits(static_cast<std::size_t>(id));
  text_ += TwoDigits(value.size());
  text_ += value;
  return *this;
}

EmvcoBuilder& EmvcoBuilder::AddTemplate(int id, const EmvcoBuilder& nested) {
  if (!status_.ok()) return *this;
  if (!nested.status_.ok()) {
    status_ = nested.status_;
    return *this;
  }
  return Add(id, nested.text_);
}

Result<std::string> EmvcoBuilder::Build() const {
  if (!status_.ok()) return status_;
  return text_;
}

Result<std::string> EmvcoBuilder::BuildPayload() const {
  if (!status_.ok()) return status_;
  std::string payload = text_ + TwoDigits(kCrcId) + TwoDigits(kCrcHexDigits);
  payload += UpperHex(Crc16CcittFalse(payload));
  return payload;
}

Result<std::string> VietQrPayload(const VietQrTransfer& transfer) {
  Status status = CheckTransfer(transfer);
  if (!status.ok()) return status;
  Result<std::string> amount = AmountText(transfer.amount);
  if (!amount.ok()) return amount.status();

  EmvcoBuilder beneficiary;
  beneficiary.Add(0, transfer.bank_bin).Add(1, transfer.account_number);
  EmvcoBuilder napas;
  napas.Add(0, kNapasGuid).AddTemplate(1, beneficiary).Add(2, kNapasTransferToAccount);

  EmvcoBuilder root;
  root.Add(kPayloadFormatId, kPayloadFormatIndicator)
      .Add(kInitiationId, amount->empty() ? kStaticQr : kDynamicQr)
      .AddTemplate(kVietQrTemplateId, napas)
      .Add(kCurrencyId, kCurrencyVnd);
  if (!amount->empty()) root.Add(kAmountId, amount.value());
  root.Add(kCountryId, kCountryVietnam);
  if (!transfer.merchant_name.empty()) root.Add(kMerchantNameId, transfer.merchant_name);
  if (!transfer.payment_code.empty()) {
    EmvcoBuilder additional;
    additional.Add(kPurposeId, transfer.payment_code);
    root.AddTemplate(kAdditionalDataId, additional);
  }
  return root.BuildPayload();
}

Result<std::string> StallQrPayload(const StallQr& request) {
  Status status = CheckStall(request);
  if (!status.ok()) return status;
  Result<std::string> amount = AmountText(request.amount);
  if (!amount.ok()) return amount.status();

  EmvcoBuilder market4;
  market4.Add(0, kStallGuid).Add(1, request.request_code);

  EmvcoBuilder root;
  root.Add(kPayloadFormatId, kPayloadFormatIndicator)
      .Add(kInitiationId, kDynamicQr)
      .AddTemplate(kStallTemplateId, market4)
      .Add(kCategoryId, kStallMerchantCategory)
      .Add(kCurrencyId, kCurrencyVnd);
  if (!amount->empty()) root.Add(kAmountId, amount.value());
  root.Add(kCountryId, kCountryVietnam)
      .Add(kMerchantNameId, request.merchant_name)
      .Add(kMerchantCityId, request.city);
  return root.BuildPayload();
}

}  // namespace market4
