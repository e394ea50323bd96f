// Query: every read of committed state, over one storage::ReadView. All a Query returns comes
// from the one committed state it was made on: never half a batch, never two batches mixed,
// whatever commits meanwhile. Make one per request (Engine::Read) and drop it soon: it pins
// old data in RocksDB. Any thread; const methods may run concurrently on one Query.
//
// Lists are paged: `limit` 0 means kDefaultPageSize, more than kMaxPageSize is
// INVALID_ARGUMENT; `page_token` is "" or a previous answer's next_page_token, opaque to
// clients, and anything else is INVALID_ARGUMENT. An empty next_page_token means "no more".
// Objects another tenant owns answer NOT_FOUND, as if absent.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/business_day.h"
#include "common/status.h"
#include "engine/command.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/providers.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/reconciliation.pb.h"
#include "market4/v1/stall.pb.h"
#include "market4/v1/statements.pb.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// Filters of a listing search. Empty strings and zeros mean "any".
struct ListingFilter {
  std::string merchant_id;
  std::string category;
  // Words the title must hold, each as a word or the start of one, with or without diacritics,
  // in any case (engine/search.h); the best matches come first.
  std::string text;
  std::int64_t min_price = 0;
  std::int64_t max_price = 0;
  bool in_stock_only = false;
  // Delisted listings are shown only when asked for (their merchant's own view).
  bool include_inactive = false;
};

// The local business days a statement covers, both included, and the market's offset from
// UTC they are counted in (EngineOptions::utc_offset_minutes).
struct StatementPeriod {
  std::int64_t from_day = 0;  // days since 1970-01-01
  std::int64_t to_day = 0;
  int utc_offset_minutes = kDefaultUtcOffsetMinutes;
};

// The period of `from` and `to` (YYYY-MM-DD, as a client sent them; "" when absent): `to`
// defaults to today (the local day of `now_ns`), `from` to `to`. INVALID_ARGUMENT (detail
// `field`) for a date that is not a real YYYY-MM-DD, `from` after `to`, or a period longer
// than kMaxStatementDays.
[[nodiscard]] Result<StatementPeriod> StatementPeriodOf(std::string_view from, std::string_view to,
                                                        std::int64_t now_ns,
                                                        int utc_offset_minutes);

struct LiveLogs;  // engine/account_index.h

class Query {
 public:
  // `live_logs`: the change logs the engine published (engine/account_index.h), read instead of
  // scanning RocksDB when they are of the state `view` sees; null to always scan.
  explicit Query(storage::ReadView view, std::shared_ptr<const LiveLogs> live_logs = nullptr)
      : view_(std::move(view)), live_logs_(std::move(live_logs)) {}
  // Whether this Query reads the published change logs instead of scanning them.
  [[nodiscard]] bool reads_published_logs() const;

  // --- Ledger (ledger_query.cc) ---
  // The account with its four balances and `available`; NOT_FOUND if there is none.
  [[nodiscard]] Result<v1::Account> GetAccount(const std::string& id) const;
  // Every account, in id order.
  [[nodiscard]] Result<v1::ListAccountsResponse> ListAccounts(std::size_t limit,
                                                              const std::string& page_token) const;
  // A transfer and, for a pending one, where it stands now (posted, voided, expired).
  [[nodiscard]] Result<v1::Transfer> GetTransfer(const std::string& id) const;
  // Transfers touching an account, newest first; NOT_FOUND if the account does not exist.
  [[nodiscard]] Result<v1::ListTransfersResponse> ListAccountTransfers(
      const std::string& account_id, std::size_t limit, const std::string& page_token) const;
  // Recomputes every balance from the immutable transfer history and compares it with the
  // stored balances: OK, or INTERNAL naming the first account that differs.
  [[nodiscard]] Status AuditHistory() const;
  // The hash chain, the entries' order and every balance recomputed (engine/verify.h).
  [[nodiscard]] Result<v1::LedgerVerification> VerifyLedger() const;

  // --- Principals (principal_query.cc) ---
  // The merchant, buyer or named operator an API token's SHA-256 (hex) belongs to;
  // UNAUTHENTICATED if none, or if the token was retired. A token rotated at or after
  // `rotated_since_ns` (engine clock) still passes: only to retry that rotation, which the
  // engine answers with its first answer and nothing else.
  [[nodiscard]] Result<Caller> Authenticate(
      const std::string& token_hash,
      std::int64_t rotated_since_ns = std::numeric_limits<std::int64_t>::max()) const;
  [[nodiscard]] Result<v1::Merchant> GetMerchant(const std::string& id) const;
  [[nodiscard]] Result<v1::Buyer> GetBuyer(const std::string& id) const;
  // In id order.
  [[nodiscard]] Result<v1::ListMerchantsResponse> ListMerchants(
      std::size_t limit, const std::string& page_token) const;
  [[nodiscard]] Result<v1::ListBuyersResponse> ListBuyers(std::size_t limit,
                                                          const std::string& page_token) const;

  // Named operators, in id order (principal_query.cc).
  [[nodiscard]] Result<v1::ListOperatorsResponse> ListOperators(
      std::size_t limit, const std::string& page_token) const;

  // --- The operators' day (day_query.cc) ---
  [[nodiscard]] Result<v1::Approval> GetApproval(const std::string& id) const;
  // Newest first; APPROVAL_STATUS_UNSPECIFIED means any status. Examines at most
  // kMaxScannedRecords approvals per page.
  [[nodiscard]] Result<v1::ListApprovalsResponse> ListApprovals(
      v1::ApprovalStatus status, std::size_t limit, const std::string& page_token) const;
  // The stored report of a closed day; for a day not closed, a preview computed now (status
  // OPEN) if the day has begun by `now_ns`. NOT_FOUND before the first entry's day.
  [[nodiscard]] Result<v1::DayReport> GetDayReport(std::int64_t day, int utc_offset_minutes,
                                                   std::int64_t now_ns) const;
  // Closes, newest first.
  [[nodiscard]] Result<v1::ListDaysResponse> ListDays(std::size_t limit,
                                                      const std::string& page_token) const;

  // --- Payment providers (principal_query.cc). Answers never carry a secret. ---
  [[nodiscard]] Result<v1::Provider> GetProvider(const std::string& id) const;
  [[nodiscard]] Result<v1::ListProvidersResponse> ListProviders(
      std::size_t limit, const std::string& page_token) const;
  // The provider with the secrets its callbacks are verified with: for the gateway's
  // signature check only, never for an answer.
  [[nodiscard]] Result<v1::ProviderRecord> GetProviderRecord(const std::string& id) const;

  // --- Listings (listing_query.cc) ---
  // Any listing, active or not; the caller decides who may see a delisted one.
  [[nodiscard]] Result<v1::Listing> GetListing(const std::string& id) const;
  // Listings matching `filter`, in id order. Examines at most kMaxScannedRecords listings per
  // call; a page may then hold fewer than `limit`, with a next_page_token to go on.
  [[nodiscard]] Result<v1::ListListingsResponse> SearchListings(
      const ListingFilter& filter, std::size_t limit, const std::string& page_token) const;

  // --- Orders, wallets and balances (order_query.cc) ---
  // The order if `caller` is its buyer, its merchant or an operator; else NOT_FOUND.
  [[nodiscard]] Result<v1::Order> GetOrder(const Caller& caller, const std::string& id) const;
  // The caller's orders (an operator's: all), newest first; `status` ORDER_STATUS_UNSPECIFIED
  // means any. PERMISSION_DENIED for an anonymous caller.
  [[nodiscard]] Result<v1::ListOrdersResponse> ListOrders(const Caller& caller,
                                                          v1::OrderStatus status, std::size_t limit,
                                                          const std::string& page_token) const;
  // A buyer's spendable balance, the amount held by paid orders, and the latest movements.
  [[nodiscard]] Result<v1::Wallet> GetWallet(const std::string& buyer_id) const;
  // A merchant's available balance and the money held in escrow for its paid orders.
  [[nodiscard]] Result<v1::MerchantBalance> GetMerchantBalance(
      const std::string& merchant_id) const;

  // --- Payment rails (rail_query.cc). Lists are newest first. ---
  // The buyer's top-up; NOT_FOUND if it is another buyer's.
  [[nodiscard]] Result<v1::TopUp> GetTopUp(const std::string& buyer_id,
                                           const std::string& id) const;
  [[nodiscard]] Result<v1::ListTopUpsResponse> ListTopUps(const std::string& buyer_id,
                                                          std::size_t limit,
                                                          const std::string& page_token) const;
  // A payout, for its merchant or an operator; NOT_FOUND for anyone else.
  [[nodiscard]] Result<v1::Payout> GetPayout(const Caller& caller, const std::string& id) const;
  // A merchant's payouts, or an operator's view of all; RAIL_STATUS_UNSPECIFIED means any
  // status. Examines at most kMaxScannedRecords payouts per page.
  [[nodiscard]] Result<v1::ListPayoutsResponse> ListPayouts(const Caller& caller,
                                                            v1::RailStatus status,
                                                            std::size_t limit,
                                                            const std::string& page_token) const;
  // The exceptions queue (operator); EXCEPTION_STATUS_UNSPECIFIED means any status.
  [[nodiscard]] Result<v1::ProviderException> GetException(const std::string& id) const;
  [[nodiscard]] Result<v1::ListExceptionsResponse> ListExceptions(
      v1::ExceptionStatus status, std::size_t limit, const std::string& page_token) const;
  // A stored provider event with its raw content (operator).
  [[nodiscard]] Result<v1::ProviderEvent> GetProviderEvent(const std::string& id) const;

  // --- The market stall (stall_query.cc) ---
  // A merchant's events with ids above `after_id`, oldest first, at most `limit`
  // (0: kDefaultPageSize; more than kMaxPageSize is INVALID_ARGUMENT).
  [[nodiscard]] Result<std::vector<v1::MerchantEvent>> ListMerchantEvents(
      const std::string& merchant_id, std::uint64_t after_id, std::size_t limit) const;
  // A payment request by its code, anyone's: its status is EXPIRED once `now_ns` (the
  // engine's clock) passed its expires_at unpaid.
  [[nodiscard]] Result<v1::PaymentRequest> GetPaymentRequest(const std::string& code,
                                                             std::int64_t now_ns) const;
  // The merchant's stall payments, newest first; one of them (NOT_FOUND if another's).
  [[nodiscard]] Result<v1::ListStallPaymentsResponse> ListStallPayments(
      const std::string& merchant_id, std::size_t limit, const std::string& page_token) const;
  [[nodiscard]] Result<v1::StallPayment> GetStallPayment(const std::string& merchant_id,
                                                         const std::string& id) const;

  // --- Statements (statement_query.cc) ---
  // The posted movements of `account_id` over `period`, oldest first, each with a Vietnamese
  // description and the running posted balance (credits_posted - debits_posted), between the
  // opening and closing balances. Reservations, and the voids and expiries that release them,
  // move no posted money and make no line. At most `limit` lines per answer (0:
  // kMaxStatementLines; more is INVALID_ARGUMENT), then a page token. Reads every entry of the
  // account since the period began, and refuses (INVALID_ARGUMENT, field "from") a period that
  // began more than kMaxStatementScannedEntries entries ago. NOT_FOUND if the account does not
  // exist.
  [[nodiscard]] Result<v1::Statement> GetStatement(const std::string& account_id,
                                                   const StatementPeriod& period, std::size_t limit,
                                                   const std::string& page_token) const;
  // The statement of a merchant's `available` account, or of a buyer's wallet; NOT_FOUND
  // if there is no such merchant or buyer.
  [[nodiscard]] Result<v1::Statement> GetMerchantStatement(const std::string& merchant_id,
                                                           const StatementPeriod& period,
                                                           std::size_t limit,
                                                           const std::string& page_token) const;
  [[nodiscard]] Result<v1::Statement> GetWalletStatement(const std::string& buyer_id,
                                                         const StatementPeriod& period,
                                                         std::size_t limit,
                                                         const std::string& page_token) const;

  // --- Settlement reconciliation (reconciliation_query.cc) ---
  // A stored report (operator); NOT_FOUND if there is none.
  [[nodiscard]] Result<v1::Reconciliation> GetReconciliation(const std::string& id) const;
  // What the ledger applied for `provider` on local day `day`, in time order: the lines its
  // settlement file should hold. NOT_FOUND for an unknown provider.
  [[nodiscard]] Result<v1::ListSettlementEntriesResponse> ListSettlementEntries(
      const std::string& provider, std::int64_t day, int utc_offset_minutes) const;

 private:
  storage::ReadView view_;
  std::shared_ptr<const LiveLogs> live_logs_;
};

}  // namespace market4::engine
