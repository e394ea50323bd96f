// Statements on the engine: a market's days of orders, refunds, payouts, top-ups and stall
// payments, driven by a manual clock across local midnight, read back as exact lines with
// running balances; every day's opening and closing checked against the posted balance
// recomputed from the account's transfers; paging, periods and bad requests.
#include <gtest/gtest.h>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace statement_test {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kMerchant = AvailableAccount("m_1");
const std::string kWallet = WalletAccount("b_1");

class StatementTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    CreateProvider momo;
    momo.request.set_id("momo");
    momo.request.set_name("MoMo");
    momo.request.set_scheme(v1::STANDARD_WEBHOOKS);
    momo.request.add_secrets(kSecret);
    Ok(engine_->Execute(momo));
    Ok(AddMerchant("m_1"));
    Ok(AddBuyer("b_1", "0912345678", "Nguyễn Văn A"));
    Ok(AddListing("m_1", "l_1", 40'000, 100, "Cá rô"));
    day1_ = *ParseDate("2026-01-01");  // the manual clock starts at 07:00 local on it
  }

  // Delivers a provider's event about `reference` (a top-up or a payout).
  void Deliver(const std::string& type, const std::string& reference, std::int64_t amount) {
    ReceiveProviderEvent command;
    ++events_;
    command.event.set_id("ev_" + std::to_string(events_));
    command.exception_id = "ex_" + std::to_string(events_);
    command.event.set_provider("momo");
    command.event.set_delivery_id("msg_" + std::to_string(events_));
    command.event.set_type(type);
    command.event.set_reference(reference);
    command.event.set_amount(amount);
    command.event.set_provider_txn_id("T" + std::to_string(events_));
    command.event.set_scheme(v1::STANDARD_WEBHOOKS);
    command.event.set_raw_body("{}");
    EXPECT_EQ(Ok(engine_->Execute(command)).outcome(), v1::APPLIED);
  }

  void TopUp(const std::string& id, std::int64_t amount) {
    RequestTopUp command{"b_1", id, FreshKey(), {}};
    command.request.set_provider("momo");
    command.request.set_amount(amount);
    Ok(engine_->Execute(command));
    Deliver("topup.succeeded", id, amount);
  }

  void Payout(const std::string& id, std::int64_t amount, bool succeeds) {
    RequestPayout command{"m_1", id, FreshKey(), {}};
    command.request.set_provider("momo");
    command.request.set_amount(amount);
    command.request.set_destination("0901234567");
    Ok(engine_->Execute(command));
    Deliver(succeeds ? "payout.succeeded" : "payout.failed", id, amount);
  }

  // A stall payment of `amount` by b_1, through a fresh one-time request.
  std::string PayAtStall(std::int64_t amount) {
    CreatePaymentRequest request{"m_1", "pr_" + std::to_string(++payments_), {}};
    request.request.set_amount(amount);
    std::string code = Ok(engine_->Execute(request)).code();
    std::string id = "sp_" + std::to_string(payments_);
    Ok(engine_->Execute(PayPaymentRequest{"b_1", code, id, FreshKey(), {}}));
    return id;
  }

  // Moves the clock to `local` (hours, minutes, seconds after local midnight) on day1 + `day`.
  void At(int day, std::chrono::seconds local) {
    std::int64_t target = LocalDayStartNs(day1_ + day, kDefaultUtcOffsetMinutes) +
                          std::chrono::duration_cast<std::chrono::nanoseconds>(local).count();
    ASSERT_GE(target, clock_.NowNanos());
    clock_.Advance(std::chrono::nanoseconds(target - clock_.NowNanos()));
  }

  // Three market days: day 1 from 07:00 to 23:59:59, day 2 from 00:00:00, day 3 a stall refund.
  void RunThreeDays() {
    Ok(Deposit("b_1", 200'000));
    TopUp("tu_1", 100'000);
    At(0, hours(8));
    order_code_ = CompletedOrder("b_1", "o_1", {{"l_1", 1}}).payment_code();
    Ok(Place("b_1", "o_2", {{"l_1", 1}}));  // paid, then cancelled: the hold is voided
    Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay));
    Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kCancel));
    At(0, hours(23) + minutes(59) + seconds(59));
    stall_payment_ = PayAtStall(10'000);
    At(1, seconds(0));
    Ok(Refund("m_1", "o_1", 5'000, FreshKey()));
    At(1, hours(10));
    Payout("po_1", 20'000, true);
    Payout("po_2", 1'000, false);  // pending, then voided: no line
    At(2, hours(9));
    RefundStallPayment refund{"m_1", stall_payment_, FreshKey(), {}};
    refund.request.set_amount(2'000);
    Ok(engine_->Execute(refund));
  }

  Result<v1::Statement> Read(const std::string& account, int from, int to, std::size_t limit = 0,
                             const std::string& token = "", int offset = kDefaultUtcOffsetMinutes) {
    return engine_->Read().GetStatement(account, {day1_ + from, day1_ + to, offset}, limit, token);
  }

  // The whole statement as text: its period and balances, then one line per line.
  static std::string Picture(const v1::Statement& s) {
    std::string out = s.from() + ".." + s.to() + " opening " + std::to_string(s.opening()) + "\n";
    for (const auto& line : s.lines()) {
      out += line.local_time() + " " + std::to_string(line.amount()) + " " +
             std::to_string(line.balance()) + " " + line.description() + "\n";
    }
    return out + "closing " + std::to_string(s.closing()) + "\n";
  }

  // The account's posted balance before `end_ns`, summed from its transfers as the ledger API
  // lists them (every page), without the statement code.
  std::int64_t PostedBefore(const std::string& account, std::int64_t end_ns) {
    std::int64_t balance = 0;
    std::string token;
    do {
      auto page = engine_->Read().ListAccountTransfers(account, kMaxPageSize, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return balance;
      for (const auto& t : page->transfers()) {
        bool posts =
            t.kind() == v1::TRANSFER_KIND_POSTED || t.kind() == v1::TRANSFER_KIND_POST_PENDING;
        if (!posts || NanosOf(t.timestamp()) >= end_ns) continue;
        balance += t.credit_account_id() == account ? t.amount() : -t.amount();
      }
      token = page->next_page_token();
    } while (!token.empty());
    return balance;
  }

  // Every day from the day before the first entry to the day after the last: each one-day
  // statement agrees with the recomputed balances and adds up line by line.
  void ExpectEveryDayAddsUp(const std::string& account) {
    for (int day = -1; day <= 3; ++day) {
      SCOPED_TRACE(account + " day " + std::to_string(day));
      auto s = Read(account, day, day);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_EQ(s->opening(), PostedBefore(account, LocalDayStartNs(day1_ + day, 420)));
      EXPECT_EQ(s->closing(), PostedBefore(account, LocalDayStartNs(day1_ + day + 1, 420)));
      std::int64_t balance = s->opening();
      for (const auto& line : s->lines()) {
        balance += line.amount();
        EXPECT_EQ(line.balance(), balance) << line.transfer_id();
      }
      EXPECT_EQ(s->closing(), balance);
    }
    v1::Account now = Account(account);
    auto today = Read(account, 2, 2);
    ASSERT_TRUE(today.ok());
    EXPECT_EQ(today->closing(), now.credits_posted() - now.debits_posted());
  }

  std::int64_t day1_ = 0;
  std::string order_code_;
  std::string stall_payment_;
  int events_ = 0;
  int payments_ = 0;
};

TEST_F(StatementTest, MerchantDaysHaveExactLinesAcrossLocalMidnight) {
  RunThreeDays();
  const std::string order = "#" + order_code_;
  auto day1 = Read(kMerchant, 0, 0);
  ASSERT_TRUE(day1.ok()) << day1.status().ToString();
  EXPECT_EQ(Picture(day1.value()),
            "2026-01-01..2026-01-01 opening 0\n"
            "2026-01-01T08:00:00+07:00 39600 39600 Đơn hàng " +
                order +
                " – Nguyễn Văn A\n"
                "2026-01-01T23:59:59+07:00 9900 49500 Thanh toán tại quầy – Nguyễn Văn A\n"
                "closing 49500\n");
  EXPECT_EQ(day1->account_id(), kMerchant);
  EXPECT_EQ(day1->utc_offset(), "+07:00");
  EXPECT_EQ(day1->currency(), "VND");
  EXPECT_EQ(day1->lines(0).order_id(), "o_1");
  EXPECT_EQ(day1->lines(0).code(), kCodeOrderSettlement);
  EXPECT_EQ(day1->lines(0).transfer_id(), "o~o_1~settle");
  EXPECT_EQ(day1->lines(1).reference(), stall_payment_);
  EXPECT_EQ(day1->lines(1).time().seconds(), LocalDayStartNs(day1_ + 1, 420) / 1'000'000'000 - 1);
  auto day2 = Read(kMerchant, 1, 1);
  ASSERT_TRUE(day2.ok());
  EXPECT_EQ(Picture(day2.value()),
            "2026-01-02..2026-01-02 opening 49500\n"
            "2026-01-02T00:00:00+07:00 -5000 44500 Hoàn tiền đơn " +
                order +
                "\n"
                "2026-01-02T10:00:00+07:00 -20000 24500 Rút tiền về MoMo\n"
                "closing 24500\n");
  EXPECT_EQ(day2->lines(1).reference(), "po_1");
  EXPECT_EQ(day2->lines(1).transfer_id(), "po~po_1~post");
  auto all = Read(kMerchant, 0, 2);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->lines_size(), 5);
  EXPECT_EQ(Picture(all.value()).substr(Picture(all.value()).rfind("2026-01-03")),
            "2026-01-03T09:00:00+07:00 -2000 22500 Hoàn tiền thanh toán tại quầy – Nguyễn Văn "
            "A\nclosing 22500\n");
  EXPECT_TRUE(all->next_page_token().empty());
  ExpectEveryDayAddsUp(kMerchant);
}

TEST_F(StatementTest, WalletShowsPostedMovementsOnlyNotHolds) {
  RunThreeDays();
  auto day1 = engine_->Read().GetWalletStatement("b_1", {day1_, day1_, 420}, 0, "");
  ASSERT_TRUE(day1.ok()) << day1.status().ToString();
  // The order o_2 was paid (a hold) and cancelled (the hold voided): nothing posted, no line.
  // The order o_1's payment posts when the buyer confirms.
  EXPECT_EQ(Picture(day1.value()),
            "2026-01-01..2026-01-01 opening 0\n"
            "2026-01-01T07:00:00+07:00 200000 200000 Nạp tiền mặt tại quầy\n"
            "2026-01-01T07:00:00+07:00 100000 300000 Nạp tiền qua MoMo\n"
            "2026-01-01T08:00:00+07:00 -40000 260000 Thanh toán đơn #" +
                order_code_ +
                " – Cô Ba\n"
                "2026-01-01T23:59:59+07:00 -9900 250100 Thanh toán tại quầy – Cô Ba\n"
                "2026-01-01T23:59:59+07:00 -100 250000 Phí sàn thanh toán tại quầy – Cô Ba\n"
                "closing 250000\n");
  EXPECT_EQ(day1->lines(1).reference(), "tu_1");
  EXPECT_EQ(day1->lines(2).order_id(), "o_1");
  auto later = engine_->Read().GetWalletStatement("b_1", {day1_ + 1, day1_ + 2, 420}, 0, "");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Picture(later.value()),
            "2026-01-02..2026-01-03 opening 250000\n"
            "2026-01-02T00:00:00+07:00 5000 255000 Hoàn tiền đơn #" +
                order_code_ +
                "\n"
                "2026-01-03T09:00:00+07:00 2000 257000 Hoàn tiền thanh toán tại quầy – Cô Ba\n"
                "closing 257000\n");
  ExpectEveryDayAddsUp(kWallet);
  EXPECT_EQ(Available(kWallet), 257'000);
}

TEST_F(StatementTest, DaysFollowTheOffsetTheyAreCountedIn) {
  RunThreeDays();
  // In UTC, local 00:00:00 on 2 January is still 1 January (17:00Z): the refund moves day.
  auto utc = Read(kMerchant, 0, 0, 0, "", 0);
  ASSERT_TRUE(utc.ok()) << utc.status().ToString();
  EXPECT_EQ(utc->utc_offset(), "+00:00");
  ASSERT_EQ(utc->lines_size(), 3);
  EXPECT_EQ(utc->lines(2).local_time(), "2026-01-01T17:00:00+00:00");
  EXPECT_EQ(utc->closing(), 44'500);
}

TEST_F(StatementTest, PagesJoinIntoTheWholeStatement) {
  RunThreeDays();
  auto whole = Read(kWallet, 0, 2);
  ASSERT_TRUE(whole.ok());
  v1::Statement joined;
  std::string token;
  int pages = 0;
  do {
    auto page = Read(kWallet, 0, 2, 2, token);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->lines_size(), 2);
    EXPECT_EQ(page->opening(), whole->opening());
    EXPECT_EQ(page->closing(), whole->closing());
    for (const auto& line : page->lines()) *joined.add_lines() = line;
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 4);  // 7 lines, 2 a page
  ASSERT_EQ(joined.lines_size(), whole->lines_size());
  for (int i = 0; i < joined.lines_size(); ++i) {
    EXPECT_EQ(joined.lines(i).SerializeAsString(), whole->lines(i).SerializeAsString()) << i;
  }
  // A token belongs to its account and period.
  std::string second = Read(kWallet, 0, 2, 2)->next_page_token();
  EXPECT_EQ(Read(kWallet, 0, 1, 2, second).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Read(kMerchant, 0, 2, 2, second).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Read(kWallet, 0, 2, 2, "g00").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Read(kWallet, 0, 2, kMaxStatementLines + 1).status().code(), Code::kInvalidArgument);
}

TEST_F(StatementTest, OperatorsOwnTransfersGetAGenericDescription) {
  Ok(CreateAccount("ops.a"));
  Ok(CreateAccount("ops.b"));
  Ok(Move("adj1", "ops.a", "ops.b", 1'234));
  auto s = Read("ops.b", 0, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->lines_size(), 1);
  EXPECT_EQ(s->lines(0).description(), "Giao dịch mã 1");
  EXPECT_EQ(s->lines(0).amount(), 1'234);
  EXPECT_EQ(Read("ops.a", 0, 0)->lines(0).amount(), -1'234);
  EXPECT_EQ(Read("nope", 0, 0).status().code(), Code::kNotFound);
  EXPECT_EQ(
      engine_->Read().GetMerchantStatement("m_nope", {day1_, day1_, 420}, 0, "").status().code(),
      Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetWalletStatement("m_1", {day1_, day1_, 420}, 0, "").status().code(),
            Code::kNotFound);
}

TEST_F(StatementTest, PeriodsDefaultToTodayAndRefuseBadDates) {
  std::int64_t now = clock_.NowNanos();  // 2026-01-01T07:00+07:00
  auto today = StatementPeriodOf("", "", now, 420);
  ASSERT_TRUE(today.ok());
  EXPECT_EQ(today->from_day, day1_);
  EXPECT_EQ(today->to_day, day1_);
  // Seven hours and a minute earlier it is 23:59 on 31 December, local time.
  EXPECT_EQ(StatementPeriodOf("", "", now - (7 * 60 + 1) * kNanosPerMinute, 420)->to_day,
            day1_ - 1);
  EXPECT_EQ(StatementPeriodOf("", "", now - 7 * 60 * kNanosPerMinute, 420)->to_day, day1_);
  auto since = StatementPeriodOf("2025-12-01", "", now, 420);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(since->from_day, *ParseDate("2025-12-01"));
  EXPECT_EQ(since->to_day, day1_);
  EXPECT_EQ(StatementPeriodOf("", "2025-12-24", now, 420)->from_day, *ParseDate("2025-12-24"));
  EXPECT_TRUE(StatementPeriodOf("2025-01-01", "2026-01-01", now, 420).ok());  // 366 days
  struct Bad {
    const char* from;
    const char* to;
    const char* field;
  };
  for (const Bad& bad :
       {Bad{"2026-02-30", "", "from"}, Bad{"", "2026-1-1", "to"}, Bad{"26-01-01", "", "from"},
        Bad{"2026-01-02", "2026-01-01", "from"}, Bad{"2024-12-31", "2026-01-01", "to"},
        Bad{"", "9999-12-31", "to"}, Bad{"2026-01-01T00:00", "", "from"}}) {
    auto period = StatementPeriodOf(bad.from, bad.to, now, 420);
    ASSERT_FALSE(period.ok()) << bad.from << " " << bad.to;
    EXPECT_EQ(period.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(DetailOf(period.status(), "field"), bad.field) << bad.from << " " << bad.to;
  }
  EXPECT_EQ(Read(kMerchant, 1, 0).status().code(), Code::kInvalidArgument);
}

}  // namespace statement_test
}  // namespace market4::engine
