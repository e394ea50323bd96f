#include "gateway/codec.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/text.h"
#include "market4/v1/error.pb.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"

namespace market4::gateway {
namespace codec_test {

// Decodes `body` as JSON into a fresh T and returns the status.
template <typename T>
Status DecodeJson(const std::string& body, T* message = nullptr) {
  T scratch;
  return Decode(body, Format::kJson, message ? message : &scratch);
}

// The Error an error response carries, parsed back from its JSON body.
v1::Error ParseErrorBody(const HttpResponse& response) {
  v1::Error error;
  EXPECT_EQ(response.content_type, kJsonType);
  EXPECT_TRUE(engine::IsValidUtf8(response.body)) << response.body;
  auto parsed = google::protobuf::util::JsonStringToMessage(response.body, &error);
  EXPECT_TRUE(parsed.ok()) << parsed.message() << "\n" << response.body;
  return error;
}

TEST(CodecTest, RequestFormat) {
  EXPECT_EQ(RequestFormat("").value(), Format::kJson);
  EXPECT_EQ(RequestFormat("application/json").value(), Format::kJson);
  EXPECT_EQ(RequestFormat("application/json; charset=utf-8").value(), Format::kJson);
  EXPECT_EQ(RequestFormat("  Application/JSON ;charset=UTF-8").value(), Format::kJson);
  EXPECT_EQ(RequestFormat("application/x-protobuf").value(), Format::kBinary);
  EXPECT_EQ(RequestFormat("APPLICATION/X-Protobuf; proto=market4.v1.DepositRequest").value(),
            Format::kBinary);
  for (std::string_view unknown : {"text/plain", "application/jsonx", "application/xml",
                                   "multipart/form-data; boundary=x", "application"}) {
    auto format = RequestFormat(unknown);
    ASSERT_FALSE(format.ok()) << unknown;
    EXPECT_EQ(format.status().code(), Code::kInvalidArgument);
  }
}

TEST(CodecTest, ResponseFormat) {
  EXPECT_EQ(ResponseFormat(""), Format::kJson);
  EXPECT_EQ(ResponseFormat("*/*"), Format::kJson);
  EXPECT_EQ(ResponseFormat("application/json"), Format::kJson);
  EXPECT_EQ(ResponseFormat("application/x-protobuf"), Format::kBinary);
  EXPECT_EQ(ResponseFormat("Application/X-Protobuf"), Format::kBinary);
  EXPECT_EQ(ResponseFormat("text/html, application/x-protobuf;q=0.9"), Format::kBinary);
}

TEST(CodecTest, DecodesJson) {
  v1::DepositRequest deposit;
  ASSERT_TRUE(DecodeJson(R"({"amount":"90000"})", &deposit).ok());
  EXPECT_EQ(deposit.amount(), 90000);
  ASSERT_TRUE(DecodeJson(" {\n \"amount\" : 5 }\n", &deposit).ok());
  EXPECT_EQ(deposit.amount(), 5);

  v1::CreateTransfersRequest request;
  Status status = DecodeJson(R"({"transfers":[
      {"id":"t1","debit_account_id":"a","creditAccountId":"b","amount":"1","code":1},
      {"id":"t2","debitAccountId":"b","credit_account_id":"a","amount":"2","code":1,
       "pending":true,"timeout_seconds":60}]})",
                             &request);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(request.transfers_size(), 2);
  EXPECT_EQ(request.transfers(0).credit_account_id(), "b");
  EXPECT_EQ(request.transfers(1).debit_account_id(), "b");
  EXPECT_EQ(request.transfers(1).timeout_seconds(), 60u);

  v1::CreateMerchantRequest merchant;
  ASSERT_TRUE(DecodeJson(R"({"name":"C\u00f4 Ba \"Rau\" \\ \/","phone":"0901"})", &merchant).ok());
  EXPECT_EQ(merchant.name(), "C\u00f4 Ba \"Rau\" \\ /");
}

TEST(CodecTest, EmptyBodyIsTheEmptyMessage) {
  for (std::string body : {"", " ", "\r\n\t "}) {
    v1::DepositRequest deposit;
    ASSERT_TRUE(DecodeJson(body, &deposit).ok());
    EXPECT_EQ(deposit.amount(), 0);
  }
  v1::DepositRequest deposit;
  ASSERT_TRUE(Decode("", Format::kBinary, &deposit).ok());
  EXPECT_EQ(deposit.amount(), 0);
}

TEST(CodecTest, RefusesUnknownJsonFields) {
  Status status = DecodeJson<v1::DepositRequest>(R"({"amount":"1","owner":"x"})");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  status = DecodeJson<v1::CreateTransfersRequest>(R"({"transfers":[{"id":"t","status":2}]})");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
}

void ExpectDuplicate(const Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), Code::kInvalidArgument) << status.message();
  EXPECT_NE(status.message().find("\"" + field + "\""), std::string::npos) << status.message();
  ASSERT_EQ(status.details().count("field"), 1u) << status.message();
  EXPECT_EQ(status.details().at("field"), field);
}

TEST(CodecTest, RefusesDuplicateKeyAtTopLevel) {
  v1::DepositRequest deposit;
  Status status = DecodeJson(R"({"amount":"1","amount":"90000"})", &deposit);
  ExpectDuplicate(status, "amount");
  EXPECT_EQ(status.message(), "field \"amount\" is given more than once in one JSON object");
  EXPECT_NE(deposit.amount(), 90000);
  ExpectDuplicate(DecodeJson<v1::DepositRequest>(R"({"amount":"1", "amount" : "1"})"), "amount");
}

TEST(CodecTest, RefusesDuplicateKeyInNestedObjects) {
  ExpectDuplicate(
      DecodeJson<v1::CreateTransfersRequest>(
          R"({"transfers":[{"id":"a","amount":"1"},{"id":"b","amount":"1","amount":"9"}]})"),
      "amount");
  ExpectDuplicate(DecodeJson<v1::CreateTransfersRequest>(
                      R"({"transfers":[{"id":"a"}],"transfers":[{"id":"b"}]})"),
                  "transfers");
  ExpectDuplicate(DecodeJson<v1::Me>(R"({"role":"merchant","merchant":{"name":"a","name":"b"}})"),
                  "name");
  // Inside values the schema does not describe, keys are compared exactly.
  ExpectDuplicate(DecodeJson<v1::DepositRequest>(R"({"amount":"1","x":[[{"k":1,"k":2}]]})"), "k");
  // The same key in different objects is fine.
  EXPECT_TRUE(DecodeJson<v1::CreateTransfersRequest>(
                  R"({"transfers":[{"id":"a","amount":"1"},{"id":"b","amount":"2"}]})")
                  .ok());
}

TEST(CodecTest, MapKeysAreComparedAsWritten) {
  v1::Error error;
  ASSERT_TRUE(DecodeJson(R"({"details":{"transfer_id":"1","transferId":"2"}})", &error).ok());
  EXPECT_EQ(error.details_size(), 2);
  ExpectDuplicate(DecodeJson<v1::Error>(R"({"details":{"a":"1","\u0061":"2"}})"), "a");
  // Well-known types keep their own JSON forms.
  v1::Merchant merchant;
  ASSERT_TRUE(DecodeJson(R"({"name":"a","createdAt":"2024-01-02T03:04:05Z"})", &merchant).ok());
  EXPECT_EQ(merchant.created_at().seconds(), 1704164645);
}

TEST(CodecTest, RefusesAFieldGivenByNameAndByLowerCamelCase) {
  ExpectDuplicate(DecodeJson<v1::CreateTransfersRequest>(
                      R"({"transfers":[{"debit_account_id":"a","debitAccountId":"b"}]})"),
                  "debit_account_id");
  ExpectDuplicate(
      DecodeJson<v1::CreateAccountRequest>(
          R"({"debitsMustNotExceedCredits":true,"debits_must_not_exceed_credits":false})"),
      "debits_must_not_exceed_credits");
  ExpectDuplicate(DecodeJson<v1::CreateTransfersRequest>(
                      R"({"transfers":[{"timeoutSeconds":1,"timeout_seconds":2}]})"),
                  "timeout_seconds");
}

TEST(CodecTest, RefusesDuplicateKeySpelledWithEscapes) {
  ExpectDuplicate(DecodeJson<v1::DepositRequest>(R"({"amount":"1","\u0061mount":"90000"})"),
                  "amount");
  ExpectDuplicate(DecodeJson<v1::DepositRequest>(R"({"\u0061\u006D\u006f\u0075\u006e\u0074":"1",
                                                     "amount":"90000"})"),
                  "amount");
  ExpectDuplicate(DecodeJson<v1::CreateTransfersRequest>(
                      R"({"transfers":[{"debit\u005faccount_id":"a","debitAccountId":"b"}]})"),
                  "debit_account_id");
  // Keys the schema does not know are shown escaped: no control bytes, nothing but ASCII.
  Status status = DecodeJson<v1::DepositRequest>(R"({"\u0000\u00e9\"":1,"\u0000\u00e9\"":2})");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.details().at("field"), R"(\x00\xC3\xA9\")");
  EXPECT_EQ(status.message(), R"(key "\x00\xC3\xA9\"" is given more than once in one JSON object)");
  // Surrogate pairs and lone surrogates are keys too.
  EXPECT_EQ(DecodeJson<v1::DepositRequest>(R"({"\ud83d\udc1f":1,"\uD83D\uDC1F":2})").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(DecodeJson<v1::DepositRequest>(R"({"\ud800":1,"\ud800":2})").code(),
            Code::kInvalidArgument);
}

TEST(CodecTest, RefusesDeepNesting) {
  auto nested = [](int depth) {
    // The top-level object is level 1; each array inside it adds one.
    return R"({"amount":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  Status deep = DecodeJson<v1::DepositRequest>(nested(65));
  EXPECT_EQ(deep.code(), Code::kInvalidArgument);
  EXPECT_EQ(deep.message(), "JSON body nests objects and arrays deeper than 64 levels");
  Status deepest = DecodeJson<v1::DepositRequest>(nested(64));
  EXPECT_EQ(deepest.code(), Code::kInvalidArgument);  // not an int64, but not too deep
  EXPECT_EQ(deepest.message().find("deeper"), std::string::npos);
  // Far deeper than any stack: refused without recursing all the way down.
  EXPECT_EQ(DecodeJson<v1::DepositRequest>(R"({"amount":)" + std::string(60000, '[')).message(),
            "JSON body nests objects and arrays deeper than 64 levels");
}

TEST(CodecTest, MalformedJsonIsRefusedWithoutCrashing) {
  const std::string valid =
      R"({"transfers":[{"id":"t\u00e91","amount":"5","pending":true,"code":1}, {"id":"x"}]})";
  ASSERT_TRUE(DecodeJson<v1::CreateTransfersRequest>(valid).ok());
  for (std::size_t length = 1; length < valid.size(); ++length) {
    EXPECT_EQ(DecodeJson<v1::CreateTransfersRequest>(valid.substr(0, length)).code(),
              Code::kInvalidArgument)
        << valid.substr(0, length);
  }
  for (std::string bad : std::vector<std::string>{"{",
                                                  "}",
                                                  "[",
                                                  "]",
                                                  "{\"",
                                                  "{\"a",
                                                  "{\"amount\":}",
                                                  "{\"amount\"1}",
                                                  "{\"amount\":\"1\",}",
                                                  "{,}",
                                                  "{\"amount\":\"1\"}}",
                                                  "{\"amount\":01}",
                                                  "{\"amount\":-}",
                                                  "{\"amount\":1.}",
                                                  "{\"amount\":\"\\u12\"}",
                                                  "{\"amount\":\"\\x41\"}",
                                                  "{\"amount\":tru}",
                                                  "\"amount\"",
                                                  "null",
                                                  "{\"a\\",
                                                  "{\"amount\":\"1\"} x",
                                                  std::string("{\"amount\":\"\0\"}", 14),
                                                  "{\"amount\":\"a\tb\"}",
                                                  "\xef\xbb\xbf{}"}) {
    EXPECT_EQ(DecodeJson<v1::DepositRequest>(bad).code(), Code::kInvalidArgument) << bad;
  }
}

TEST(CodecTest, RandomJsonNeverCrashesAndNeverHidesARepeat) {
  // Bodies spliced from JSON pieces: each is refused or decoded, and when one decodes, the
  // amount it holds was written exactly once.
  const unsigned seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 random(seed);
  const std::vector<std::string> pieces = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           " ",
                                           "\"amount\"",
                                           "\"\\u0061mount\"",
                                           "\"id\"",
                                           "\"x\"",
                                           "\"1\"",
                                           "\"90000\"",
                                           "1",
                                           "-0",
                                           "2e3",
                                           "true",
                                           "null",
                                           "'",
                                           "\\",
                                           "\"",
                                           "\\u",
                                           "d800",
                                           "\"transfers\"",
                                           "\"debitAccountId\"",
                                           "\"debit_account_id\"",
                                           "\xc0",
                                           "\xe1\xbb\x91"};
  for (int round = 0; round < 20000; ++round) {
    std::string body = "{";
    int count = std::uniform_int_distribution<int>(0, 12)(random);
    for (int i = 0; i < count; ++i) {
      body += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(random)];
    }
    v1::DepositRequest deposit;
    Status status = DecodeJson(body, &deposit);
    if (status.ok()) {
      std::size_t plain = 0;
      for (std::size_t at = body.find("amount"); at != std::string::npos;
           at = body.find("amount", at + 1)) {
        ++plain;
      }
      EXPECT_LE(plain + (body.find("\\u0061mount") != std::string::npos), 1u)
          << "seed " << seed << ": " << body;
    } else {
      EXPECT_EQ(status.code(), Code::kInvalidArgument) << body;
      EXPECT_TRUE(engine::IsValidUtf8(status.message())) << body;
    }
  }
}

TEST(CodecTest, RefusesLenientJsonThatHidesDuplicates) {
  // protobuf's parser takes some non-JSON spellings; none may carry a repeated key past us.
  for (std::string body :
       {"{'amount':'1','amount':'90000'}", "{amount:\"1\",amount:\"90000\"}",
        "{\"amount\":\"1\",'amount':\"90000\"}", "{\"amount\":\"1\",amount:\"90000\"}"}) {
    v1::DepositRequest deposit;
    EXPECT_EQ(DecodeJson(body, &deposit).code(), Code::kInvalidArgument) << body;
  }
}

TEST(CodecTest, BinaryBodies) {
  v1::DepositRequest deposit;
  deposit.set_amount(90000);
  v1::DepositRequest decoded;
  ASSERT_TRUE(Decode(deposit.SerializeAsString(), Format::kBinary, &decoded).ok());
  EXPECT_EQ(decoded.amount(), 90000);
  EXPECT_EQ(Decode("\xff\xff", Format::kBinary, &decoded).code(), Code::kInvalidArgument);
}

TEST(CodecTest, RefusesUnknownFieldsInBinaryBodies) {
  v1::DepositRequest deposit;
  deposit.set_amount(1);
  // Field 9, varint 1: a field DepositRequest does not have.
  std::string body = deposit.SerializeAsString() + "\x48\x01";
  v1::DepositRequest decoded;
  Status status = Decode(body, Format::kBinary, &decoded);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "body has fields this server does not know");
  EXPECT_EQ(status.details().at("field_number"), "9");

  // Field 15 inside the second transfer of a batch.
  v1::NewTransfer known;
  known.set_id("t2");
  std::string transfer = known.SerializeAsString() + "\x78\x01";
  v1::CreateTransfersRequest request;
  request.add_transfers()->set_id("t1");
  std::string batch = request.SerializeAsString();
  batch += '\x0a';  // field 1, length-delimited
  batch += static_cast<char>(transfer.size());
  batch += transfer;
  v1::CreateTransfersRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(batch));
  ASSERT_EQ(parsed.transfers_size(), 2);
  status = Decode(batch, Format::kBinary, &parsed);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.details().at("field_number"), "15");

  // A length-delimited unknown field inside a set sub-message.
  v1::Me me;
  me.mutable_merchant()->set_name("a");
  std::string merchant = me.merchant().SerializeAsString() + "\x52\x01x";  // field 10, "x"
  std::string me_body = "\x12" + std::string(1, static_cast<char>(merchant.size())) + merchant;
  v1::Me me_parsed;
  status = Decode(me_body, Format::kBinary, &me_parsed);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.details().at("field_number"), "10");
}

TEST(CodecTest, MessageResponse) {
  v1::Account account;
  account.set_id("cash");
  HttpResponse json = MessageResponse(201, account, Format::kJson);
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.content_type, kJsonType);
  EXPECT_EQ(json.body,
            R"({"id":"cash","currency":"","debits_must_not_exceed_credits":false,)"
            R"("credits_must_not_exceed_debits":false,"debits_pending":"0","debits_posted":"0",)"
            R"("credits_pending":"0","credits_posted":"0","available":"0"})"
            "\n");

  account.set_available(-5);
  HttpResponse binary = MessageResponse(200, account, Format::kBinary);
  EXPECT_EQ(binary.status, 200);
  EXPECT_EQ(binary.content_type, kProtobufType);
  v1::Account back;
  ASSERT_TRUE(back.ParseFromString(binary.body));
  EXPECT_EQ(back.id(), "cash");
  EXPECT_EQ(back.available(), -5);
}

TEST(CodecTest, ErrorResponseMapsEveryCode) {
  const std::vector<std::pair<Code, int>> expected = {
      {Code::kOk, 200},
      {Code::kInvalidArgument, 400},
      {Code::kUnauthenticated, 401},
      {Code::kPermissionDenied, 403},
      {Code::kNotFound, 404},
      {Code::kAlreadyExists, 409},
      {Code::kIdempotencyConflict, 422},
      {Code::kInsufficientFunds, 422},
      {Code::kExceedsDebits, 422},
      {Code::kCurrencyMismatch, 422},
      {Code::kOverflow, 422},
      {Code::kPendingNotFound, 409},
      {Code::kPendingAlreadyPosted, 409},
      {Code::kPendingAlreadyVoided, 409},
      {Code::kPendingExpired, 409},
      {Code::kAmountExceedsPending, 422},
      {Code::kOutOfStock, 409},
      {Code::kFailedPrecondition, 409},
      {Code::kRefundExceedsPaid, 422},
      {Code::kInvalidSignature, 401},
      {Code::kAlreadyPaid, 409},
      {Code::kExpired, 410},
      {Code::kSameOperator, 409},
      {Code::kRateLimited, 429},
      {Code::kUnavailable, 503},
      {Code::kIoError, 500},
      {Code::kInternal, 500},
  };
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(Code::kInternal) + 1);
  for (const auto& [code, http_status] : expected) {
    EXPECT_EQ(HttpStatusFor(code), http_status) << CodeName(code);
    Status status = Status(code, "why").WithDetail("transfer_id", "t1").WithDetail("index", "2");
    HttpResponse response = ErrorResponse(status, Format::kJson);
    EXPECT_EQ(response.status, http_status);
    v1::Error error = ParseErrorBody(response);
    EXPECT_EQ(error.code(), CodeName(code));
    EXPECT_EQ(error.message(), "why");
    ASSERT_EQ(error.details_size(), 2);
    EXPECT_EQ(error.details().at("transfer_id"), "t1");
    EXPECT_EQ(error.details().at("index"), "2");
  }
  HttpResponse gateway = ErrorResponse(415, "UNSUPPORTED_MEDIA_TYPE", "send JSON", Format::kJson);
  EXPECT_EQ(gateway.status, 415);
  v1::Error error = ParseErrorBody(gateway);
  EXPECT_EQ(error.code(), "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(error.message(), "send JSON");

  HttpResponse binary = ErrorResponse(Status(Code::kNotFound, "no"), Format::kBinary);
  EXPECT_EQ(binary.status, 404);
  EXPECT_EQ(binary.content_type, kProtobufType);
  ASSERT_TRUE(error.ParseFromString(binary.body));
  EXPECT_EQ(error.code(), "NOT_FOUND");
}

TEST(CodecTest, ErrorBodiesAreValidUtf8) {
  // A body whose JSON string holds an overlong '/': protobuf refuses it, naming the bytes.
  v1::CreateMerchantRequest merchant;
  Status status = Decode(
      "{\"name\":\"a\xc0\xaf"
      "b\",\"phone\":\"0901\"}",
      Format::kJson, &merchant);
  ASSERT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_TRUE(engine::IsValidUtf8(status.message())) << status.message();
  // Nothing of the client's text comes back, not even with the bad bytes replaced.
  EXPECT_EQ(status.message().find("b\","), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find("\ufffd"), std::string::npos) << status.message();
  ParseErrorBody(ErrorResponse(status, Format::kJson));

  Status dirty = Status(Code::kInvalidArgument, "bad \xc0\xaf message")
                     .WithDetail("field\xff", "value\xed\xa0\x80")
                     .WithDetail("ok", "Rau mu\u1ed1ng");
  v1::Error error = ParseErrorBody(ErrorResponse(dirty, Format::kJson));
  EXPECT_EQ(error.message(), "bad \ufffd\ufffd message");
  EXPECT_EQ(error.details().at("field\ufffd"), "value\ufffd\ufffd\ufffd");
  EXPECT_EQ(error.details().at("ok"), "Rau mu\u1ed1ng");

  HttpResponse binary = ErrorResponse(dirty, Format::kBinary);
  ASSERT_TRUE(error.ParseFromString(binary.body));
  EXPECT_EQ(error.message(), "bad \ufffd\ufffd message");

  error = ParseErrorBody(ErrorResponse(400, "BAD\x80", "m\xe1\xbb", Format::kJson));
  EXPECT_EQ(error.code(), "BAD\ufffd");
  EXPECT_EQ(error.message(), "m\ufffd\ufffd");
}

TEST(CodecTest, ParserMessagesAreBounded) {
  const std::string long_value(10000, 'x');
  for (std::string body : {R"({"name":")" + long_value, R"({"name":)" + long_value + "}",
                           R"({")" + long_value + R"(":1})"}) {
    v1::CreateMerchantRequest merchant;
    Status status = Decode(body, Format::kJson, &merchant);
    ASSERT_EQ(status.code(), Code::kInvalidArgument);
    EXPECT_LE(status.message().size(), 100 + kMaxParserMessageBytes) << status.message();
    EXPECT_TRUE(engine::IsValidUtf8(status.message()));
  }
}

}  // namespace codec_test
}  // namespace market4::gateway
