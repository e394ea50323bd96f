// Settlement reconciliation on the engine: the settlement CSV reader on its own (quoting, line
// ends, every malformed case with its line number, the row cap), then a business day of
// top-ups, provider payments, payouts, bank credits and exception credits applied through
// provider events and compared with settlement files holding planted differences: each is
// found exactly once and nothing else is flagged.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "common/limits.h"
#include "engine/settlement_csv.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace reconciliation_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kHeader[] = "provider_txn_id,type,amount,fee,time\n";
constexpr char kTime[] = "2026-01-01T09:00:00+07:00";

// The malformed lines of a file as "line: error", one per line.
std::string Problems(const SettlementFile& file) {
  std::string out;
  for (const auto& problem : file.malformed) {
    out += std::to_string(problem.line) + ": " + problem.error + "\n";
  }
  return out;
}

SettlementFile Parsed(std::string_view text) {
  auto file = ParseSettlementCsv(text);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? std::move(file).value() : SettlementFile();
}

TEST(SettlementCsvTest, ReadsQuotedFieldsCrlfAByteOrderMarkAndTrailingBlankLines) {
  SettlementFile file = Parsed(
      "\xEF\xBB\xBFprovider_txn_id,type,amount,fee,time\r\n"
      "\"T,1\",topup.succeeded,100000,1000,2026-01-01T09:00:00+07:00\r\n"
      "\"say \"\"hi\"\"\",\"payout.succeeded\",\"5\",0,2026-01-01T02:00:00Z\r\n"
      "Mã-1,bank.credit,7,0,2026-01-01T09:00:00.5+07:00\r\n"
      "\r\n\r\n");
  EXPECT_EQ(Problems(file), "");
  ASSERT_EQ(file.rows.size(), 3u);
  EXPECT_EQ(file.rows[0].line, 2u);
  EXPECT_EQ(file.rows[0].provider_txn_id, "T,1");
  EXPECT_EQ(file.rows[0].type, "topup.succeeded");
  EXPECT_EQ(file.rows[0].amount, 100'000);
  EXPECT_EQ(file.rows[0].fee, 1'000);
  EXPECT_EQ(file.rows[0].time_ns, 1'767'232'800'000'000'000);
  EXPECT_EQ(file.rows[1].provider_txn_id, "say \"hi\"");
  EXPECT_EQ(file.rows[1].time_ns, file.rows[0].time_ns);
  EXPECT_EQ(file.rows[2].provider_txn_id, "Mã-1");
  EXPECT_EQ(file.rows[2].line, 4u);
  // LF line ends and no final line end read the same.
  SettlementFile plain = Parsed(std::string(kHeader) + "T1,topup.succeeded,1,0," + kTime);
  EXPECT_EQ(Problems(plain), "");
  EXPECT_EQ(plain.rows.size(), 1u);
}

TEST(SettlementCsvTest, EveryMalformedLineIsNamedWithItsNumberAndNothingElseIsLost) {
  std::string t = std::string(",") + kTime;
  SettlementFile file = Parsed(std::string(kHeader) +
                               "A,topup.succeeded,1,0\n"  // 2
                               ",topup.succeeded,1,0" +
                               t +
                               "\n"  // 3
                               "B,topup.succeeded,1.5,0" +
                               t +
                               "\n"  // 4
                               "C,topup.succeeded,-5,0" +
                               t +
                               "\n"  // 5
                               "D,topup.succeeded,5,-1" +
                               t +
                               "\n"                                 // 6
                               "E,topup.succeeded,5,0,yesterday\n"  // 7
                               "F,topup.refunded,5,0" +
                               t +
                               "\n"  // 8
                               "G\"x,topup.succeeded,5,0" +
                               t +
                               "\n"  // 9
                               "\"H\"x,topup.succeeded,5,0" +
                               t +
                               "\n"  // 10
                               "\"I,topup.succeeded,5,0" +
                               t +
                               "\n"  // 11
                               "J\xC3,topup.succeeded,5,0" +
                               t +
                               "\n"  // 12
                               "\n"  // 13
                               "K,topup.succeeded,,0" +
                               t +
                               "\n"  // 14
                               "L,topup.succeeded,99999999999999999999,0" +
                               t +
                               "\n"  // 15
                               "M,topup.succeeded,10000000000001,0" +
                               t +
                               "\n"                                           // 16
                               "N,topup.succeeded,5,0,2026-01-01T09:00:00\n"  // 17
                               "O,topup.succeeded,5,0" +
                               t +
                               ",extra\n"  // 18
                               "P,topup.succeeded,5,0" +
                               t + "\n");  // 19
  EXPECT_EQ(Problems(file),
            "2: expected 5 fields, found 4\n"
            "3: provider_txn_id is empty\n"
            "4: amount is not a whole number of dong: \"1.5\"\n"
            "5: amount must not be negative: \"-5\"\n"
            "6: fee must not be negative: \"-1\"\n"
            "7: time is not an RFC 3339 timestamp (2026-11-28T09:30:00+07:00): \"yesterday\"\n"
            "8: unknown type \"topup.refunded\": expected one of topup.succeeded, "
            "payment.succeeded, payout.succeeded, bank.credit\n"
            "9: field 1: a quote inside an unquoted field\n"
            "10: field 1: characters after the closing quote\n"
            "11: field 1: unterminated quote\n"
            "12: invalid UTF-8 at byte 2\n"
            "13: empty line\n"
            "14: amount is empty\n"
            "15: amount exceeds 10000000000000\n"
            "16: amount exceeds 10000000000000\n"
            "17: time is not an RFC 3339 timestamp (2026-11-28T09:30:00+07:00): "
            "\"2026-01-01T09:00:00\"\n"
            "18: expected 5 fields, found 6\n");
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].provider_txn_id, "P");
  EXPECT_EQ(file.rows[0].line, 19u);
}

TEST(SettlementCsvTest, AMissingOrWrongHeaderIsLineOneAndTheRestIsStillRead) {
  SettlementFile missing =
      Parsed(std::string("T1,topup.succeeded,1,0,") + kTime + "\nT2,topup.succeeded,2,0," + kTime);
  EXPECT_EQ(Problems(missing),
            "1: expected the header provider_txn_id,type,amount,fee,time, found "
            "\"T1,topup.succeeded,1,0,2026-01-01T09:00:00+07:00\"\n");
  ASSERT_EQ(missing.rows.size(), 1u);
  EXPECT_EQ(missing.rows[0].line, 2u);
  EXPECT_EQ(Problems(Parsed("")),
            "1: the file is empty: expected the header provider_txn_id,type,amount,fee,time\n");
  EXPECT_EQ(Problems(Parsed("\n\r\n")),
            "1: the file is empty: expected the header provider_txn_id,type,amount,fee,time\n");
  EXPECT_EQ(Problems(Parsed("id,type,amount,fee,time\n")),
            "1: expected the header provider_txn_id,type,amount,fee,time, found "
            "\"id,type,amount,fee,time\"\n");
  EXPECT_EQ(Problems(Parsed("\xFF\n")),
            "1: expected the header provider_txn_id,type,amount,fee,"
            "time, found invalid UTF-8 at byte 1\n");
}

// Found by fuzz/settlement_csv_fuzz (fuzz/regressions/settlement_csv_fuzz/): a time whose
// nanoseconds since 1970 do not fit int64 overflowed in protobuf's TimestampToNanoseconds, and
// the row carried another instant (2262-04-12 became 1677-09-21). Such a line is malformed now.
TEST(SettlementCsvTest, TimeBeyondInt64NanosecondsIsMalformed) {
  SettlementFile file = Parsed(std::string(kHeader) +
                               "T1,topup.succeeded,1,0,2262-04-12T00:00:00Z\n"
                               "T2,topup.succeeded,1,0,1677-09-21T00:00:00Z\n"
                               "T3,topup.succeeded,1,0,9999-12-31T23:59:59Z\n"
                               "T4,topup.succeeded,1,0,2262-04-11T23:47:16Z\n"
                               "T5,topup.succeeded,1,0,1677-09-22T00:00:00Z\n");
  EXPECT_EQ(Problems(file),
            "2: time is outside 1677-09-21 to 2262-04-11: \"2262-04-12T00:00:00Z\"\n"
            "3: time is outside 1677-09-21 to 2262-04-11: \"1677-09-21T00:00:00Z\"\n"
            "4: time is outside 1677-09-21 to 2262-04-11: \"9999-12-31T23:59:59Z\"\n");
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].time_ns, 9'223'372'036'000'000'000);
  EXPECT_EQ(file.rows[1].time_ns, -9'223'286'400'000'000'000);
}

TEST(SettlementCsvTest, InvalidUtf8OfEveryKindIsRefused) {
  for (std::string bad : {"\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\xE2\x82"}) {
    SettlementFile file = Parsed(std::string(kHeader) + "T" + bad + ",bank.credit,1,0," + kTime);
    EXPECT_EQ(Problems(file), "2: invalid UTF-8 at byte 2\n") << bad.size();
  }
  SettlementFile fine = Parsed(std::string(kHeader) + "T\xF0\x9F\x92\xB0,bank.credit,1,0," + kTime);
  EXPECT_EQ(Problems(fine), "");
}

TEST(SettlementCsvTest, TooManyRowsRefusesTheWholeFile) {
  std::string text = kHeader;
  std::string line = std::string("T,bank.credit,1,0,") + kTime + "\n";
  for (std::size_t i = 0; i < kMaxSettlementRows; ++i) text += line;
  auto at_limit = ParseSettlementCsv(text);
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit->rows.size(), kMaxSettlementRows);
  text += line;
  auto over = ParseSettlementCsv(text);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(over.status(), "max_rows"), std::to_string(kMaxSettlementRows));
}

class ReconciliationTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    AddProvider("momo", v1::STANDARD_WEBHOOKS);
    Ok(AddBuyer("b_1"));
    Ok(AddMerchant("m_1"));
    Ok(AddListing("m_1", "l_1", 40'000, 100));
  }

  void AddProvider(const std::string& id, v1::ProviderScheme scheme) {
    CreateProvider command;
    command.request.set_id(id);
    command.request.set_name(id);
    command.request.set_scheme(scheme);
    command.request.add_secrets(kSecret);
    if (scheme == v1::BANK_TRANSFER) {
      command.request.set_bank_bin("970436");
      command.request.set_account_number("0011001234567");
      command.request.set_account_name("HTX CHO VI THANH");
    }
    Ok(engine_->Execute(command));
  }

  v1::ProviderEvent Deliver(const std::string& type, const std::string& reference,
                            std::int64_t amount, const std::string& txn,
                            const std::string& provider = "momo", const std::string& memo = "") {
    ReceiveProviderEvent command;
    ++events_;
    command.event.set_id("ev_" + std::to_string(events_));
    command.exception_id = "ex_" + std::to_string(events_);
    command.event.set_provider(provider);
    command.event.set_delivery_id("msg_" + std::to_string(events_));
    command.event.set_type(type);
    command.event.set_reference(reference);
    command.event.set_amount(amount);
    command.event.set_provider_txn_id(txn);
    command.event.set_memo(memo);
    return Ok(engine_->Execute(command));
  }

  // A top-up of `amount` settled by the provider's transaction `txn` for `paid`.
  v1::ProviderEvent ToppedUp(const std::string& id, std::int64_t amount, const std::string& txn,
                             std::int64_t paid = -1) {
    RequestTopUp command{"b_1", id, FreshKey(), {}};
    command.request.set_provider("momo");
    command.request.set_amount(amount);
    Ok(engine_->Execute(command));
    return Deliver("topup.succeeded", id, paid < 0 ? amount : paid, txn);
  }

  Answer<v1::Reconciliation> Reconcile(const std::string& text, const std::string& date,
                                       const std::string& provider = "momo",
                                       const std::string& key = "") {
    ReconcileSettlement command;
    command.caller = AsOperator();
    command.id = "rc_" + std::to_string(++reports_);
    command.provider_id = provider;
    command.date = date;
    command.idempotency_key = key;
    command.file_sha256 = std::to_string(std::hash<std::string>{}(text));
    command.file = Parsed(text);
    return engine_->Execute(command);
  }

  // Every difference of a report, one per line: the picture the tests compare whole.
  static std::string Differences(const v1::Reconciliation& r) {
    std::string out;
    auto add = [&](const char* kind, const auto& list) {
      for (const v1::ReconciliationDifference& d : list) {
        out += std::string(kind) + " " + d.provider_txn_id() + " line " + std::to_string(d.line()) +
               " " + d.type() + " file " + std::to_string(d.file_amount()) + " ledger " +
               std::to_string(d.ledger_amount());
        if (d.first_line()) out += " first " + std::to_string(d.first_line());
        if (!d.note().empty()) out += " (" + d.note() + ")";
        out += "\n";
      }
    };
    add("missing_in_file", r.missing_in_file());
    add("missing_in_ledger", r.missing_in_ledger());
    add("amount_mismatch", r.amount_mismatches());
    add("duplicate", r.duplicates());
    for (const auto& m : r.malformed()) {
      out += "malformed line " + std::to_string(m.line()) + " " + m.error() + "\n";
    }
    return out;
  }

  static std::string Line(const std::string& txn, const std::string& type, std::int64_t amount,
                          std::int64_t fee = 0) {
    return txn + "," + type + "," + std::to_string(amount) + "," + std::to_string(fee) + "," +
           kTime + "\n";
  }

  // A day at the market through momo, on local day 2026-01-01 (the clock starts at 07:00
  // local): three top-ups, an order paid through momo, a payout, and a top-up the provider
  // paid wrongly that an operator credited from the exceptions queue.
  void MarketDay() {
    ToppedUp("tu_1", 100'000, "T1");
    ToppedUp("tu_2", 50'000, "T2");
    clock_.Advance(std::chrono::hours(3));
    ToppedUp("tu_3", 70'000, "T3");
    Ok(Place("b_1", "o_1", {{"l_1", 1}}));
    Ok(engine_->Execute(ActOnOrder{AsBuyer("b_1"), "o_1", OrderAction::kPay, "", "momo", "pi_1"}));
    EXPECT_EQ(Deliver("payment.succeeded", "pi_1", 40'000, "P1").outcome(), v1::APPLIED);
    Ok(Deposit("b_1", 200'000));
    CompletedOrder("b_1", "o_2", {{"l_1", 2}});
    RequestPayout payout{"m_1", "po_1", FreshKey(), {}};
    payout.request.set_provider("momo");
    payout.request.set_amount(30'000);
    payout.request.set_destination("0901234567");
    Ok(engine_->Execute(payout));
    EXPECT_EQ(Deliver("payout.succeeded", "po_1", 30'000, "PO1").outcome(), v1::APPLIED);
    v1::ProviderEvent wrong = ToppedUp("tu_4", 20'000, "T4", 25'000);
    EXPECT_EQ(wrong.reason(), "AMOUNT_MISMATCH");
    ResolveException resolve{wrong.exception_id(), {}};
    resolve.request.set_action(v1::CREDIT_BUYER);
    resolve.request.set_buyer_id("b_1");
    Ok(engine_->Execute(resolve));
    // A failed top-up moves no money and is not the ledger's.
    RequestTopUp failed{"b_1", "tu_5", FreshKey(), {}};
    failed.request.set_provider("momo");
    failed.request.set_amount(9'000);
    Ok(engine_->Execute(failed));
    Deliver("topup.failed", "tu_5", 0, "T5");
  }

  int events_ = 0;
  int reports_ = 0;
};

TEST_F(ReconciliationTest, EveryPlantedDifferenceIsFoundExactlyOnceAndNothingElse) {
  MarketDay();
  std::string file = std::string(kHeader) +                           // 1
                     Line("T1", "topup.succeeded", 100'000, 1'000) +  // 2 matched
                     Line("T2", "topup.succeeded", 55'000, 500) +     // 3 amount differs
                     Line("P1", "payment.succeeded", 40'000, 400) +   // 4 matched
                     Line("PO1", "payout.succeeded", 30'000) +        // 5 matched
                     Line("T4", "topup.succeeded", 25'000) +          // 6 matched (credited)
                     Line("TX", "topup.succeeded", 12'000) +          // 7 not in the ledger
                     Line("T1", "topup.succeeded", 100'000, 1'000) +  // 8 duplicate of 2
                     "P9,payment.succeeded,abc,0," + kTime + "\n";    // 9 malformed
  v1::Reconciliation report = Ok(Reconcile(file, "2026-01-01"));
  EXPECT_EQ(Differences(report),
            "missing_in_file T3 line 0 topup.succeeded file 0 ledger 70000\n"
            "missing_in_ledger TX line 7 topup.succeeded file 12000 ledger 0\n"
            "amount_mismatch T2 line 3 topup.succeeded file 55000 ledger 50000\n"
            "duplicate T1 line 8 topup.succeeded file 100000 ledger 0 first 2\n"
            "malformed line 9 amount is not a whole number of dong: \"abc\"\n");
  EXPECT_EQ(report.matched().count(), 4u);
  EXPECT_EQ(report.matched().amount(), 100'000 + 40'000 + 30'000 + 25'000);
  EXPECT_EQ(report.file_total(), 100'000 + 55'000 + 40'000 + 30'000 + 25'000 + 12'000 + 100'000);
  EXPECT_EQ(report.ledger_total(), 100'000 + 50'000 + 70'000 + 40'000 + 30'000 + 25'000);
  EXPECT_EQ(report.file_fees(), 2'900);
  EXPECT_EQ(report.file_rows(), 7u);
  EXPECT_EQ(report.ledger_rows(), 6u);
  EXPECT_EQ(report.id(), "rc_1");
  EXPECT_EQ(report.provider(), "momo");
  EXPECT_EQ(report.date(), "2026-01-01");
  EXPECT_EQ(report.created_by(), "");
  // Stored as answered, and fixed: later money does not change it.
  ToppedUp("tu_6", 1'000, "T6");
  auto stored = engine_->Read().GetReconciliation("rc_1");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->SerializeAsString(), report.SerializeAsString());
  Reopen();
  EXPECT_EQ(engine_->Read().GetReconciliation("rc_1")->SerializeAsString(),
            report.SerializeAsString());
}

TEST_F(ReconciliationTest, AFileThatAgreesFlagsNothing) {
  MarketDay();
  std::string file =
      std::string(kHeader) + Line("PO1", "payout.succeeded", 30'000) +
      Line("T3", "topup.succeeded", 70'000) + Line("T1", "topup.succeeded", 100'000) +
      Line("T2", "topup.succeeded", 50'000) + Line("P1", "payment.succeeded", 40'000) +
      Line("T4", "topup.succeeded", 25'000);
  v1::Reconciliation report = Ok(Reconcile(file, "2026-01-01"));
  EXPECT_EQ(Differences(report), "");
  EXPECT_EQ(report.matched().count(), 6u);
  EXPECT_EQ(report.file_total(), report.ledger_total());
  EXPECT_EQ(report.matched().amount(), report.ledger_total());
}

TEST_F(ReconciliationTest, BusinessDaysAreLocalAndATransactionOnAnotherDayIsNoted) {
  // 2026-01-01 23:59:59.999 local is still that day; a millisecond later is the next.
  clock_.Advance(std::chrono::hours(17) - std::chrono::milliseconds(1));
  ToppedUp("tu_1", 100'000, "T1");
  clock_.Advance(std::chrono::milliseconds(1));
  ToppedUp("tu_2", 50'000, "T2");
  std::string file = std::string(kHeader) + Line("T1", "topup.succeeded", 100'000) +
                     Line("T2", "topup.succeeded", 50'000);
  EXPECT_EQ(Differences(Ok(Reconcile(file, "2026-01-01"))),
            "missing_in_ledger T2 line 3 topup.succeeded file 50000 ledger 0 (in the ledger on "
            "2026-01-02 as topup.succeeded 50000)\n");
  EXPECT_EQ(Differences(Ok(Reconcile(file, "2026-01-02"))),
            "missing_in_ledger T1 line 2 topup.succeeded file 100000 ledger 0 (in the ledger on "
            "2026-01-01 as topup.succeeded 100000)\n");
  EXPECT_EQ(Differences(Ok(Reconcile(std::string(kHeader), "2026-01-03"))), "");
}

TEST_F(ReconciliationTest, ATypeThatDiffersIsAMismatchAndAnEventInTheExceptionsQueueIsNoted) {
  ToppedUp("tu_1", 100'000, "T1");
  v1::ProviderEvent stuck = ToppedUp("tu_2", 50'000, "T2", 60'000);  // waits for a person
  ASSERT_EQ(stuck.outcome(), v1::EXCEPTION);
  std::string file = std::string(kHeader) + Line("T1", "payout.succeeded", 100'000) +
                     Line("T2", "topup.succeeded", 60'000);
  EXPECT_EQ(Differences(Ok(Reconcile(file, "2026-01-01"))),
            "missing_in_ledger T2 line 3 topup.succeeded file 60000 ledger 0 (its event " +
                stuck.id() + " became exception " + stuck.exception_id() +
                " (AMOUNT_MISMATCH))\n"
                "amount_mismatch T1 line 2 payout.succeeded file 100000 ledger 100000 (the file "
                "says payout.succeeded, the ledger topup.succeeded)\n");
}

TEST_F(ReconciliationTest, BankCreditsAreTheBanksLedger) {
  AddProvider("vcb", v1::BANK_TRANSFER);
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 2}}));
  EXPECT_EQ(
      Deliver("bank.credit", "", 80'000, "FT1", "vcb", "CK " + order.payment_code()).outcome(),
      v1::APPLIED);
  std::string file = std::string(kHeader) + Line("FT1", "bank.credit", 80'000);
  v1::Reconciliation bank = Ok(Reconcile(file, "2026-01-01", "vcb"));
  EXPECT_EQ(Differences(bank), "");
  EXPECT_EQ(bank.matched().count(), 1u);
  // momo's day has none of the bank's money.
  EXPECT_EQ(Differences(Ok(Reconcile(file, "2026-01-01", "momo"))),
            "missing_in_ledger FT1 line 2 bank.credit file 80000 ledger 0\n");
}

TEST_F(ReconciliationTest, RefusalsAndIdempotency) {
  ToppedUp("tu_1", 100'000, "T1");
  std::string file = std::string(kHeader) + Line("T1", "topup.succeeded", 100'000);
  EXPECT_EQ(Reconcile(file, "2026-01-01", "zalopay").status.code(), Code::kNotFound);
  EXPECT_EQ(Reconcile(file, "2026-02-30").status.code(), Code::kInvalidArgument);
  ReconcileSettlement as_merchant;
  as_merchant.caller = AsMerchant("m_1");
  as_merchant.id = "rc_x";
  as_merchant.provider_id = "momo";
  as_merchant.date = "2026-01-01";
  EXPECT_EQ(engine_->Execute(as_merchant).status.code(), Code::kPermissionDenied);
  // Again without a key: a new report. With a key: the first report, replayed.
  v1::Reconciliation first = Ok(Reconcile(file, "2026-01-01", "momo", "k1"));
  auto again = Reconcile(file, "2026-01-01", "momo", "k1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(
      Reconcile(file + Line("T9", "topup.succeeded", 1), "2026-01-01", "momo", "k1").status.code(),
      Code::kIdempotencyConflict);
  EXPECT_EQ(Reconcile(file, "2026-01-02", "momo", "k1").status.code(), Code::kIdempotencyConflict);
  v1::Reconciliation fresh = Ok(Reconcile(file, "2026-01-01"));
  EXPECT_NE(fresh.id(), first.id());
  EXPECT_EQ(fresh.matched().count(), 1u);
  EXPECT_EQ(engine_->Read().GetReconciliation("rc_nope").status().code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetReconciliation("Lmomo").status().code(), Code::kNotFound);
}

TEST_F(ReconciliationTest, ALedgerWrittenBeforeTheIndexIsIndexedOnceAtStart) {
  MarketDay();
  std::string file = std::string(kHeader) + Line("T1", "topup.succeeded", 100'000) +
                     Line("T4", "topup.succeeded", 25'000);
  std::string before = Differences(Ok(Reconcile(file, "2026-01-01")));
  // Take the ledger back to before the index: no index keys, no meta marker.
  auto all = [](std::string_view) { return true; };
  EXPECT_GT(DropIndex(storage::Family::kReconciliations, {"L", "T"}, all, "settlement_index"), 0u);
  Open();
  EXPECT_EQ(Differences(Ok(Reconcile(file, "2026-01-01"))), before);
  EXPECT_EQ(before,
            "missing_in_file P1 line 0 payment.succeeded file 0 ledger 40000\n"
            "missing_in_file PO1 line 0 payout.succeeded file 0 ledger 30000\n"
            "missing_in_file T2 line 0 topup.succeeded file 0 ledger 50000\n"
            "missing_in_file T3 line 0 topup.succeeded file 0 ledger 70000\n");
}

TEST_F(ReconciliationTest, AHundredThousandRows) {
  ToppedUp("tu_1", 100'000, "T1");
  std::string file = kHeader;
  file += Line("T1", "topup.succeeded", 100'000);
  constexpr int kRows = 100'000;
  for (int i = 1; i < kRows; ++i) file += Line("X" + std::to_string(i), "bank.credit", i);
  auto started = std::chrono::steady_clock::now();
  v1::Reconciliation report = Ok(Reconcile(file, "2026-01-01"));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(report.matched().count(), 1u);
  EXPECT_EQ(report.missing_in_ledger_size(), kRows - 1);
  EXPECT_EQ(report.missing_in_ledger(kRows - 2).line(), static_cast<std::uint32_t>(kRows + 1));
  EXPECT_EQ(report.file_rows(), static_cast<std::uint32_t>(kRows));
  EXPECT_EQ(report.file_total(), 100'000 + std::int64_t(kRows - 1) * kRows / 2);
  EXPECT_TRUE(report.malformed().empty());
  EXPECT_LT(took, std::chrono::seconds(30));
  std::cout << "reconciled " << kRows << " rows in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

}  // namespace reconciliation_test
}  // namespace market4::engine
