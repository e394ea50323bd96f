#!/usr/bin/env python3
"""GET /metrics on a real market4d, read with Debian's Prometheus parser
(python3-prometheus-client): only operators see it; it parses; requests are counted by route
and status, rejections by code; and the engine's batch-size and commit-latency histograms
move while transfers are committed.

    metrics_test.py BUILD_BIN_DIR
"""
import http.client
import json
import os
import signal
import sys
import tempfile
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import market4d_process  # noqa: E402 (found through the path above)

TOKEN = "metrics-test-operator-token-000001"


def start(bin_dir, data):
    try:
        return market4d_process.start(f"{bin_dir}/market4d", data, TOKEN)
    except RuntimeError as error:
        sys.exit(str(error))


def call(port, method, path, body=None, token=None, key=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if key:
        headers["Idempotency-Key"] = key
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    response = conn.getresponse()
    data = response.read().decode()
    conn.close()
    return response.status, data, response.getheader("Content-Type")


def scrape(port):
    status, text, content_type = call(port, "GET", "/metrics", token=TOKEN)
    assert status == 200, (status, text)
    assert content_type.startswith("text/plain; version=0.0.4"), content_type
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(families, family, name, **labels):
    for s in families[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


def transfers(port, prefix, count):
    for i in range(count):
        status, body, _ = call(port, "POST", "/v1/transfers", token=TOKEN,
                               body={"transfers": [{"id": f"{prefix}-{i}", "debit_account_id": "a",
                                                    "credit_account_id": "b", "amount": "5",
                                                    "code": 1}]})
        assert status == 201, (status, body)


def main():
    bin_dir = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start(bin_dir, os.path.join(tmp, "data"))
        try:
            # Operators only.
            assert call(port, "GET", "/metrics")[0] == 401
            status, body, _ = call(port, "POST", "/v1/buyers",
                                   body={"name": "Anh Tư", "phone": "0912345678"})
            assert status == 201, body
            buyer = json.loads(body)["token"]
            assert call(port, "GET", "/metrics", token=buyer)[0] == 403
            for account in ("a", "b"):
                status, body, _ = call(port, "POST", "/v1/accounts", token=TOKEN,
                                       body={"id": account})
                assert status == 201, body
            before = scrape(port)
            batches_before = sample(before, "market4_engine_batch_commands",
                                    "market4_engine_batch_commands_count") or 0
            commits_before = sample(before, "market4_engine_commit_seconds",
                                    "market4_engine_commit_seconds_count") or 0
            # Eight clients at once, so batches hold more than one command.
            threads = [threading.Thread(target=transfers, args=(port, f"t{n}", 25))
                       for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert call(port, "GET", "/v1/nowhere")[0] == 404
            after = scrape(port)
            batches = sample(after, "market4_engine_batch_commands",
                             "market4_engine_batch_commands_count")
            commits = sample(after, "market4_engine_commit_seconds",
                             "market4_engine_commit_seconds_count")
            assert batches > batches_before and commits > commits_before, (batches, commits)
            commands = sample(after, "market4_engine_batch_commands",
                              "market4_engine_batch_commands_sum")
            assert commands >= 200 + 3, commands  # 200 transfers, 2 accounts, 1 buyer
            assert sample(after, "market4_engine_commit_seconds",
                          "market4_engine_commit_seconds_bucket", le="+Inf") == commits
            assert sample(after, "market4_http_requests", "market4_http_requests_total",
                          route="POST /v1/transfers", status="201") == 200
            assert sample(after, "market4_http_requests", "market4_http_requests_total",
                          route="unmatched", status="404") == 1
            assert sample(after, "market4_http_rejections", "market4_http_rejections_total",
                          code="UNAUTHENTICATED") == 1
            assert sample(after, "market4_http_rejections", "market4_http_rejections_total",
                          code="PERMISSION_DENIED") == 1
            assert sample(after, "market4_http_request_duration_seconds",
                          "market4_http_request_duration_seconds_count",
                          route="POST /v1/transfers") == 200
            assert sample(after, "market4_http_open_connections",
                          "market4_http_open_connections") >= 1
            assert sample(after, "market4_engine_queue_depth", "market4_engine_queue_depth") == 0
            assert sample(after, "market4_exceptions_open", "market4_exceptions_open") == 0
            status, body, _ = call(port, "GET", "/readyz")
            assert status == 200 and json.loads(body)["status"] == "ready", body
            print(f"metrics ok: {int(batches)} batches for {int(commands)} commands")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0


if __name__ == "__main__":
    main()
