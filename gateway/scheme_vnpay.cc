// VNPay IPN (sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html, "Code IPN URL"): a GET
// whose query holds the vnp_* parameters (also accepted as an
// application/x-www-form-urlencoded POST body). vnp_SecureHash is hex HMAC-SHA512 under the
// vnp_HashSecret of every other vnp_* parameter except vnp_SecureHashType, sorted by name, each
// "name=value" with the value encoded as PHP's urlencode does (space as '+', every byte but
// A-Z a-z 0-9 - _ . as %XX), joined by '&'; VNPay's sample vnpay_ipn.php builds it so.
// vnp_Amount is in 1/100 dong. vnp_TxnRef is our reference, vnp_TransactionNo VNPay's
// transaction. Answers: 200 {"RspCode","Message"} as the sample code gives them.
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url_view.hpp>
#include <limits>
#include <map>

#include "common/crypto.h"
#include "gateway/scheme_common.h"

namespace market4::gateway {
namespace {

using Params = std::map<std::string, std::string>;

constexpr std::size_t kMacBytes = 64;  // SHA-512
constexpr std::int64_t kMinorUnits = 100;
constexpr std::string_view kPrefix = "vnp_";
constexpr char kSecureHash[] = "vnp_SecureHash";
constexpr char kSecureHashType[] = "vnp_SecureHashType";
constexpr char kSuccess[] = "00";
// What market4-sim sends where VNPay would send its own values.
constexpr char kSimTmnCode[] = "MARKET4S";
constexpr char kSimCancelled[] = "24";  // vnp_ResponseCode: the customer cancelled
constexpr char kSimFailedStatus[] = "02";

// PHP urlencode: what VNPay's sample code hashes.
std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

// name=value&... of `params` in name order, encoded: the hash data, and the query we send.
std::string HashData(const Params& params) {
  std::string data;
  for (const auto& [name, value] : params) {
    if (!data.empty()) data.push_back('&');
    data.append(FormEncode(name)).append("=").append(FormEncode(value));
  }
  return data;
}

// The vnp_* parameters of a parsed target, decoded ('+' is a space); false when one is named
// twice (PHP would keep the last, Java the first).
bool DecodeParams(const boost::urls::url_view& url, Params* params) {
  for (const boost::urls::param& param : url.params()) {
    if (param.key.substr(0, kPrefix.size()) != kPrefix) continue;
    if (!params->emplace(param.key, param.value).second) return false;
  }
  return true;
}

// From the body of a POST, else from the target's query; false when they do not parse.
bool ReadParams(const HttpRequest& request, Params* params) {
  std::string form;
  std::string_view target = request.target;
  if (request.method == "POST") {
    form = "/?" + request.body;
    target = form;
  }
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  return DecodeParams(*url, params);
}

std::string Param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

// The engine's reading of verified parameters.
void ReadNotice(const Params& params, ProviderNotice* notice) {
  notice->reference = Param(params, "vnp_TxnRef");
  notice->provider_txn_id = Param(params, "vnp_TransactionNo");
  notice->delivery_id = notice->reference + "." + notice->provider_txn_id;
  std::string response_code = Param(params, "vnp_ResponseCode");
  std::int64_t minor = 0;
  if (notice->reference.empty() || notice->provider_txn_id.empty() || response_code.empty() ||
      !ParseWholeNumber(Param(params, "vnp_Amount"), &minor)) {
    notice->problem = kProblemUnreadableBody;
    return;
  }
  if (minor % kMinorUnits != 0) {
    notice->problem = kProblemAmountNotWholeDong;
    return;
  }
  notice->amount = minor / kMinorUnits;
  bool status_ok = !params.contains("vnp_TransactionStatus") ||
                   Param(params, "vnp_TransactionStatus") == kSuccess;
  SetTypeFromReference(response_code == kSuccess && status_ok, notice);
}

Result<ProviderNotice> Read(const std::vector<std::string>& secrets, const HttpRequest& request,
                            std::int64_t /*now_seconds*/) {
  Params params;
  if (!ReadParams(request, &params)) return RefuseCallback("the vnp_* parameters do not parse");
  std::string received;
  if (!DecodeHexMac(Param(params, kSecureHash), kMacBytes, &received)) {
    return RefuseCallback("vnp_SecureHash must be a hex HMAC-SHA512");
  }
  params.erase(kSecureHash);
  params.erase(kSecureHashType);
  std::string data = HashData(params);
  int index =
      MatchingSecret(secrets, received, [&data](const std::string& secret, std::string* mac) {
        if (secret.empty()) return false;
        *mac = HmacSha512(secret, data);
        return true;
      });
  if (index < 0) return RefuseCallback("no secret verifies vnp_SecureHash");
  ProviderNotice notice;
  notice.secret_index = index;
  ReadNotice(params, &notice);
  return notice;
}

Status CheckSignable(const std::string& secret, const CallbackFields& fields) {
  if (secret.empty()) {
    return Status(Code::kInvalidArgument, "a VNPay secret is the vnp_HashSecret")
        .WithDetail("field", "secret");
  }
  if (Status s = CheckTypeMatchesReference(fields); !s.ok()) return s;
  std::int64_t number = 0;
  if (!ParseWholeNumber(fields.provider_txn_id, &number)) {
    return Status(Code::kInvalidArgument, "VNPay's vnp_TransactionNo is a number")
        .WithDetail("field", "provider_txn_id");
  }
  if (fields.amount > std::numeric_limits<std::int64_t>::max() / kMinorUnits) {
    return Status(Code::kInvalidArgument, "amount is too large for vnp_Amount")
        .WithDetail("field", "amount");
  }
  return Status::Ok();
}

Result<SignedCallback> Sign(const std::string& secret, const CallbackFields& fields) {
  if (Status s = CheckSignable(secret, fields); !s.ok()) return s;
  bool succeeded = fields.type.ends_with(".succeeded");
  Params params = {
      {"vnp_Amount", std::to_string(fields.amount * kMinorUnits)},
      {"vnp_BankCode", "NCB"},
      {"vnp_BankTranNo", "VNP" + fields.provider_txn_id},
      {"vnp_CardType", "ATM"},
      {"vnp_OrderInfo", "Thanh toan " + fields.reference},
      {"vnp_PayDate", VietnamTime(fields.now_seconds, "%Y%m%d%H%M%S")},
      {"vnp_ResponseCode", succeeded ? kSuccess : kSimCancelled},
      {"vnp_TmnCode", kSimTmnCode},
      {"vnp_TransactionNo", fields.provider_txn_id},
      {"vnp_TransactionStatus", succeeded ? kSuccess : kSimFailedStatus},
      {"vnp_TxnRef", fields.reference},
  };
  std::string query = HashData(params);
  std::string hash = HexEncode(HmacSha512(secret, query));
  SignedCallback callback;
  callback.method = "GET";
  callback.path_and_query_suffix = "?" + query + "&" + kSecureHash + "=" + hash;
  return callback;
}

HttpResponse Acknowledge(CallbackOutcome outcome) {
  switch (outcome) {
    case CallbackOutcome::kApplied:
      return JsonAnswer(R"({"RspCode":"00","Message":"Confirm Success"})");
    case CallbackOutcome::kDuplicate:
      return JsonAnswer(R"({"RspCode":"02","Message":"Order already confirmed"})");
    // Recorded for the operator: the order was not waiting for this payment, which is when
    // VNPay's sample IPN code answers 02; its 99 is for a failure of ours (kRetryLater).
    case CallbackOutcome::kException:
      return JsonAnswer(R"({"RspCode":"02","Message":"Order already confirmed"})");
    case CallbackOutcome::kUnknownReference:
      return JsonAnswer(R"({"RspCode":"01","Message":"Order not found"})");
    case CallbackOutcome::kAmountMismatch:
      return JsonAnswer(R"({"RspCode":"04","Message":"Invalid amount"})");
    case CallbackOutcome::kRetryLater:
      break;
  }
  return JsonAnswer(R"({"RspCode":"99","Message":"Unknown error"})");
}

}  // namespace

const SchemeOps& VnpayOps() {
  static constexpr SchemeOps kOps{Read, Sign, Acknowledge};
  return kOps;
}

}  // namespace market4::gateway
