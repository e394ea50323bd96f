// The marketplace's chart of accounts and its transfer codes: every ledger account the
// marketplace opens and every kind of movement it records, named in one place (see
// DESIGN.md, "Chart of accounts"). Pure functions and constants; any thread.
//
//   account                 per        flags           holds
//   <buyer>.wallet          buyer      no overdraft    what the platform owes the buyer
//   <merchant>.available    merchant   no overdraft    what the merchant may withdraw
//   <merchant>.escrow       merchant   no overdraft    paid orders, held by pending transfers
//   platform.fees           platform   no overdraft    commission earned
//   platform.cash_desk      platform   -               cash taken in at the desk (debit)
//
//   provider.<id>           provider   -               money the provider holds for us (debit)
//
// Provider money reaches a wallet first, then follows the same paths as a cash deposit.
#pragma once

#include <cstdint>
#include <string>

namespace market4::engine {

inline constexpr char kFeesAccount[] = "platform.fees";
inline constexpr char kCashDeskAccount[] = "platform.cash_desk";
std::string WalletAccount(const std::string& buyer_id);
std::string AvailableAccount(const std::string& merchant_id);
std::string EscrowAccount(const std::string& merchant_id);
// Money a payment provider holds for the platform (debit: top-ups in, payouts out).
std::string ProviderAccount(const std::string& provider_id);

// Whether `account_id` is one of the marketplace's own accounts: a wallet, a merchant's
// available or escrow, a provider's, or platform.fees. Operators' raw transfers touching one
// need a second operator's approval.
bool IsMarketplaceAccount(const std::string& account_id);

// Transfer codes of marketplace movements. Operators' own transfers use any other code.
inline constexpr std::uint32_t kCodeDeposit = 10;          // cash desk -> wallet
inline constexpr std::uint32_t kCodeTopUp = 11;            // provider -> wallet
inline constexpr std::uint32_t kCodeProviderPayment = 12;  // provider -> wallet, for an order
inline constexpr std::uint32_t kCodeExceptionCredit = 13;  // provider -> wallet, by an operator
inline constexpr std::uint32_t kCodeBankTransfer = 14;     // bank -> wallet, for an order
inline constexpr std::uint32_t kCodeOrderPayment = 20;     // wallet -> escrow, pending
inline constexpr std::uint32_t kCodeOrderSettlement = 21;  // escrow -> available
inline constexpr std::uint32_t kCodeCommission = 22;       // escrow -> platform.fees
inline constexpr std::uint32_t kCodeRefund = 30;           // available -> wallet
inline constexpr std::uint32_t kCodePayout = 40;           // available -> provider, pending
inline constexpr std::uint32_t kCodeStallPayment = 50;     // wallet -> available, at a stall
inline constexpr std::uint32_t kCodeStallCommission = 51;  // wallet -> platform.fees
inline constexpr std::uint32_t kCodeStallRefund = 31;      // available -> wallet

// A code's name in reports and wallet lines ("deposit", "topup", "order_settlement", ...);
// kOtherCodeName for operators' own codes.
const char* CodeName(std::uint32_t code);
inline constexpr char kOtherCodeName[] = "other";

}  // namespace market4::engine
