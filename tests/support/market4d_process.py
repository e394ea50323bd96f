"""Starts a real market4d for the Python tests (tests/integration, tests/browser).

The server listens on a random loopback port (tried again on another if it cannot bind or
never answers) with log level warn, and `start` returns once GET /healthz answers 200. The
caller owns the process: it stops it (terminate, then wait) when its test is done.
"""
import http.client
import os
import random
import subprocess
import time

ATTEMPTS = 5
WAIT_STEPS = 200  # of 50 ms each: 10 s for one start to answer
STEP_SECONDS = 0.05


def start(binary, data, admin_token, extra_args=(), output=None):
    """Starts `binary` on data directory `data`, with `admin_token` as the operator token and
    `extra_args` after the usual flags; its stdout and stderr go to the file `output` (or
    nowhere). Returns (process, port); raises RuntimeError if no start ever answered."""
    env = dict(os.environ, MARKET4_ADMIN_TOKEN=admin_token)
    sink = output if output is not None else subprocess.DEVNULL
    for _ in range(ATTEMPTS):
        port = random.randint(20000, 60000)
        proc = subprocess.Popen(
            [binary, "--data-dir", data, "--listen", f"127.0.0.1:{port}", "--log-level", "warn",
             *extra_args], env=env, stdout=sink, stderr=subprocess.STDOUT)
        if answers(proc, port):
            return proc, port
        proc.kill()
        proc.wait()
    raise RuntimeError(f"market4d did not start ({binary}, {ATTEMPTS} attempts)")


def answers(proc, port):
    """Whether the server on `port` answers /healthz with 200 before it exits or time runs out."""
    for _ in range(WAIT_STEPS):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return True
        except OSError:
            pass
        if proc.poll() is not None:
            return False
        time.sleep(STEP_SECONDS)
    return False
