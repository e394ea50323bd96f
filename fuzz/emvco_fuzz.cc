// Fuzzes the EMVCo QR builders (common/emvco.h): a NAPAS VietQR transfer or a market4 stall
// request is built from fields taken from the input, then read back with a TLV reader written
// here from the specification (not from the builder), with a bit-by-bit CRC. Asserts: the
// builder accepts the fields exactly when they keep the documented rules; an accepted payload
// is data objects from end to end, in the documented order, holding every field as given,
// and closed by a CRC object whose value is the CRC-16/CCITT-FALSE of everything before it.
// Also: Crc16CcittFalse agrees with the bit-by-bit CRC on the raw input.
//
// Input: a byte (even: VietQR, odd: stall), then NUL-separated fields. VietQR: bank BIN,
// account number, amount, payment code, merchant name. Stall: request code, merchant name,
// city, amount.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/emvco.h"
#include "common/limits.h"
#include "fuzz/fuzz_input.h"
#include "tests/common/reference_crc.h"

namespace market4::fuzz {
namespace {

struct DataObject {
  std::string id;
  std::string value;
};

bool AllOf(std::string_view text, char low, char high) {
  for (char c : text) {
    if (c < low || c > high) return false;
  }
  return true;
}

bool Digits(std::string_view text) { return AllOf(text, '0', '9'); }

// EMV QRCPS-MPM 4.1: two digits of ID, two digits of length (01-99), that many characters.
// False unless `text` is exactly a sequence of such objects.
bool ParseObjects(std::string_view text, std::vector<DataObject>* objects) {
  objects->clear();
  for (std::size_t at = 0; at < text.size();) {
    if (text.size() - at < 4 || !Digits(text.substr(at, 4))) return false;
    std::size_t length = static_cast<std::size_t>((text[at + 2] - '0') * 10 + text[at + 3] - '0');
    if (length == 0 || text.size() - at - 4 < length) return false;
    objects->push_back({std::string(text.substr(at, 2)), std::string(text.substr(at + 4, length))});
    at += 4 + length;
  }
  return true;
}

using testing::ReferenceCrc;

std::string Hex4(std::uint16_t value) {
  char text[5];
  std::snprintf(text, sizeof text, "%04X", value);
  return text;
}

// Text of 1..max printable ASCII characters, or empty when `optional`.
bool TextKeepsRules(std::string_view text, std::size_t max, bool optional) {
  if (text.empty()) return optional;
  return text.size() <= max && AllOf(text, 0x20, 0x7e);
}

bool AmountKeepsRules(std::int64_t amount) {
  return amount >= 0 && std::to_string(amount).size() <= kMaxEmvcoAmountChars;
}

// The objects of `text`, which must parse.
std::vector<DataObject> Objects(std::string_view text) {
  std::vector<DataObject> objects;
  Require(ParseObjects(text, &objects), "a payload or template is data objects end to end", text);
  return objects;
}

// Checks `payload`'s objects against `expected` (ID and value, in order; a template's value
// as Template writes it), then its CRC.
void ExpectPayload(const std::string& payload, const std::vector<DataObject>& expected) {
  std::vector<DataObject> objects = Objects(payload);
  Require(objects.size() == expected.size() + 1, "the payload holds exactly the fields given",
          payload);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    Require(objects[i].id == expected[i].id, "objects come in the documented order", payload);
    Require(objects[i].value == expected[i].value, "each object holds its field as given",
            payload + "\nobject " + expected[i].id + " expected " + expected[i].value);
  }
  std::string_view covered = std::string_view(payload).substr(0, payload.size() - 4);
  Require(objects.back().id == "63" && covered.ends_with("6304"), "the CRC object comes last",
          payload);
  Require(objects.back().value == Hex4(ReferenceCrc(covered)),
          "the CRC covers everything before its value", payload);
}

// The text of `objects` as data objects (the expected template values).
std::string Template(const std::vector<DataObject>& objects) {
  std::string text;
  for (const DataObject& object : objects) {
    text += object.id;
    text += static_cast<char>('0' + object.value.size() / 10);
    text += static_cast<char>('0' + object.value.size() % 10);
    text += object.value;
  }
  return text;
}

void FuzzVietQr(FuzzInput& input) {
  VietQrTransfer transfer;
  transfer.bank_bin = input.Field();
  transfer.account_number = input.Field();
  transfer.amount = input.Integer();
  transfer.payment_code = input.Field();
  transfer.merchant_name = input.Field();
  const auto& t = transfer;
  bool valid = t.bank_bin.size() == kBankBinDigits && Digits(t.bank_bin) &&
               !t.account_number.empty() && t.account_number.size() <= kMaxBankAccountDigits &&
               Digits(t.account_number) && AmountKeepsRules(t.amount) &&
               TextKeepsRules(t.payment_code, kMaxEmvcoAdditionalDataChars, true) &&
               TextKeepsRules(t.merchant_name, kMaxEmvcoMerchantNameChars, true);
  Result<std::string> payload = VietQrPayload(transfer);
  Require(payload.ok() == valid, "VietQrPayload accepts exactly the fields that keep its rules",
          payload.ok() ? payload.value() : payload.status().ToString());
  if (!payload.ok()) return;
  std::string beneficiary = Template({{"00", t.bank_bin}, {"01", t.account_number}});
  std::vector<DataObject> expected = {
      {"00", "01"},
      {"01", t.amount > 0 ? "12" : "11"},
      {"38", Template({{"00", "A000000727"}, {"01", beneficiary}, {"02", "QRIBFTTA"}})},
      {"53", "704"}};
  if (t.amount > 0) expected.push_back({"54", std::to_string(t.amount)});
  expected.push_back({"58", "VN"});
  if (!t.merchant_name.empty()) expected.push_back({"59", t.merchant_name});
  if (!t.payment_code.empty()) expected.push_back({"62", Template({{"08", t.payment_code}})});
  ExpectPayload(payload.value(), expected);
  // The templates themselves read back as objects (Template above only wrote them).
  Objects(Objects(payload.value())[2].value);
}

void FuzzStall(FuzzInput& input) {
  StallQr request;
  request.request_code = input.Field();
  request.merchant_name = input.Field();
  request.city = input.Field();
  request.amount = input.Integer();
  const auto& r = request;
  bool valid = !r.request_code.empty() && r.request_code.size() <= kMaxStallRequestCodeChars &&
               AllOf(r.request_code, 0x21, 0x7e) &&
               TextKeepsRules(r.merchant_name, kMaxEmvcoMerchantNameChars, false) &&
               TextKeepsRules(r.city, kMaxEmvcoMerchantCityChars, false) &&
               AmountKeepsRules(r.amount);
  Result<std::string> payload = StallQrPayload(request);
  Require(payload.ok() == valid, "StallQrPayload accepts exactly the fields that keep its rules",
          payload.ok() ? payload.value() : payload.status().ToString());
  if (!payload.ok()) return;
  std::vector<DataObject> expected = {
      {"00", "01"},
      {"01", "12"},
      {"27", Template({{"00", std::string(kStallGuid)}, {"01", r.request_code}})},
      {"52", std::string(kStallMerchantCategory)},
      {"53", "704"}};
  if (r.amount > 0) expected.push_back({"54", std::to_string(r.amount)});
  expected.push_back({"58", "VN"});
  expected.push_back({"59", r.merchant_name});
  expected.push_back({"60", r.city});
  ExpectPayload(payload.value(), expected);
}

}  // namespace
}  // namespace market4::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  Require(market4::Crc16CcittFalse(raw) == ReferenceCrc(raw),
          "the table CRC agrees with the bit-by-bit CRC");
  FuzzInput input(data, size);
  if (input.Byte() % 2 == 0) {
    FuzzVietQr(input);
  } else {
    FuzzStall(input);
  }
  return 0;
}
