#include "tools/sim.h"

#include <CLI/CLI.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <chrono>
#include <limits>
#include <sstream>

#include "common/crypto.h"
#include "tools/cli_checks.h"

namespace market4::tools {
namespace {

constexpr char kProgram[] = "market4-sim";
constexpr std::size_t kMaxProviderIdBytes = 32;
constexpr std::size_t kRandomTxnIdBytes = 5;  // a 40-bit number: 13 digits at most
constexpr std::size_t kRandomWebhookIdBytes = 12;

struct SchemeName {
  const char* name;
  v1::ProviderScheme scheme;
};
constexpr SchemeName kSchemeNames[] = {{"standard", v1::STANDARD_WEBHOOKS},
                                       {"momo", v1::MOMO},
                                       {"vnpay", v1::VNPAY},
                                       {"zalopay", v1::ZALOPAY},
                                       {"bank", v1::BANK_TRANSFER}};

// The options as typed.
struct Flags {
  std::string scheme;
  std::string amount;
  std::string times = "1";
};

std::int64_t NumberOf(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);  // validated already
  return value;
}

void AddEventOptions(CLI::App* event, SimOptions* o, Flags* flags) {
  event->add_option("--url", o->url, "market4d's base URL")->capture_default_str();
  event->add_option("--provider", o->provider, "the provider's id in market4")->required();
  event->add_option("--scheme", flags->scheme, "how the provider signs")
      ->required()
      ->check(CLI::IsMember({"standard", "momo", "vnpay", "zalopay", "bank"}));
  event
      ->add_option("--secret", o->secret,
                   "whsec_<base64> (standard, bank) | <accessKey>:<secretKey> | "
                   "vnp_HashSecret | key2")
      ->required();
  event
      ->add_option("--type", o->fields.type,
                   "<topup|payment|payout>.<succeeded|failed>, or bank.credit")
      ->required();
  event->add_option("--reference", o->fields.reference,
                    "tu_..., pi_... or po_... (not for bank.credit)");
  event->add_option("--memo", o->fields.memo, "bank.credit: the transfer's memo");
  event->add_option("--amount", flags->amount, "whole dong")
      ->required()
      ->check(WholeNumber(0, std::numeric_limits<std::int64_t>::max()));
  event->add_option("--provider-txn-id", o->fields.provider_txn_id,
                    "the provider's transaction id, or the bank_txn_id (default: random digits)");
  event->add_option("--webhook-id", o->fields.delivery_id,
                    "the delivery's id, Standard Webhooks and MoMo (default: msg_<random hex>)");
  event->add_option("--times", flags->times, "send the same delivery N times")
      ->capture_default_str()
      ->check(WholeNumber(1, kMaxSimTimes));
}

// Random defaults and the clock.
Status Complete(SimOptions* options) {
  gateway::CallbackFields& fields = options->fields;
  if (fields.provider_txn_id.empty()) {
    auto hex = RandomHex(kRandomTxnIdBytes);
    if (!hex.ok()) return hex.status();
    std::uint64_t number = 0;
    std::from_chars(hex->data(), hex->data() + hex->size(), number, 16);
    fields.provider_txn_id = std::to_string(number);
  }
  if (fields.delivery_id.empty()) {
    auto hex = RandomHex(kRandomWebhookIdBytes);
    if (!hex.ok()) return hex.status();
    fields.delivery_id = "msg_" + hex.value();
  }
  fields.now_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return Status::Ok();
}

bool IsProviderId(const std::string& id) {
  if (id.empty() || id.size() > kMaxProviderIdBytes) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

Status BadUrl() {
  return Status(Code::kInvalidArgument, "--url must be http://host[:port][/path]")
      .WithDetail("field", "url");
}

}  // namespace

v1::ProviderScheme SimScheme(std::string_view name) {
  for (const SchemeName& entry : kSchemeNames) {
    if (name == entry.name) return entry.scheme;
  }
  return v1::PROVIDER_SCHEME_UNSPECIFIED;
}

SimParse ParseSimCommand(int argc, const char* const* argv) {
  SimParse parse;
  Flags flags;
  CLI::App app{"market4-sim: plays a payment provider against a running market4d", kProgram};
  app.require_subcommand(1);
  CLI::App* event = app.add_subcommand("event", "sign one provider callback and send it");
  AddEventOptions(event, &parse.options, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::ostringstream out, err;
    parse.exit_code = app.exit(e, out, err);
    parse.out = out.str();
    return parse;
  } catch (const CLI::ParseError& e) {
    parse.exit_code = kSimUsage;
    parse.err = std::string(kProgram) + ": " + e.what() + " (see --help)\n";
    return parse;
  }
  parse.options.scheme = SimScheme(flags.scheme);
  parse.options.fields.amount = NumberOf(flags.amount);
  parse.options.times = static_cast<int>(NumberOf(flags.times));
  if (Status s = Complete(&parse.options); !s.ok()) {
    parse.exit_code = kSimNot2xx;
    parse.err = std::string(kProgram) + ": " + s.message() + "\n";
  }
  return parse;
}

Result<SimRequest> BuildSimRequest(const SimOptions& options) {
  auto url = boost::urls::parse_uri(options.url);
  if (!url || url->scheme() != "http" || !url->has_authority() || url->host().empty() ||
      url->has_userinfo() || url->has_query() || url->has_fragment()) {
    return BadUrl();
  }
  if (!IsProviderId(options.provider)) {
    return Status(Code::kInvalidArgument, "--provider must be 1-32 of [a-z0-9_-]")
        .WithDetail("field", "provider");
  }
  auto callback = gateway::SignProviderCallback(options.scheme, options.secret, options.fields);
  if (!callback.ok()) return callback.status();
  SimRequest request;
  request.host = std::string(url->encoded_host_address());
  request.port = url->has_port() ? std::string(url->port()) : "80";
  std::string base(url->encoded_path());
  while (!base.empty() && base.back() == '/') base.pop_back();
  request.method = callback->method;
  request.target =
      base + "/v1/providers/" + options.provider + "/events" + callback->path_and_query_suffix;
  request.headers = callback->headers;
  if (!callback->content_type.empty()) {
    request.headers.emplace_back("Content-Type", callback->content_type);
  }
  request.body = std::move(callback).value().body;
  return request;
}

}  // namespace market4::tools
