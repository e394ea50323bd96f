// Fuzzes request-body decoding (gateway/codec.h) for every message a route decodes with
// DecodeBody, in both formats: protobuf JSON and binary protobuf. Asserts: a body that fails
// to decode leaves the message cleared (the codec's promise); a body that decodes re-encodes,
// in JSON as the server answers (MessageResponse) and in binary, and each encoding decodes
// again, through the same Decode, to a message equal to the first.
//
// Input: a byte (bit 7: binary, else JSON; the rest picks the message type, in kMessages'
// order), then the body.
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <array>
#include <memory>
#include <string>

#include "fuzz/fuzz_input.h"
#include "gateway/codec.h"
#include "market4/v1/backups.pb.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/providers.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/stall.pb.h"

namespace market4::fuzz {
namespace {

using gateway::Format;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
namespace v1 = ::market4::v1;

// Every request body a route decodes (grep DecodeBody and CreatePrincipal in gateway/).
const std::array<const Message*, 26> kMessages = {
    &v1::CreateBackupRequest::default_instance(),
    &v1::CreateAccountRequest::default_instance(),
    &v1::CreateTransfersRequest::default_instance(),
    &v1::DecideApprovalRequest::default_instance(),
    &v1::PostPendingRequest::default_instance(),
    &v1::VoidPendingRequest::default_instance(),
    &v1::CreateMerchantRequest::default_instance(),
    &v1::CreateBuyerRequest::default_instance(),
    &v1::DepositRequest::default_instance(),
    &v1::CreateListingRequest::default_instance(),
    &v1::UpdateListingRequest::default_instance(),
    &v1::CreateOrderRequest::default_instance(),
    &v1::RefundRequest::default_instance(),
    &v1::CreateOperatorRequest::default_instance(),
    &v1::DisableOperatorRequest::default_instance(),
    &v1::CloseDayRequest::default_instance(),
    &v1::ApproveDayRequest::default_instance(),
    &v1::CreateProviderRequest::default_instance(),
    &v1::UpdateProviderRequest::default_instance(),
    &v1::TopUpRequest::default_instance(),
    &v1::PayOrderRequest::default_instance(),
    &v1::PayoutRequest::default_instance(),
    &v1::ResolveExceptionRequest::default_instance(),
    &v1::CreatePaymentRequestRequest::default_instance(),
    &v1::PayPaymentRequestRequest::default_instance(),
    &v1::StallRefundRequest::default_instance(),
};

// `encoded` decodes in `format` to a message equal to `original`.
void ExpectDecodesTo(const std::string& encoded, Format format, const Message& original) {
  const char* name = format == Format::kJson ? "JSON" : "binary";
  std::unique_ptr<Message> again(original.New());
  Status s = gateway::Decode(encoded, format, again.get());
  Require(s.ok(), std::string("a decoded message's ") + name + " encoding decodes",
          original.GetTypeName() + ": " + s.ToString() + "\n" + encoded);
  Require(MessageDifferencer::Equals(original, *again),
          std::string("it decodes to an equal message (") + name + ")",
          original.ShortDebugString() + "\nvs\n" + again->ShortDebugString());
}

}  // namespace
}  // namespace market4::fuzz

// protobuf logs every string field with invalid UTF-8 that it refuses; the fuzzer sends many.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  FuzzInput input(data, size);
  std::uint8_t choice = input.Byte();
  const Message& prototype = *kMessages[(choice & 0x7f) % kMessages.size()];
  Format format = (choice & 0x80) ? Format::kBinary : Format::kJson;
  std::unique_ptr<Message> message(prototype.New());
  market4::Status s = market4::gateway::Decode(input.Rest(), format, message.get());
  if (!s.ok()) {
    Require(message->ByteSizeLong() == 0, "a body that does not decode leaves the message cleared",
            message->ShortDebugString());
    return 0;
  }
  market4::gateway::HttpResponse json =
      market4::gateway::MessageResponse(200, *message, Format::kJson);
  Require(json.status == 200, "a decoded message encodes as JSON", json.body);
  ExpectDecodesTo(json.body, Format::kJson, *message);
  ExpectDecodesTo(message->SerializeAsString(), Format::kBinary, *message);
  return 0;
}
