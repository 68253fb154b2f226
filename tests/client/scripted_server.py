"""A MockTransport handler for the client layer's tests: it answers from a script and
remembers what reached it (what the guard let through)."""

from __future__ import annotations

import httpx


class Server:
    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answers.pop(0) if self.answers else httpx.Response(200, json={"success": True})
