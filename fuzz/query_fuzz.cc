// Fuzzes what list requests read from their query strings: the router's query parameters
// (boost::urls over the target, as Router::Handle reads them) through QueryNumber and
// QueryText (gateway/routes.h), the engine's page tokens (PageToken/PagePosition,
// engine/records.h) and statement periods (StatementPeriodOf, engine/query.h). Asserts:
// QueryNumber accepts exactly an unsigned decimal integer, or an absent parameter (as 0),
// and otherwise answers once, 400 naming the parameter; a page token made for a list, scope
// and position reads back as that position and is refused by any other list or scope; a token
// that reads gives back its position's own token (hex case aside); a sequence position
// re-encodes to itself; an accepted statement period is the dates sent, in order, at most
// kMaxStatementDays long.
//
// Input: a byte (0 mod 3: the rest is a query string; 1: page tokens, with the NUL-separated
// fields scope, position, token; 2: statement period, with fields from, to, now (seconds),
// UTC offset (minutes)).
#include <boost/url/parse.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/business_day.h"
#include "common/limits.h"
#include "engine/query.h"
#include "engine/records.h"
#include "fuzz/fuzz_input.h"
#include "gateway/routes.h"
#include "storage/keys.h"

namespace market4::fuzz {
namespace {

using engine::PagedList;

constexpr PagedList kLists[] = {
    PagedList::kAccounts,  PagedList::kMerchants,  PagedList::kBuyers,        PagedList::kListings,
    PagedList::kTransfers, PagedList::kOrders,     PagedList::kProviders,     PagedList::kTopUps,
    PagedList::kPayouts,   PagedList::kExceptions, PagedList::kStallPayments, PagedList::kOperators,
    PagedList::kApprovals, PagedList::kDays,       PagedList::kStatements};
// The numeric parameters routes read, and one no route reads.
constexpr const char* kNumberNames[] = {"limit", "min_price", "max_price", "absent"};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return gateway::AsciiEqualsIgnoreCase(a, b);
}

// Whether `text` is digits only (no sign, not even "-0") making an integer that fits int64,
// read independently of QueryNumber.
std::optional<std::int64_t> NonNegative(const std::string& digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  __int128 value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > INT64_MAX) return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

void CheckNumber(const gateway::HttpRequest& request,
                 const std::map<std::string, std::string>& query, const char* name) {
  int answers = 0;
  gateway::HttpResponse answer;
  gateway::Call call{request,
                     {},
                     query,
                     gateway::Format::kJson,
                     [&answers, &answer](gateway::HttpResponse r) {
                       ++answers;
                       answer = std::move(r);
                     },
                     {}};
  std::int64_t value = -1;
  bool accepted = gateway::QueryNumber(call, name, &value);
  auto it = query.find(name);
  std::optional<std::int64_t> expected =
      it == query.end() ? std::optional<std::int64_t>(0) : NonNegative(it->second);
  std::string text = it == query.end() ? "(absent)" : it->second;
  Require(accepted == expected.has_value(), "QueryNumber accepts exactly a non-negative integer",
          std::string(name) + "=" + text);
  Require(answers == (accepted ? 0 : 1), "QueryNumber answers once exactly when it refuses", text);
  if (accepted) {
    Require(value == *expected, "QueryNumber's value is the number written", text);
  } else {
    Require(answer.status == 400 && answer.body.find(name) != std::string::npos,
            "a refused number is a 400 naming the parameter", answer.body);
  }
  Require(gateway::QueryText(call, name) == (it == query.end() ? "" : it->second),
          "QueryText is the decoded parameter");
}

// A token that reads gives back its own token, hex case aside.
void CheckTokenReads(PagedList list, const std::string& token, std::string_view scope) {
  auto position = engine::PagePosition(list, token, scope);
  if (!position.ok()) {
    Require(position.status().code() == Code::kInvalidArgument &&
                position.status().details().count("field") == 1,
            "a bad page token is INVALID_ARGUMENT naming the field", position.status().ToString());
    return;
  }
  Require(position.value().has_value() == !token.empty(), "only the empty token is the first page");
  if (!position.value()) return;
  Require(EqualsIgnoringCase(engine::PageToken(list, *position.value(), scope), token),
          "a token that reads re-encodes to itself", token);
  (void)engine::ResumeAfterId(list, token);
  (void)engine::ResumeBelowSequence(list, scope, token);
}

void CheckQueryString(FuzzInput& input) {
  gateway::HttpRequest request;
  request.method = "GET";
  request.target = "/v1/listings?" + input.Rest();
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) return;  // the router answers 400 before any route reads the query
  std::map<std::string, std::string> query;
  for (auto param : target->params()) query[param.key] = param.value;
  for (const char* name : kNumberNames) CheckNumber(request, query, name);
  auto token = query.find("page_token");
  if (token == query.end()) return;
  for (PagedList list : kLists) CheckTokenReads(list, token->second, "");
}

void CheckPageTokens(FuzzInput& input) {
  std::string scope = input.Field();
  std::string position = input.Field();
  std::string token = input.Rest();
  for (std::size_t i = 0; i < std::size(kLists); ++i) {
    PagedList list = kLists[i];
    CheckTokenReads(list, token, scope);
    if (position.empty()) continue;  // never a position: ids and sequences are not empty
    std::string made = engine::PageToken(list, position, scope);
    auto read = engine::PagePosition(list, made, scope);
    Require(read.ok() && read.value() && *read.value() == position,
            "a token reads back as the position it was made for", made);
    PagedList other = kLists[(i + 1) % std::size(kLists)];
    Require(!engine::PagePosition(other, made, scope).ok(), "another list refuses a token", made);
    // Only one list checks another scope: the check is 32 bits, so millions of runs would
    // find a scope whose check collides by chance.
    Require(i != 0 || !engine::PagePosition(list, made, scope + "/").ok(),
            "another scope refuses a token", made);
  }
  if (auto sequence = storage::DecodeSequence(position)) {
    Require(storage::EncodeSequence(*sequence) == position, "a sequence re-encodes to itself");
  }
}

void CheckStatementPeriod(FuzzInput& input) {
  std::string from = input.Field();
  std::string to = input.Field();
  // The engine's clock, 1970 to 2200, and a real offset: StatementPeriodOf trusts both.
  std::int64_t now_seconds = input.Integer() % 7'258'118'400;
  if (now_seconds < 0) now_seconds = -now_seconds;
  int offset = static_cast<int>(input.Integer() % (kMaxUtcOffsetMinutes + 1));
  auto period = engine::StatementPeriodOf(from, to, now_seconds * 1'000'000'000, offset);
  if (!period.ok()) {
    Require(period.status().code() == Code::kInvalidArgument, "a bad period is INVALID_ARGUMENT");
    return;
  }
  const engine::StatementPeriod& p = period.value();
  Require(p.from_day <= p.to_day && p.to_day - p.from_day < kMaxStatementDays,
          "a period is in order and at most kMaxStatementDays long", from + ".." + to);
  Require(to.empty() || FormatDate(p.to_day) == to, "to is the date sent", to);
  Require(from.empty() || FormatDate(p.from_day) == from, "from is the date sent", from);
  Require(!from.empty() || p.from_day == p.to_day, "from defaults to to");
}

}  // namespace
}  // namespace market4::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  FuzzInput input(data, size);
  switch (input.Byte() % 3) {
    case 0:
      CheckQueryString(input);
      break;
    case 1:
      CheckPageTokens(input);
      break;
    default:
      CheckStatementPeriod(input);
      break;
  }
  return 0;
}
