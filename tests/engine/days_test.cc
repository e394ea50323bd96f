// The daily close: generated business days of every kind of movement, some on either side of
// local midnight with the clock injected, close with balanced reports whose every figure
// equals a recomputation from the entries; the maker/checker and ordering rules; reports that
// never change once made.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/business_day.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace days_test {

using google::protobuf::util::TimeUtil;

const Caller kMaker{Role::kOperator, "op_lan"};
const Caller kChecker{Role::kOperator, "op_minh"};
constexpr int kOffset = kDefaultUtcOffsetMinutes;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

class DaysTest : public MarketFixture {
 protected:
  std::int64_t Day() { return LocalDayOf(clock_.NowNanos(), kOffset); }
  // Moves the clock to `at` (ns since the epoch), never backwards.
  void SetTime(std::int64_t at) {
    ASSERT_GE(at, clock_.NowNanos());
    clock_.Advance(std::chrono::nanoseconds(at - clock_.NowNanos()));
  }
  Answer<v1::DayClose> Close(const Caller& who, std::int64_t day) {
    return engine_->Execute(CloseDay{who, day});
  }
  Answer<v1::DayClose> Approve(const Caller& who, std::int64_t day) {
    return engine_->Execute(ApproveDay{who, day});
  }
  v1::DayReport ReportOf(std::int64_t day) {
    auto report = engine_->Read().GetDayReport(day, kOffset, clock_.NowNanos());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report.value() : v1::DayReport();
  }

  // opening, debits, credits of `account` over [start, end), from its transfer history alone.
  std::array<std::int64_t, 3> Recompute(const std::string& account, std::int64_t start,
                                        std::int64_t end) {
    std::array<std::int64_t, 3> figures{0, 0, 0};
    std::string token;
    do {
      auto page = engine_->Read().ListAccountTransfers(account, 200, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& t : page.value().transfers()) {
        if (t.kind() != v1::TRANSFER_KIND_POSTED && t.kind() != v1::TRANSFER_KIND_POST_PENDING) {
          continue;
        }
        std::int64_t at = TimeUtil::TimestampToNanoseconds(t.timestamp());
        if (at >= end) continue;
        std::int64_t sign = t.credit_account_id() == account ? 1 : -1;
        if (at < start) {
          figures[0] += sign * t.amount();
        } else {
          figures[sign > 0 ? 2 : 1] += t.amount();
        }
      }
      token = page.value().next_page_token();
    } while (!token.empty());
    return figures;
  }

  void ExpectBalancedAndRecomputed(const v1::DayReport& report, std::int64_t day) {
    std::int64_t start = LocalDayStartNs(day, kOffset), end = LocalDayStartNs(day + 1, kOffset);
    std::int64_t sum = 0, debits = 0, codes = 0;
    auto accounts = engine_->Read().ListAccounts(200, "");
    ASSERT_TRUE(accounts.ok());
    EXPECT_EQ(report.accounts_size(), accounts.value().accounts_size());
    for (const auto& a : report.accounts()) {
      EXPECT_EQ(a.closing(), a.opening() + a.credits() - a.debits()) << a.account_id();
      auto [opening, d, c] = Recompute(a.account_id(), start, end);
      EXPECT_EQ(a.opening(), opening) << a.account_id() << " on " << report.date();
      EXPECT_EQ(a.debits(), d) << a.account_id() << " on " << report.date();
      EXPECT_EQ(a.credits(), c) << a.account_id() << " on " << report.date();
      sum += a.closing();
      debits += a.debits();
    }
    for (const auto& c : report.by_code()) codes += c.amount();
    EXPECT_EQ(sum, 0) << report.date();
    EXPECT_EQ(report.totals().debits(), debits);
    EXPECT_EQ(report.totals().credits(), debits);
    EXPECT_EQ(codes, debits);
  }

  // A small market: three merchants with a listing each, eight buyers with money.
  void OpenMarket() {
    for (int m = 0; m < 3; ++m) {
      std::string id = "m_" + std::to_string(m);
      ASSERT_TRUE(AddMerchant(id).ok());
      ASSERT_TRUE(AddListing(id, "l_" + std::to_string(m), 5'000 + 1'000 * m, 100'000).ok());
    }
    for (int b = 0; b < 8; ++b) {
      ASSERT_TRUE(AddBuyer("b_" + std::to_string(b)).ok());
      ASSERT_TRUE(Deposit("b_" + std::to_string(b), 5'000'000).ok());
    }
    for (const char* id : {"bank.vault", "bank.float"}) ASSERT_TRUE(CreateAccount(id).ok());
  }

  std::size_t Pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
  }
  std::string AnyBuyer() { return "b_" + std::to_string(Pick(8)); }

  void PlaceAndPay() {
    std::string id = "o_" + std::to_string(++orders_), buyer = AnyBuyer();
    auto placed = Place(buyer, id, {{"l_" + std::to_string(Pick(3)), 1 + std::int64_t(Pick(3))}});
    if (placed.ok() && Act(AsBuyer(buyer), id, OrderAction::kPay).ok()) {
      paid_.push_back({id, placed.value.merchant_id(), buyer});
    }
  }
  void ShipOrCancel() {
    if (paid_.empty()) return;
    auto order = paid_.front();
    paid_.erase(paid_.begin());
    bool cancel = Pick(4) == 0;
    auto acted =
        Act(AsMerchant(order[1]), order[0], cancel ? OrderAction::kCancel : OrderAction::kShip);
    if (acted.ok() && !cancel) shipped_.push_back(order);
  }
  void Confirm() {
    if (shipped_.empty()) return;
    auto order = shipped_.back();
    shipped_.pop_back();
    if (Act(AsBuyer(order[2]), order[0], OrderAction::kConfirm).ok()) completed_.push_back(order);
  }
  void Step() {
    switch (Pick(7)) {
      case 0:
      case 1:
        return PlaceAndPay();
      case 2:
        return ShipOrCancel();
      case 3:
        return Confirm();
      case 4:
        if (!completed_.empty()) {
          auto order = completed_[Pick(completed_.size())];
          (void)Refund(order[1], order[0], 1'000, FreshKey());  // may exceed the paid total
        }
        return;
      case 5:
        (void)Deposit(AnyBuyer(), 10'000 + std::int64_t(Pick(50'000)));
        return;
      default: {
        // An operator's own movements outside the marketplace's chart, one of them reserved.
        v1::CreateTransfersRequest request;
        bool pending = Pick(2) == 0;  // reserved for one second, then expired by a tick
        *request.add_transfers() = Make("raw" + std::to_string(++raw_), "bank.vault", "bank.float",
                                        1 + std::int64_t(Pick(900)), pending, pending ? 1 : 0);
        EXPECT_TRUE(engine_->Execute(CreateTransfers{request, kMaker, "ap_x"}).ok());
      }
    }
  }

  std::mt19937_64 random_;
  std::vector<std::array<std::string, 3>> paid_, shipped_, completed_;  // order, merchant, buyer
  int orders_ = 0, raw_ = 0;
};

// Three generated days, each ending with a deposit at 23:59:59.999999999 local and the next
// beginning with one at 00:00:00 local: each is on its own day.
TEST_F(DaysTest, GeneratedDaysCloseBalancedAndEveryFigureMatchesTheEntries) {
  std::uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  random_.seed(seed);
  OpenMarket();
  const std::int64_t first = Day();
  std::map<std::int64_t, std::string> last_of_day;  // day -> transfer id of its last entry
  for (std::int64_t day = first; day < first + 3; ++day) {
    std::int64_t start = std::max(clock_.NowNanos(), LocalDayStartNs(day, kOffset));
    std::int64_t end = LocalDayStartNs(day + 1, kOffset);
    for (int step = 0; step < 400; ++step) {
      SetTime(start + (end - start - kNanosPerSecond) / 400 * step);
      Step();
      AdvanceAndTick(std::chrono::nanoseconds(0));
    }
    SetTime(end - 1);
    last_of_day[day] = Ok(Deposit("b_0", 1'000)).transfer_id();
    SetTime(end);
    ASSERT_TRUE(Deposit("b_1", 2'000).ok());
  }
  std::int64_t entries = 0;
  for (std::int64_t day = first; day < first + 3; ++day) {
    v1::DayClose close = Ok(Close(kMaker, day));
    EXPECT_EQ(close.status(), "PENDING_APPROVAL");
    EXPECT_EQ(close.closed_by(), kMaker.id);
    const v1::DayReport& report = close.report();
    ExpectBalancedAndRecomputed(report, day);
    auto last = engine_->Read().GetTransfer(last_of_day[day]);
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(report.last_sequence(), last.value().sequence()) << report.date();
    EXPECT_EQ(Ok(Approve(kChecker, day)).status(), "CLOSED");
    if (day > first) {
      v1::DayReport before = ReportOf(day - 1);
      EXPECT_EQ(report.first_sequence(), before.last_sequence() + 1);
      for (int i = 0; i < report.accounts_size(); ++i) {
        // Accounts are listed in id order and none was opened after the first day.
        EXPECT_EQ(report.accounts(i).opening(), before.accounts(i).closing());
      }
    }
    entries += std::int64_t(report.entries());
  }
  EXPECT_GT(entries, 1000);
  auto verified = engine_->Read().VerifyLedger();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified.value().ok()) << verified.value().problem();
}

TEST_F(DaysTest, DaysCloseInOrderOnceEndedAndAreApprovedByAnotherOperator) {
  ASSERT_TRUE(CreateAccount("vault").ok());
  ASSERT_TRUE(CreateAccount("float").ok());
  const std::int64_t first = Day();
  EXPECT_EQ(Close(kMaker, first).status.code(), Code::kFailedPrecondition);  // no entries yet
  ASSERT_TRUE(Move("t1", "vault", "float", 500).ok());
  Status not_ended = Close(kMaker, first).status;
  EXPECT_EQ(not_ended.code(), Code::kFailedPrecondition);
  EXPECT_EQ(DetailOf(not_ended, "ends_at"), FormatDate(first + 1) + "T00:00:00+07:00");
  // Two days later, with nothing on the day between.
  SetTime(LocalDayStartNs(first + 2, kOffset) + 3600 * kNanosPerSecond);
  ASSERT_TRUE(Move("t2", "float", "vault", 200).ok());
  SetTime(LocalDayStartNs(first + 3, kOffset));
  EXPECT_EQ(Close(kMaker, first - 1).status.code(), Code::kFailedPrecondition);
  Status skipped = Close(kMaker, first + 1).status;
  EXPECT_EQ(skipped.code(), Code::kFailedPrecondition);
  EXPECT_EQ(DetailOf(skipped, "next_day"), FormatDate(first));
  EXPECT_EQ(Approve(kChecker, first).status.code(), Code::kFailedPrecondition);  // not closed

  v1::DayClose made = Ok(Close(kMaker, first));
  Answer<v1::DayClose> again = Close(kChecker, first);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.SerializeAsString(), made.SerializeAsString());
  EXPECT_EQ(Approve(kMaker, first).status.code(), Code::kSameOperator);
  EXPECT_EQ(Close(kMaker, first + 2).status.code(), Code::kFailedPrecondition);
  // The empty day between closes with nothing moved: its closings are its openings.
  v1::DayClose empty = Ok(Close(kMaker, first + 1));
  EXPECT_EQ(empty.report().entries(), 0u);
  EXPECT_EQ(empty.report().last_sequence(), 1u);
  EXPECT_EQ(empty.report().chain_head(), made.report().chain_head());
  for (const auto& a : empty.report().accounts()) EXPECT_EQ(a.opening(), a.closing());
  EXPECT_EQ(Approve(kChecker, first + 1).status.code(), Code::kFailedPrecondition);  // in order
  EXPECT_EQ(Ok(Approve(kChecker, first)).approved_by(), kChecker.id);
  EXPECT_TRUE(Approve(kChecker, first).replayed);
  EXPECT_EQ(Ok(Approve(kChecker, first + 1)).status(), "CLOSED");
  v1::DayReport third = Ok(Close(kChecker, first + 2)).report();
  EXPECT_EQ(third.entries(), 1u);
  EXPECT_EQ(third.first_sequence(), 2u);
  EXPECT_EQ(Approve(kChecker, first + 2).status.code(), Code::kSameOperator);
  EXPECT_TRUE(Approve(kMaker, first + 2).ok());
}

TEST_F(DaysTest, AReportNeverChangesOnceMadeAndAPreviewIsMarkedOpen) {
  ASSERT_TRUE(CreateAccount("vault").ok());
  ASSERT_TRUE(CreateAccount("float").ok());
  const std::int64_t first = Day();
  ASSERT_TRUE(Move("t1", "vault", "float", 500).ok());
  EXPECT_EQ(ReportOf(first).status(), "OPEN");
  EXPECT_EQ(engine_->Read().GetDayReport(first + 1, kOffset, clock_.NowNanos()).status().code(),
            Code::kNotFound);  // not begun
  SetTime(LocalDayStartNs(first + 1, kOffset));
  v1::DayReport made = Ok(Close(kMaker, first)).report();
  EXPECT_EQ(made.status(), "PENDING_APPROVAL");
  ASSERT_TRUE(Move("t2", "float", "vault", 200).ok());  // the next day's, not this one's
  ASSERT_TRUE(CreateAccount("late").ok());
  Reopen();
  EXPECT_EQ(ReportOf(first).SerializeAsString(), made.SerializeAsString());
  ASSERT_TRUE(Approve(kChecker, first).ok());
  v1::DayReport approved = ReportOf(first);
  EXPECT_EQ(approved.status(), "CLOSED");
  approved.set_status(made.status());
  EXPECT_EQ(approved.SerializeAsString(), made.SerializeAsString());
  v1::DayReport preview = ReportOf(first + 1);
  EXPECT_EQ(preview.status(), "OPEN");
  EXPECT_EQ(preview.entries(), 1u);
}

TEST_F(DaysTest, OnlyANamedOperatorClosesADay) {
  ASSERT_TRUE(CreateAccount("vault").ok());
  ASSERT_TRUE(CreateAccount("float").ok());
  ASSERT_TRUE(Move("t1", "vault", "float", 500).ok());
  SetTime(LocalDayStartNs(Day() + 1, kOffset));
  EXPECT_EQ(Close(AsMerchant("m_1"), Day() - 1).status.code(), Code::kPermissionDenied);
  EXPECT_EQ(Close(Caller{Role::kOperator, ""}, Day() - 1).status.code(), Code::kPermissionDenied);
  EXPECT_TRUE(Close(Caller{Role::kOperator, kAdminOperatorId}, Day() - 1).ok());
}

}  // namespace days_test
}  // namespace market4::engine
