"""The load generator of ``bench_serving.py``: plays Slack sending requests to an app.

Runs as its own process (standard library only), so that the local Slack workspace the bot
calls does not share an interpreter with the clients whose latency is measured. Reads one
JSON job on stdin::

    {"url": "http://127.0.0.1:3000/slack/events", "secret": "...", "clients": 8,
     "rate": null | requests per second, "requests": [[content_type, body], ...]}

and writes ``{"samples": [[seconds, status, request index], ...], "elapsed": seconds}`` on stdout.

- ``rate`` null: closed loop — each of ``clients`` connections sends its next request as
  soon as the previous answer has been read (as fast as the app acks).
- ``rate`` set: open loop — request *i* is due at ``start + i / rate``; a free client sends
  it then (latency is measured from the send, so a late send is not hidden in it).

Every request is signed when it is sent (a fresh timestamp), over a persistent connection
per client (reopened when the app closes it). The latency is from writing the request to
having read the whole answer: the ack as Slack sees it.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def main() -> int:
    job = json.load(sys.stdin)
    url = urlsplit(job["url"])
    secret = job["secret"].encode()
    requests = [(kind, body.encode("utf-8")) for kind, body in job["requests"]]
    rate = job.get("rate")
    clients = int(job["clients"])
    samples: list[tuple[float, int, int]] = []
    lock = threading.Lock()
    next_index = [0]
    started = time.monotonic()

    def take() -> int | None:
        with lock:
            index = next_index[0]
            if index >= len(requests):
                return None
            next_index[0] += 1
            return index

    def client() -> None:
        connection: http.client.HTTPConnection | None = None
        while (index := take()) is not None:
            if rate:
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            content_type, body = requests[index]
            timestamp = str(int(time.time()))
            signature = hmac.new(
                secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
            ).hexdigest()
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": f"v0={signature}",
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            }
            status = 0
            sent = time.perf_counter()
            for attempt in range(2):
                if connection is None:
                    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                try:
                    if attempt:
                        sent = time.perf_counter()
                    connection.request("POST", url.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                    status = answer.status
                    if answer.will_close:
                        connection.close()
                        connection = None
                    break
                except (OSError, http.client.HTTPException):
                    # A kept-alive connection the server had just closed: once more, anew.
                    connection.close()
                    connection = None
            latency = time.perf_counter() - sent
            with lock:
                samples.append((latency, status, index))
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump({"samples": samples, "elapsed": time.monotonic() - started}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
