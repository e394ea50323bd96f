// Routes of the market stall: an order's VietQR (JSON and SVG), stall payment requests (create,
// look up, draw, pay), the merchant's reusable stall QR, and stall payments with refunds. QR
// strings are made here, when shown, from what the engine stores (common/emvco.h); the engine
// never formats a QR.
#include "common/emvco.h"
#include "engine/payment_code.h"
#include "gateway/qr_svg.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

constexpr char kSvgType[] = "image/svg+xml";
// What a stall QR shows as the city when the merchant's location has no letters in it.
constexpr char kDefaultCity[] = "VIET NAM";

void ReplySvg(Call& call, const Result<std::string>& payload) {
  if (!payload.ok()) return ReplyError(call, payload.status());
  auto svg = QrSvg(payload.value());
  if (!svg.ok()) return ReplyError(call, svg.status());
  HttpResponse response{200, kSvgType, std::move(svg).value(), {}};
  response.headers.emplace_back("Cache-Control", "no-store");
  Reply(call, std::move(response));
}

// The VietQR of the caller's order through the BANK_TRANSFER provider `?provider=`.
Result<v1::VietQr> OrderVietQr(Call& call, engine::Engine& engine) {
  std::string provider_id = QueryText(call, "provider");
  if (provider_id.empty()) {
    return Status(Code::kInvalidArgument, "name the bank: ?provider=<id>")
        .WithDetail("field", "provider");
  }
  engine::Query read = engine.Read();
  auto order = read.GetOrder(call.caller, call.path[2]);
  if (!order.ok()) return order.status();
  auto provider = read.GetProvider(provider_id);
  if (!provider.ok()) return provider.status();
  if (provider->scheme() != v1::BANK_TRANSFER) {
    return Status(Code::kInvalidArgument, "this provider takes no bank transfers")
        .WithDetail("field", "provider");
  }
  if (order->status() != v1::PENDING_PAYMENT || order->payment_code().empty()) {
    return Status(Code::kFailedPrecondition, "only orders awaiting payment have a VietQR")
        .WithDetail("status", v1::OrderStatus_Name(order->status()));
  }
  VietQrTransfer transfer{provider->bank_bin(), provider->account_number(), order->total(),
                          order->payment_code(), provider->account_name()};
  auto payload = VietQrPayload(transfer);
  if (!payload.ok()) return payload.status();
  v1::VietQr qr;
  qr.set_payload(std::move(payload).value());
  qr.set_payment_code(order->payment_code());
  qr.set_amount(order->total());
  qr.set_provider(provider_id);
  return qr;
}

void GetVietQr(Call& call, engine::Engine& engine) { ReplyResult(call, OrderVietQr(call, engine)); }

void GetVietQrSvg(Call& call, engine::Engine& engine) {
  auto qr = OrderVietQr(call, engine);
  if (!qr.ok()) return ReplyError(call, qr.status());
  ReplySvg(call, qr->payload());
}

// The request's QR string: market4's own template, the stall's name and place in ASCII.
Result<std::string> StallPayload(const v1::PaymentRequest& request, engine::Engine& engine) {
  auto merchant = engine.Read().GetMerchant(request.merchant_id());
  if (!merchant.ok()) return merchant.status();
  std::string city = engine::AsciiWords(merchant->location(), kMaxEmvcoMerchantCityChars);
  std::string name = engine::AsciiWords(merchant->name(), kMaxEmvcoMerchantNameChars);
  return StallQrPayload({request.code(), name.empty() ? "MARKET4" : name,
                         city.empty() ? kDefaultCity : city, request.amount()});
}

// Answers the request with its QR string filled in.
void ReplyRequest(Call& call, engine::Engine& engine, Result<v1::PaymentRequest> request,
                  int status, bool replayed = false) {
  if (!request.ok()) return ReplyError(call, request.status());
  auto payload = StallPayload(request.value(), engine);
  if (!payload.ok()) return ReplyError(call, payload.status());
  request->set_qr_payload(std::move(payload).value());
  HttpResponse response = MessageResponse(status, request.value(), call.format);
  if (replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
  Reply(call, std::move(response));
}

// With an Idempotency-Key the seed (and so the code) is minted from it, so a retry names the
// same request and gets the first answer instead of a second open QR.
void CreatePaymentRequest(Call& call, engine::Engine& engine) {
  engine::CreatePaymentRequest command{call.caller.id, "", {}};
  if (!DecodeBody(call, &command.request)) return;
  if (!ReadIdempotencyKey(call, false, &command.idempotency_key)) return;
  command.seed =
      command.idempotency_key.empty()
          ? NewId(call, "pr_")
          : MintedId(call, "pr_", "payment-request:" + call.caller.id, command.idempotency_key);
  if (command.seed.empty()) return;
  engine.Submit<engine::CreatePaymentRequest>(
      std::move(command), [call, &engine](engine::Answer<v1::PaymentRequest> answer) mutable {
        if (!answer.ok()) return ReplyError(call, answer.status);
        ReplyRequest(call, engine, std::move(answer.value), 201, answer.replayed);
      });
}

void GetPaymentRequest(Call& call, engine::Engine& engine) {
  ReplyRequest(call, engine, engine.Read().GetPaymentRequest(call.path[2], engine.NowNanos()), 200);
}

void GetPaymentRequestSvg(Call& call, engine::Engine& engine) {
  auto request = engine.Read().GetPaymentRequest(call.path[2], engine.NowNanos());
  if (!request.ok()) return ReplyError(call, request.status());
  ReplySvg(call, StallPayload(request.value(), engine));
}

// The merchant's reusable stall QR.
Result<v1::PaymentRequest> StallQrOf(Call& call, engine::Engine& engine) {
  engine::Query read = engine.Read();
  auto merchant = read.GetMerchant(call.caller.id);
  if (!merchant.ok()) return merchant.status();
  return read.GetPaymentRequest(merchant->stall_code(), engine.NowNanos());
}

void GetMerchantQr(Call& call, engine::Engine& engine) {
  ReplyRequest(call, engine, StallQrOf(call, engine), 200);
}

void GetMerchantQrSvg(Call& call, engine::Engine& engine) {
  auto request = StallQrOf(call, engine);
  if (!request.ok()) return ReplyError(call, request.status());
  ReplySvg(call, StallPayload(request.value(), engine));
}

void PayPaymentRequest(Call& call, engine::Engine& engine) {
  engine::PayPaymentRequest command{call.caller.id, call.path[2], "", "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  command.payment_id = NewId(call, "sp_");
  if (command.payment_id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

void RefundStallPayment(Call& call, engine::Engine& engine) {
  engine::RefundStallPayment command{call.caller.id, call.path[2], "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void ListStallPayments(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListStallPayments(call.caller.id, std::size_t(limit),
                                                    QueryText(call, "page_token")));
}

void GetStallPayment(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetStallPayment(call.caller.id, call.path[3]));
}

}  // namespace

const std::vector<Route>& StallRoutes() {
  static const std::vector<Route> routes = {
      {"GET", {"v1", "orders", "*", "vietqr"}, kBearer, kBuyer, GetVietQr},
      {"GET", {"v1", "orders", "*", "vietqr.svg"}, kBearer, kBuyer, GetVietQrSvg},
      {"POST", {"v1", "payment-requests"}, kBearer, kMerchant, CreatePaymentRequest},
      {"GET", {"v1", "payment-requests", "*"}, kBearer, kSignedIn, GetPaymentRequest},
      // Printed at the stall and opened in any browser: the code is not a secret.
      {"GET", {"v1", "payment-requests", "*", "qr.svg"}, kPublic, 0, GetPaymentRequestSvg},
      {"POST", {"v1", "payment-requests", "*", "pay"}, kBearer, kBuyer, PayPaymentRequest},
      {"GET", {"v1", "merchant", "qr"}, kBearer, kMerchant, GetMerchantQr},
      {"GET", {"v1", "merchant", "qr.svg"}, kBearer, kMerchant, GetMerchantQrSvg},
      {"GET", {"v1", "merchant", "stall-payments"}, kBearer, kMerchant, ListStallPayments},
      {"GET", {"v1", "merchant", "stall-payments", "*"}, kBearer, kMerchant, GetStallPayment},
      {"POST", {"v1", "stall-payments", "*", "refund"}, kBearer, kMerchant, RefundStallPayment},
  };
  return routes;
}

}  // namespace market4::gateway
