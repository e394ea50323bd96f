// market4-sim's command line and the request it builds, without a network: what it sends must
// read back as the event asked for.
#include "tools/sim.h"

#include <gtest/gtest.h>

#include <vector>

namespace market4::tools {
namespace sim_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

SimParse Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "market4-sim");
  return ParseSimCommand(static_cast<int>(args.size()), args.data());
}

std::vector<const char*> EventArgs(const char* scheme = "standard", const char* secret = kSecret) {
  return {"event",  "--provider",      "momo",        "--scheme", scheme,     "--secret", secret,
          "--type", "topup.succeeded", "--reference", "tu_7",     "--amount", "100000"};
}

gateway::HttpRequest AsReceived(const SimRequest& request) {
  gateway::HttpRequest received;
  received.method = request.method;
  received.target = request.target;
  received.headers = request.headers;
  received.body = request.body;
  return received;
}

TEST(SimTest, ParsesAnEventWithRandomDefaults) {
  SimParse parse = Parse(EventArgs());
  ASSERT_EQ(parse.exit_code, kSimContinue) << parse.err;
  const SimOptions& o = parse.options;
  EXPECT_EQ(o.url, "http://127.0.0.1:8080");
  EXPECT_EQ(o.provider, "momo");
  EXPECT_EQ(o.scheme, v1::STANDARD_WEBHOOKS);
  EXPECT_EQ(o.fields.amount, 100000);
  EXPECT_EQ(o.times, 1);
  EXPECT_GT(o.fields.now_seconds, 1'600'000'000);
  EXPECT_EQ(o.fields.delivery_id.substr(0, 4), "msg_");
  ASSERT_FALSE(o.fields.provider_txn_id.empty());
  EXPECT_EQ(o.fields.provider_txn_id.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_NE(Parse(EventArgs()).options.fields.delivery_id, o.fields.delivery_id);
}

TEST(SimTest, BadCommandLinesExitTwoWithOneLine) {
  std::vector<std::vector<const char*>> bad = {
      {},
      {"event"},
      {"refund"},
  };
  for (auto [flag, value] : std::vector<std::pair<const char*, const char*>>{{"--scheme", "paypal"},
                                                                             {"--amount", "-5"},
                                                                             {"--amount", "0x10"},
                                                                             {"--times", "0"},
                                                                             {"--times", "1001"},
                                                                             {"--colour", "red"}}) {
    auto args = EventArgs();
    args.push_back(flag);
    args.push_back(value);
    bad.push_back(args);
  }
  for (const auto& args : bad) {
    SimParse parse = Parse(args);
    EXPECT_EQ(parse.exit_code, kSimUsage) << (args.empty() ? "" : args.back());
    EXPECT_EQ(parse.err.find('\n'), parse.err.size() - 1) << parse.err;
  }
}

TEST(SimTest, HelpExitsZero) {
  SimParse parse = Parse({"event", "--help"});
  EXPECT_EQ(parse.exit_code, 0);
  EXPECT_NE(parse.out.find("--provider-txn-id"), std::string::npos) << parse.out;
}

TEST(SimTest, BuildsARequestThatReadsBackInEveryScheme) {
  struct Case {
    const char* name;
    const char* secret;
    const char* method;
  };
  for (const Case& c : {Case{"standard", kSecret, "POST"}, Case{"momo", "AK:SK", "POST"},
                        Case{"vnpay", "HASHSECRET", "GET"}, Case{"zalopay", "key2", "POST"}}) {
    SimParse parse = Parse(EventArgs(c.name, c.secret));
    ASSERT_EQ(parse.exit_code, kSimContinue) << parse.err;
    auto request = BuildSimRequest(parse.options);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    EXPECT_EQ(request->host, "127.0.0.1");
    EXPECT_EQ(request->port, "8080");
    EXPECT_EQ(request->method, c.method);
    EXPECT_EQ(request->target.substr(0, 25), "/v1/providers/momo/events") << c.name;
    auto notice =
        gateway::ReadProviderCallback(parse.options.scheme, {c.secret}, AsReceived(request.value()),
                                      parse.options.fields.now_seconds);
    ASSERT_TRUE(notice.ok()) << c.name << ": " << notice.status().ToString();
    EXPECT_EQ(notice->type, "topup.succeeded");
    EXPECT_EQ(notice->reference, "tu_7");
    EXPECT_EQ(notice->amount, 100000);
    EXPECT_EQ(notice->provider_txn_id, parse.options.fields.provider_txn_id);
  }
}

TEST(SimTest, UrlAndProviderMustFit) {
  SimOptions options = Parse(EventArgs()).options;
  options.url = "http://example.test/market/";
  auto based = BuildSimRequest(options);
  ASSERT_TRUE(based.ok());
  EXPECT_EQ(based->port, "80");
  EXPECT_EQ(based->target, "/market/v1/providers/momo/events");
  for (const char* url :
       {"https://127.0.0.1:8080", "127.0.0.1:8080", "http://u@h:1", "http://h?x"}) {
    options.url = url;
    EXPECT_EQ(BuildSimRequest(options).status().code(), Code::kInvalidArgument) << url;
  }
  options.url = "http://127.0.0.1:8080";
  options.provider = "Bad/Id";
  EXPECT_EQ(BuildSimRequest(options).status().code(), Code::kInvalidArgument);
}

}  // namespace sim_test
}  // namespace market4::tools
