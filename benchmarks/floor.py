"""The bare-emit floor: an HTTP request whose view emits one Socket.IO event, timed from the
client sending the request to the client receiving the event.

Nothing of the exchange runs: no database, no job, no authentication — a Flask app of a dozen
lines with Flask-SocketIO in the same async mode and with the same Redis message queue the
exchange uses, served by the same server command. What post → first offer costs beyond this
floor is the exchange's own work (``exchange bench latency`` reports the ratio).

    gunicorn --worker-class gevent --workers 1 benchmarks.floor:app   # BENCH_FLOOR_REDIS set
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0


def _async_mode() -> str:
    """gevent when the server patched the process (gunicorn's gevent worker), else threads."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def create_app():
    from flask import Flask, request
    from flask_socketio import SocketIO

    app = Flask(__name__)
    sio = SocketIO(app, async_mode=_async_mode(), logger=False, engineio_logger=False,
                   message_queue=os.environ.get("BENCH_FLOOR_REDIS"),
                   channel=os.environ.get("BENCH_FLOOR_CHANNEL", "bench-floor"))

    @app.post("/emit")
    def emit():
        body = request.get_json()
        sio.emit("floor", body["n"], to=body["sid"])
        return {"ok": True}

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app


def __getattr__(name: str):
    # ``benchmarks.floor:app`` for gunicorn, built only when a server asks for it (importing
    # this module to measure must not build a Socket.IO server in the bench process).
    if name == "app":
        return create_app()
    raise AttributeError(name)


def server_command(port: int, worker_class: str = "gevent") -> list[str]:
    extra = ["--threads", "100"] if worker_class == "gthread" else []
    return [str(BIN / "gunicorn"), "--worker-class", worker_class, "--workers", "1", *extra,
            "--bind", f"127.0.0.1:{port}", "benchmarks.floor:app"]


def measure(redis_url: str, port: int, *, rounds: int = 200,
            worker_class: str = "gevent") -> list[float]:
    """Samples in ms: POST /emit sent → the event at a python-socketio client."""
    env = {**os.environ, "BENCH_FLOOR_REDIS": redis_url,
           "BENCH_FLOOR_CHANNEL": f"bench-floor-{uuid.uuid4().hex}"}
    server = subprocess.Popen(server_command(port, worker_class), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, server)
        return _rounds(url, rounds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the floor server exited ({server.returncode})")
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("the floor server did not come up")


def _rounds(url: str, rounds: int) -> list[float]:
    got: dict[int, float] = {}
    arrived = threading.Condition()
    client = socketio.Client(reconnection=False)

    @client.on("floor")
    def _floor(n):
        with arrived:
            got[n] = time.perf_counter()
            arrived.notify_all()

    client.connect(url, transports=["websocket"], wait_timeout=30)
    samples = []
    try:
        sid = client.get_sid()
        with requests.Session() as http:
            for n in range(rounds + 10):  # the first ten warm the server up
                start = time.perf_counter()
                http.post(url + "/emit", json={"n": n, "sid": sid}, timeout=10).raise_for_status()
                with arrived:
                    arrived.wait_for(lambda n=n: n in got, timeout=5)
                if n in got and n >= 10:
                    samples.append((got[n] - start) * 1000)
    finally:
        client.disconnect()
    return samples
