"""Many connected helpers in one light process: python-socketio ``AsyncClient``s on one asyncio
loop (aiohttp websockets), instead of a thread-hungry ``socketio.Client`` each.

Run as a child of the bench (``Swarm``), so the clients' work does not share a GIL with the
process that posts and times asks. The child connects every token, prints ``ready``, records
when each ask's first ``ask.offered`` arrives (``time.time()``: the same clock as the poster's,
one machine), and on ``stop`` on its stdin writes ``{ask id: epoch seconds}`` as JSON to the
output file and exits.

    python -m benchmarks.swarm URL TOKENS_FILE OUT_FILE
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

CONNECT_AT_ONCE = 50
READY_TIMEOUT = 300.0


async def _main(url: str, tokens: list[str], out: Path) -> None:
    import socketio

    first: dict[int, float] = {}

    def offered(payload):
        now = time.time()
        first.setdefault(payload["data"]["ask"]["id"], now)

    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    clients = []
    failed = 0

    async def connect(token: str):
        nonlocal failed
        client = socketio.AsyncClient(reconnection=False)
        client.on("ask.offered", offered)
        async with gate:
            try:
                await client.connect(url, auth={"token": token, "since": 2**31 - 1},
                                     transports=["websocket"], wait_timeout=60)
                clients.append(client)
            except Exception:  # noqa: BLE001 - counted and reported
                failed += 1

    await asyncio.gather(*(connect(t) for t in tokens))
    print(f"ready {len(clients)} {failed}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    out.write_text(json.dumps({str(k): v for k, v in first.items()}))
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def main() -> None:
    url, tokens_file, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    asyncio.run(_main(url, json.loads(tokens_file.read_text()), out))


class Swarm:
    """``with Swarm(url, tokens, folder) as swarm:`` … ``swarm.stop()`` → {ask id: epoch s}."""

    def __init__(self, url: str, tokens: list[str], folder: Path):
        self.url, self.tokens, self.folder = url, tokens, folder
        self.connected = self.failed = 0
        self.process: subprocess.Popen | None = None
        self.out = folder / f"swarm-{id(self)}.json"

    def __enter__(self) -> Swarm:
        tokens_file = self.folder / f"tokens-{id(self)}.json"
        tokens_file.write_text(json.dumps(self.tokens))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.swarm", self.url, str(tokens_file),
             str(self.out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            self.process.kill()
            raise RuntimeError("the swarm did not connect")
        self.connected, self.failed = int(line[1]), int(line[2])
        return self

    def stop(self) -> dict[int, float]:
        if self.process is None:
            return {}
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        self.process.wait(timeout=120)
        self.process = None
        return {int(k): v for k, v in json.loads(self.out.read_text()).items()}

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    main()
