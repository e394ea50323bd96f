// Router: every HTTP route of market4d. It matches the route, authenticates the caller the
// way the route declares, checks the caller's role, and hands the call to the route's
// handler, which decodes the body, asks the engine, and encodes the answer. It holds no
// business rule and no Beast: the Beast server feeds it plain HttpRequests, and tests call
// it directly. HEAD is answered wherever GET is (the server sends no body). Before a handler
// runs it charges the abuse limits (limits.h). Any I/O thread may call Handle. Routes that
// read much (Work::kSlow) run on a thread of the router's own, so no read holds an I/O
// thread for long.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/limits.h"
#include "engine/engine.h"
#include "gateway/auth.h"
#include "gateway/console.h"
#include "gateway/http.h"
#include "gateway/limits.h"
#include "gateway/slow_reads.h"

namespace market4::gateway {

class EventHub;  // event_hub.h
class Metrics;   // metrics.h

class Router {
 public:
  // Neither is owned; both must outlive the router.
  Router(engine::Engine* engine, const AdminAuth* auth) : engine_(engine), auth_(auth) {}
  // With the hub that serves the merchants' live events (not owned; must outlive the
  // router). Without one, those routes answer 503.
  Router(engine::Engine* engine, const AdminAuth* auth, EventHub* events)
      : engine_(engine), auth_(auth), events_(events) {}
  // With the abuse limits' rates (limits.h); without, LimitOptions{}.
  Router(engine::Engine* engine, const AdminAuth* auth, EventHub* events,
         const LimitOptions& limits)
      : engine_(engine), auth_(auth), events_(events), limits_(limits) {}

  // Called exactly once per request, possibly on another thread (the engine's writer).
  using Respond = std::function<void(HttpResponse)>;
  void Handle(const HttpRequest& request, Respond respond) const;
  // Counts every request in `metrics` (not owned; must outlive the router) and serves them
  // at GET /metrics (operators). Call before serving.
  void UseMetrics(Metrics* metrics) { metrics_ = metrics; }
  // Serves the web console from `dir`, read at each request, instead of the built-in copy
  // (development). Call before serving.
  void UseConsoleDir(const std::string& dir) { console_ = Console(dir); }
  // Finishes the slow reads already queued; later ones are answered 503. Call after the
  // server stopped and before the engine goes (the destructor calls it too).
  void Stop() { slow_->Stop(); }

 private:
  engine::Engine* engine_;
  const AdminAuth* auth_;
  EventHub* events_ = nullptr;
  mutable AbuseLimits limits_;
  Metrics* metrics_ = nullptr;
  Console console_;
  std::unique_ptr<SlowReads> slow_ = std::make_unique<SlowReads>(kMaxQueuedSlowReads);
};

}  // namespace market4::gateway
