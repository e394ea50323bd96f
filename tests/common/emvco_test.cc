// EMVCo payloads: every payload the builders make is read back by a parser written here from
// the specification (not from the builder), field by field, with its CRC recomputed bit by bit;
// published payloads (NAPAS's VietQR specification, open-source generators) pass the same
// checks, and two are rebuilt byte for byte.
#include "common/emvco.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/limits.h"
#include "tests/common/tlv.h"

namespace market4 {
namespace emvco_test {

using namespace tlv;  // NOLINT: the test's own parser

std::string Built(const Result<std::string>& result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result.value() : "";
}

// --- Published payloads ---

struct Published {
  const char* source;
  const char* payload;
};

// NAPAS, "Tài liệu quy định về định dạng mã VietQR trong dịch vụ chuyển nhanh NAPAS247",
// version 1.0, September 2021 (vietqr.net), section 6.1, kept in github.com/subiz/vietqr as
// spec/QR_Format_T&C_v1.0_VN_092021.pdf.
constexpr char kNapasStaticToAccount[] =  // 6.1.1
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN"
    "6304F4E5";
constexpr char kNapasStaticToCard[] =  // 6.1.2
    "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN"
    "63044F52";
constexpr char kNapasDynamicToAccount[] =  // 6.1.3
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704540618000058"
    "02VN62340107NPS68690819thanh toan don hang63042E2E";
// github.com/subiz/vietqr, README.md (a Go VietQR generator).
constexpr char kSubizDynamic[] =
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA53037045406120000"
    "5802VN62170813ung ho lu lut6304C15C";
constexpr char kSubizStatic[] =
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";
// github.com/xuannghia/vietnam-qr-pay, test/test-vnpay-qr.spec.ts: a VNPAY-QR merchant payload
// (ID 26), with the MCC, merchant name and city that VietQR leaves out.
constexpr char kVnpayMerchant[] =
    "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI"
    "62260311MY PHAM HER0707MPHER0163041C50";

TEST(EmvcoTest, CrcCheckValueAndReference) {
  EXPECT_EQ(Crc16CcittFalse("123456789"), 0x29B1);  // the catalogued check value
  EXPECT_EQ(ReferenceCrc("123456789"), 0x29B1);
  EXPECT_EQ(Crc16CcittFalse(""), 0xFFFF);
  std::mt19937 random(7);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(random() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    ASSERT_EQ(Crc16CcittFalse(bytes), ReferenceCrc(bytes)) << i;
  }
}

TEST(EmvcoTest, PublishedPayloadsAreWellFormed) {
  const Published published[] = {
      {"NAPAS 6.1.1", kNapasStaticToAccount},  {"NAPAS 6.1.2", kNapasStaticToCard},
      {"NAPAS 6.1.3", kNapasDynamicToAccount}, {"subiz dynamic", kSubizDynamic},
      {"subiz static", kSubizStatic},          {"VNPAY-QR", kVnpayMerchant},
  };
  for (const Published& example : published) {
    SCOPED_TRACE(example.source);
    ExpectWellFormed(example.payload);
    // One changed character anywhere breaks the CRC.
    std::string altered = example.payload;
    altered[20] = altered[20] == '0' ? '1' : '0';
    std::string_view covered = std::string_view(altered).substr(0, altered.size() - 4);
    EXPECT_NE(Hex4(Crc16CcittFalse(covered)), altered.substr(altered.size() - 4));
  }
}

TEST(EmvcoTest, NapasDynamicExampleDecodes) {
  const std::string payload = kNapasDynamicToAccount;
  EXPECT_EQ(RootIds(payload),
            (std::vector<std::string>{"00", "01", "38", "53", "54", "58", "62", "63"}));
  EXPECT_EQ(At(payload, {"01"}), "12");
  EXPECT_EQ(At(payload, {"38", "00"}), kNapasGuid);
  EXPECT_EQ(At(payload, {"38", "01", "00"}), "970403");
  EXPECT_EQ(At(payload, {"38", "01", "01"}), "0011012345678");
  EXPECT_EQ(At(payload, {"38", "02"}), kNapasTransferToAccount);
  EXPECT_EQ(At(payload, {"53"}), "704");
  EXPECT_EQ(At(payload, {"54"}), "180000");
  EXPECT_EQ(At(payload, {"58"}), "VN");
  EXPECT_EQ(At(payload, {"62", "01"}), "NPS6869");
  EXPECT_EQ(At(payload, {"62", "08"}), "thanh toan don hang");
  EXPECT_EQ(At(payload, {"63"}), "2E2E");
}

// NAPAS's own static example carries a valid CRC, but its beneficiary says the account has 12
// characters and then gives 13 ("0011012345678"): the checks above hold, the nested template
// does not parse. Our payloads never do this (every length is counted, not typed).
TEST(EmvcoTest, NapasStaticExampleHasAMiscountedAccount) {
  std::vector<DataObject> beneficiary;
  EXPECT_EQ(At(kNapasStaticToAccount, {"38", "01"}), "000697040301120011012345678");
  EXPECT_FALSE(ParseObjects(At(kNapasStaticToAccount, {"38", "01"}), &beneficiary));
  VietQrTransfer transfer{.bank_bin = "970403", .account_number = "0011012345678"};
  std::string ours = Built(VietQrPayload(transfer));
  EXPECT_EQ(At(ours, {"38", "01", "01"}), "0011012345678");
}

TEST(EmvcoTest, RebuildsPublishedPayloadsByteForByte) {
  VietQrTransfer dynamic{.bank_bin = "970415",
                         .account_number = "0011001932418",
                         .amount = 120'000,
                         .payment_code = "ung ho lu lut"};
  EXPECT_EQ(Built(VietQrPayload(dynamic)), kSubizDynamic);
  VietQrTransfer fixed{.bank_bin = "970423", .account_number = "0099999999"};
  EXPECT_EQ(Built(VietQrPayload(fixed)), kSubizStatic);
}

TEST(EmvcoTest, VietQrForAnOrder) {
  VietQrTransfer transfer{.bank_bin = "970436",
                          .account_number = "1012345678",
                          .amount = 80'000,
                          .payment_code = "M4K7QX2M9R",
                          .merchant_name = "CO BA RAU SACH"};
  std::string payload = Built(VietQrPayload(transfer));
  ExpectWellFormed(payload);
  EXPECT_EQ(RootIds(payload),
            (std::vector<std::string>{"00", "01", "38", "53", "54", "58", "59", "62", "63"}));
  EXPECT_EQ(At(payload, {"01"}), "12");
  EXPECT_EQ(Objects(At(payload, {"38"})).size(), 3u);
  EXPECT_EQ(At(payload, {"38", "00"}), "A000000727");
  EXPECT_EQ(At(payload, {"38", "01", "00"}), "970436");
  EXPECT_EQ(At(payload, {"38", "01", "01"}), "1012345678");
  EXPECT_EQ(At(payload, {"38", "02"}), "QRIBFTTA");
  EXPECT_EQ(At(payload, {"53"}), "704");
  EXPECT_EQ(At(payload, {"54"}), "80000");
  EXPECT_EQ(At(payload, {"58"}), "VN");
  EXPECT_EQ(At(payload, {"59"}), "CO BA RAU SACH");
  EXPECT_EQ(Objects(At(payload, {"62"})).size(), 1u);
  EXPECT_EQ(At(payload, {"62", "08"}), "M4K7QX2M9R");
}

TEST(EmvcoTest, VietQrWithoutAmountIsStatic) {
  VietQrTransfer transfer{.bank_bin = "970422", .account_number = "0987654321"};
  std::string payload = Built(VietQrPayload(transfer));
  ExpectWellFormed(payload);
  EXPECT_EQ(RootIds(payload), (std::vector<std::string>{"00", "01", "38", "53", "58", "63"}));
  EXPECT_EQ(At(payload, {"01"}), "11");
}

TEST(EmvcoTest, ManyVietQrPayloadsDecode) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 500; ++i) {
    VietQrTransfer transfer;
    transfer.bank_bin = std::to_string(900'000 + random() % 100'000);
    transfer.account_number = std::to_string(random() % 10'000'000'000'000'000'000u);
    transfer.amount = static_cast<std::int64_t>(random() % 3 == 0 ? 0 : random() % 10'000'000'000);
    if (random() % 2) transfer.payment_code = "M4" + std::to_string(random() % 100'000'000);
    if (random() % 2) transfer.merchant_name = "Sap " + std::to_string(i);
    std::string payload = Built(VietQrPayload(transfer));
    SCOPED_TRACE(payload);
    ExpectWellFormed(payload);
    EXPECT_EQ(At(payload, {"01"}), transfer.amount == 0 ? "11" : "12");
    EXPECT_EQ(At(payload, {"38", "01", "00"}), transfer.bank_bin);
    EXPECT_EQ(At(payload, {"38", "01", "01"}), transfer.account_number);
    EXPECT_EQ(At(payload, {"54"}),
              transfer.amount == 0 ? "<absent>" : std::to_string(transfer.amount));
    EXPECT_EQ(At(payload, {"62"}) == "<absent>", transfer.payment_code.empty());
    if (!transfer.payment_code.empty()) {
      EXPECT_EQ(At(payload, {"62", "08"}), transfer.payment_code);
    }
  }
}

TEST(EmvcoTest, LargestAmountAndLongestFields) {
  VietQrTransfer transfer{.bank_bin = "970436",
                          .account_number = std::string(kMaxBankAccountDigits, '9'),
                          .amount = 9'999'999'999'999,
                          .payment_code = std::string(kMaxEmvcoAdditionalDataChars, 'X'),
                          .merchant_name = std::string(kMaxEmvcoMerchantNameChars, 'N')};
  std::string payload = Built(VietQrPayload(transfer));
  ExpectWellFormed(payload);
  EXPECT_EQ(At(payload, {"54"}), "9999999999999");
}

TEST(EmvcoTest, StallPayload) {
  StallQr request{.request_code = "M4K7QX2M9R",
                  .merchant_name = "Co Ba - sap 12",
                  .city = "Vi Thanh",
                  .amount = 25'000};
  std::string payload = Built(StallQrPayload(request));
  ExpectWellFormed(payload);
  EXPECT_EQ(RootIds(payload),
            (std::vector<std::string>{"00", "01", "27", "52", "53", "54", "58", "59", "60", "63"}));
  EXPECT_EQ(At(payload, {"01"}), "12");
  EXPECT_EQ(Objects(At(payload, {"27"})).size(), 2u);
  EXPECT_EQ(At(payload, {"27", "00"}), "be549091bb07428eae8bb00eb210eff5");
  EXPECT_EQ(At(payload, {"27", "01"}), "M4K7QX2M9R");
  EXPECT_EQ(At(payload, {"52"}), "5411");
  EXPECT_EQ(At(payload, {"53"}), "704");
  EXPECT_EQ(At(payload, {"54"}), "25000");
  EXPECT_EQ(At(payload, {"58"}), "VN");
  EXPECT_EQ(At(payload, {"59"}), "Co Ba - sap 12");
  EXPECT_EQ(At(payload, {"60"}), "Vi Thanh");
  EXPECT_EQ(At(payload, {"38"}), "<absent>");  // no bank app takes it for a transfer

  request.amount = 0;
  payload = Built(StallQrPayload(request));
  ExpectWellFormed(payload);
  EXPECT_EQ(At(payload, {"54"}), "<absent>");
  EXPECT_EQ(At(payload, {"01"}), "12");
}

// The field a refusal names, or "ok".
template <typename T>
std::string RefusedField(const Result<T>& result) {
  if (result.ok()) return "ok";
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  auto field = result.status().details().find("field");
  return field == result.status().details().end() ? "?" : field->second;
}

TEST(EmvcoTest, VietQrRefusals) {
  const VietQrTransfer good{.bank_bin = "970436", .account_number = "1012345678"};
  auto with = [&](auto change) {
    VietQrTransfer transfer = good;
    change(transfer);
    return RefusedField(VietQrPayload(transfer));
  };
  EXPECT_EQ(with([](VietQrTransfer&) {}), "ok");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.bank_bin = "97043"; }), "bank_bin");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.bank_bin = "9704366"; }), "bank_bin");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.bank_bin = "97043A"; }), "bank_bin");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.account_number = ""; }), "account_number");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.account_number = std::string(20, '1'); }),
            "account_number");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.account_number = "1012 345678"; }), "account_number");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.account_number = "V3CAS6262723924"; }),
            "account_number");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.amount = -1; }), "amount");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.amount = 10'000'000'000'000; }), "amount");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.payment_code = std::string(26, 'X'); }), "payment_code");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.payment_code = "M4\nABC"; }), "payment_code");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.merchant_name = "Cô Ba"; }), "merchant_name");
  EXPECT_EQ(with([](VietQrTransfer& t) { t.merchant_name = std::string(26, 'N'); }),
            "merchant_name");
}

TEST(EmvcoTest, StallRefusals) {
  const StallQr good{.request_code = "M4K7QX2M9R", .merchant_name = "Co Ba", .city = "Vi Thanh"};
  auto with = [&](auto change) {
    StallQr request = good;
    change(request);
    return RefusedField(StallQrPayload(request));
  };
  EXPECT_EQ(with([](StallQr&) {}), "ok");
  EXPECT_EQ(with([](StallQr& r) { r.request_code = ""; }), "request_code");
  EXPECT_EQ(with([](StallQr& r) { r.request_code = "M4 K7"; }), "request_code");
  EXPECT_EQ(with([](StallQr& r) { r.request_code = std::string(26, 'R'); }), "request_code");
  EXPECT_EQ(with([](StallQr& r) { r.merchant_name = ""; }), "merchant_name");
  EXPECT_EQ(with([](StallQr& r) { r.merchant_name = "Chợ Vị Thanh"; }), "merchant_name");
  EXPECT_EQ(with([](StallQr& r) { r.city = ""; }), "city");
  EXPECT_EQ(with([](StallQr& r) { r.city = std::string(16, 'C'); }), "city");
  EXPECT_EQ(with([](StallQr& r) { r.amount = -5; }), "amount");
}

TEST(EmvcoTest, BuilderNestsAndCounts) {
  EmvcoBuilder inner;
  inner.Add(0, "970436").Add(1, "123");
  EmvcoBuilder outer;
  outer.Add(0, "01").AddTemplate(38, inner).Add(99, std::string(99, 'z'));
  Result<std::string> text = outer.Build();
  ASSERT_TRUE(text.ok());
  // 00 "01"; 38 of 17 characters: 00 "970436", 01 "123"; 99 of 99 characters.
  EXPECT_EQ(text.value(), "0002013817000697043601031239999" + std::string(99, 'z'));
  Result<std::string> payload = outer.BuildPayload();
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload.value().substr(0, text.value().size()), text.value());
  ExpectWellFormed(payload.value());
}

TEST(EmvcoTest, BuilderRefusalsStick) {
  auto refused = [](const EmvcoBuilder& builder) {
    Result<std::string> text = builder.Build();
    Result<std::string> payload = builder.BuildPayload();
    EXPECT_FALSE(payload.ok());
    return text.ok() ? "ok" : text.status().details().at("id");
  };
  EXPECT_EQ(refused(EmvcoBuilder().Add(100, "x")), "100");
  EXPECT_EQ(refused(EmvcoBuilder().Add(-1, "x")), "-1");
  EXPECT_EQ(refused(EmvcoBuilder().Add(5, "")), "05");
  EXPECT_EQ(refused(EmvcoBuilder().Add(5, std::string(100, 'x'))), "05");
  EXPECT_EQ(refused(EmvcoBuilder().Add(7, "tab\there")), "07");
  EXPECT_EQ(refused(EmvcoBuilder().Add(7, "\xc3\xb4")), "07");  // "ô"
  // The first refusal is kept; later objects are not added.
  EXPECT_EQ(refused(EmvcoBuilder().Add(1, "").Add(2, std::string(100, 'x'))), "01");
  // A refused template refuses the payload around it.
  EmvcoBuilder bad_inner;
  bad_inner.Add(3, "");
  EXPECT_EQ(refused(EmvcoBuilder().Add(0, "01").AddTemplate(38, bad_inner)), "03");
  // A template whose objects add up to more than 99 characters cannot be nested.
  EmvcoBuilder big_inner;
  big_inner.Add(0, std::string(60, 'a')).Add(1, std::string(40, 'b'));
  EXPECT_EQ(refused(EmvcoBuilder().AddTemplate(38, big_inner)), "38");
}

}  // namespace emvco_test
}  // namespace market4
