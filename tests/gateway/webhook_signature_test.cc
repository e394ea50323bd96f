// Standard Webhooks signatures against the specification's published test vector, and every
// way a delivery can fail to verify.
#include "gateway/webhook_signature.h"

#include <gtest/gtest.h>

namespace market4::gateway {
namespace webhook_signature_test {

// The Standard Webhooks specification's test vector.
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr char kBody[] = R"({"test": 2432232314})";
constexpr char kSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr char kOtherSecret[] = "whsec_c2VjcmV0LW51bWJlci10d28tZm9yLXJvdGF0aW9u";

WebhookDelivery Delivery(std::string_view signature = kSignature, std::string_view body = kBody,
                         std::string_view timestamp = "1614265330") {
  return WebhookDelivery{kId, timestamp, signature, body};
}

Code Verify(const std::vector<std::string>& secrets, const WebhookDelivery& delivery,
            std::int64_t now = kTimestamp) {
  return VerifyWebhook(secrets, delivery, now).code();
}

TEST(WebhookSignatureTest, SignsThePublishedVector) {
  auto signature = SignWebhook(kSecret, kId, kTimestamp, kBody);
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature.value(), kSignature);
  // The "whsec_" prefix is optional, as in the reference implementations.
  EXPECT_EQ(SignWebhook(std::string(kSecret).substr(6), kId, kTimestamp, kBody).value(),
            kSignature);
}

TEST(WebhookSignatureTest, VerifiesThePublishedVector) {
  EXPECT_EQ(Verify({kSecret}, Delivery()), Code::kOk);
}

TEST(WebhookSignatureTest, WrongSecretIsRefused) {
  EXPECT_EQ(Verify({kOtherSecret}, Delivery()), Code::kInvalidSignature);
  EXPECT_EQ(Verify({}, Delivery()), Code::kInvalidSignature);
}

TEST(WebhookSignatureTest, EitherRotatedSecretVerifies) {
  EXPECT_EQ(Verify({kOtherSecret, kSecret}, Delivery()), Code::kOk);
  auto by_new = SignWebhook(kOtherSecret, kId, kTimestamp, kBody);
  ASSERT_TRUE(by_new.ok());
  EXPECT_EQ(Verify({kSecret, kOtherSecret}, Delivery(by_new.value())), Code::kOk);
  EXPECT_EQ(Verify({kSecret}, Delivery(by_new.value())), Code::kInvalidSignature);
}

TEST(WebhookSignatureTest, OneValidSignatureAmongSeveralIsEnough) {
  std::string header = std::string("v1,bm9wZQ== v2,abc ") + kSignature;
  EXPECT_EQ(Verify({kSecret}, Delivery(header)), Code::kOk);
  EXPECT_EQ(Verify({kSecret}, Delivery("v1,bm9wZQ== v1,not-base64!")), Code::kInvalidSignature);
}

TEST(WebhookSignatureTest, StaleAndFutureTimestampsAreRefused) {
  const std::int64_t tolerance = kWebhookTolerance.count();
  EXPECT_EQ(Verify({kSecret}, Delivery(), kTimestamp + tolerance), Code::kOk);
  EXPECT_EQ(Verify({kSecret}, Delivery(), kTimestamp - tolerance), Code::kOk);
  EXPECT_EQ(Verify({kSecret}, Delivery(), kTimestamp + tolerance + 1), Code::kInvalidSignature);
  EXPECT_EQ(Verify({kSecret}, Delivery(), kTimestamp - tolerance - 1), Code::kInvalidSignature);
}

TEST(WebhookSignatureTest, AnyChangedByteIsRefused) {
  std::string body = kBody;
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string flipped = body;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_EQ(Verify({kSecret}, Delivery(kSignature, flipped)), Code::kInvalidSignature) << i;
  }
  WebhookDelivery other_id = Delivery();
  other_id.id = "msg_other";
  EXPECT_EQ(Verify({kSecret}, other_id), Code::kInvalidSignature);
  // A timestamp that reads as the same number but is other bytes was not what was signed.
  EXPECT_EQ(Verify({kSecret}, Delivery(kSignature, kBody, "01614265330")), Code::kInvalidSignature);
}

TEST(WebhookSignatureTest, MissingOrMalformedHeadersAreRefused) {
  for (WebhookDelivery delivery :
       {WebhookDelivery{"", "1614265330", kSignature, kBody},
        WebhookDelivery{kId, "", kSignature, kBody}, WebhookDelivery{kId, "1614265330", "", kBody},
        WebhookDelivery{kId, "-1614265330", kSignature, kBody},
        WebhookDelivery{kId, "1614265330.0", kSignature, kBody},
        WebhookDelivery{kId, " 1614265330", kSignature, kBody}}) {
    EXPECT_EQ(Verify({kSecret}, delivery), Code::kInvalidSignature)
        << delivery.id << "|" << delivery.timestamp << "|" << delivery.signature;
  }
}

TEST(WebhookSignatureTest, SecretsMustBeBase64) {
  EXPECT_TRUE(WebhookKey(kSecret).ok());
  EXPECT_EQ(WebhookKey("whsec_").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(WebhookKey("whsec_not base64").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(WebhookKey("").status().code(), Code::kInvalidArgument);
}

}  // namespace webhook_signature_test
}  // namespace market4::gateway
