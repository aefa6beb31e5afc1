"""A small OpenAI-compatible chat-completions server for tests, on 127.0.0.1.

Tests cannot reach a real model, so they run the real ``openai`` client against this server
(``POST /v1/chat/completions``; ``GET /v1/models`` lists one model). It answers from the
request alone, so a request always gets the same answer whenever it comes::

    with LlmServer() as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")

What it answers (the last user message is "the prompt"; the request's ``seed`` is "seed"):

- a judge's prompt (``Rubric:`` ... ``Text to grade:`` ...): ``{"score": s, "reason": ...}``
  with ``s`` = 2 when the graded text has fewer than 8 words, else 5;
- a ``response_format`` with a JSON schema: an object with every property filled by its
  type (strings quote the prompt's first words, integers count the prompt's words);
- ``Write a word problem ... A and B``: a word problem about ``A times B``;
- ``Solve: ... A times B ...`` (or ``plus``, ``minus``): steps and ``#### <answer>``, where
  the answer is wrong (one too many) when ``seed % 4 == 0``, so answer checks have something
  to reject;
- anything else: ``Echo v<seed % 3>: <prompt>``.

How it misbehaves on demand: ``server.misbehave("429", "500", "timeout", "malformed",
"drop")`` queues one failure per name for the next requests (``timeout`` answers after
``server.timeout_delay`` seconds, ``malformed`` is a 200 whose body is not JSON, ``drop``
closes the connection without an answer); ``server.fail_after(n)`` answers 500 to every
request after ``n`` successful completions, until ``server.heal()``. ``server.latency``
delays every answer.

What it counts: ``calls`` (completions answered), ``requests`` (every POST, failures
included), ``answered`` (a Counter of (prompt, seed) answered, to find repeated calls) and
``max_in_flight`` (requests being answered at once, at most).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "phantom-test-model"
_ARITHMETIC = re.compile(r"(-?\d+)\s+(plus|minus|times)\s+(-?\d+)")
_TWO_NUMBERS = re.compile(r"(-?\d+)\D+?(-?\d+)")


def answer(messages: list[dict[str, str]], seed: int, response_format: Any) -> str:
    """The server's deterministic answer to one request (see the module docstring)."""
    prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    if prompt.startswith("Rubric:") and "Text to grade:" in prompt:
        graded = prompt.split("Text to grade:", 1)[1].split("\n\nAnswer with JSON", 1)[0]
        score = 2 if len(graded.split()) < 8 else 5
        return json.dumps({"score": score, "reason": f"scored {score} by the test server"})
    schema = (response_format or {}).get("json_schema", {}).get("schema")
    if schema:
        return json.dumps(_fill(schema, prompt))
    if prompt.startswith("Write a word problem"):
        a, b = _TWO_NUMBERS.search(prompt).groups()  # type: ignore[union-attr]
        return f"Ana packs {a} boxes with {b} pencils each. How many pencils? ({a} times {b})"
    if prompt.startswith("Solve:"):
        match = _ARITHMETIC.search(prompt)
        if match:
            a, op, b = int(match[1]), match[2], int(match[3])
            value = {"plus": a + b, "minus": a - b, "times": a * b}[op]
            wrong = seed % 4 == 0
            return (
                f"Step 1: the problem asks for {a} {op} {b}.\n"
                f"Step 2: compute it: {value + wrong}.\n#### {value + wrong}"
            )
    return f"Echo v{seed % 3}: {prompt}"


def _fill(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    words = prompt.split()
    filled: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind == "integer":
            filled[name] = len(words)
        elif kind == "number":
            filled[name] = len(words) / 2
        elif kind == "boolean":
            filled[name] = True
        elif kind == "array":
            filled[name] = words[:3]
        else:
            filled[name] = f"{name}: {' '.join(words[:6])}"
    return filled


class LlmServer:
    """The server, in a daemon thread; use it as a context manager."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.timeout_delay = 3.0
        self.calls = 0
        self.requests = 0
        self.answered: Counter[tuple[str, int]] = Counter()
        self.max_in_flight = 0
        self._in_flight = 0
        self._failures: deque[str] = deque()
        self._fail_after: int | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.request_queue_size = 256
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def misbehave(self, *failures: str) -> None:
        """Queue one failure per name for the next requests (see the module docstring)."""
        self._failures.extend(failures)

    def fail_after(self, calls: int) -> None:
        self._fail_after = calls

    def heal(self) -> None:
        self._fail_after = None
        self._failures.clear()

    def repeated(self) -> list[tuple[str, int]]:
        """Requests answered more than once (a cache that works makes none)."""
        return [key for key, count in self.answered.items() if count > 1]

    def __enter__(self) -> LlmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- what one request gets ---------------------------------------------------------------

    def _next_failure(self) -> str | None:
        with self._lock:
            self.requests += 1
            if self._failures:
                return self._failures.popleft()
            if self._fail_after is not None and self.calls >= self._fail_after:
                return "500"
            return None

    def _answered(self, prompt: str, seed: int) -> bool:
        """Count a completion; False (answer 500 instead) when the outage starts mid-flight."""
        with self._lock:
            if self._fail_after is not None and self.calls >= self._fail_after:
                return False
            self.calls += 1
            self.answered[(prompt, seed)] += 1
            return True

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _handler(server: LlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return None

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            body = {"error": {"message": message, "type": "test_server", "code": status}}
            self._send(status, json.dumps(body).encode(), headers)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, json.dumps({"object": "list", "data": [{"id": MODEL}]}).encode())
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._error(404, f"no route {self.path}")
                return
            server._enter()
            try:
                self._complete(body)
            finally:
                server._leave()

        def _complete(self, body: dict[str, Any]) -> None:
            failure = server._next_failure()
            if failure == "429":
                self._error(429, "rate limited", {"Retry-After": "0"})
                return
            if failure == "500":
                self._error(500, "the test server is failing on purpose")
                return
            if failure == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if failure == "timeout":
                time.sleep(server.timeout_delay)
            if failure == "malformed":
                self._send(200, b'{"id": "x", "choices": [ {"message": ')
                self.close_connection = True
                return
            if server.latency:
                time.sleep(server.latency)
            messages = body.get("messages", [])
            seed = int(body.get("seed") or 0)
            text = answer(messages, seed, body.get("response_format"))
            prompt = json.dumps(messages, sort_keys=True)
            if not server._answered(prompt, seed):
                self._error(500, "the test server is failing on purpose")
                return
            digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
            completion = {
                "id": f"chatcmpl-{digest}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", MODEL),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": len(prompt.split()),
                    "completion_tokens": len(text.split()),
                    "total_tokens": len(prompt.split()) + len(text.split()),
                },
            }
            self._send(200, json.dumps(completion).encode())

    return Handler
