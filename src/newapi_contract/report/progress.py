"""Progress of a long run: tests done of the total, requests sent, seconds waited for the
server's limits (or the wait under way), and the time left, extrapolated from the time the
run worked, not from its waits.

On a terminal it is one live line, redrawn every second after the running test's name (so a
paced run is never silent for seconds) and erased before pytest writes the test's result;
elsewhere (CI logs) a plain line every `every_s` seconds, between tests' lines.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Counters", "Progress", "format_duration"]

# Save the cursor, write, restore it: pytest's next write lands where it expects; ESC [K
# then erases what was drawn (VT100, which every terminal pytest colours for understands).
_SAVE, _RESTORE, _ERASE = "\x1b7", "\x1b8", "\x1b[K"


@dataclass(frozen=True)
class Counters:
    requests: int
    waited_s: float
    throttled: int


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s"


class Progress:
    def __init__(
        self,
        counters: Callable[[], Counters],
        *,
        live_fd: int | None = None,
        write_line: Callable[[str], None] | None = None,
        room: Callable[[], int] = lambda: 80,
        every_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = 0
        self.done = 0
        self._counters = counters
        self._live_fd = live_fd  # a terminal: the live line
        self._write_line = write_line  # otherwise: plain periodic lines
        self._room = room  # columns left on the terminal's current line (a wrap breaks the redraw)
        self._every_s = every_s
        self._clock = clock
        self._start = clock()
        self._last_line = self._start
        self._lock = threading.Lock()
        self._wait_lock = threading.Lock()
        self._seen_waited_s = 0.0  # the pacer's waiting total as last seen
        self._wait_ends = self._start  # when the wait under way ends
        self._drawn = False
        self._active = False
        self._room_now = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> str:
        return "newapi-contract: " + ", ".join(self._parts())

    def fitted(self, room: int) -> str:
        """The status in at most `room` characters, for the live line after a test's name: the
        whole when it fits, else the parts that matter most first (a rate-limit wait, the time
        left, the tests done), short; "" when not even one fits."""
        whole = self.status()
        if len(whole) <= room:
            return whole
        parts = self._parts()
        tests, rest = parts[0], parts[2:]
        wait = [
            p.replace(" for the server's rate limit", " (rate limit)")
            for p in rest
            if p.startswith("waiting")
        ]
        left = [p for p in rest if p.startswith("about")]
        shown: list[str] = []
        for part in [*wait, *left, tests]:
            if len(", ".join([*shown, part])) <= room:
                shown.append(part)
        if not shown and wait:  # a long test name on a narrow terminal: the wait, in brief
            brief = f"wait {math.ceil(self._wait_ends - self._clock())}s"
            return brief if len(brief) <= room else ""
        return ", ".join(shown)

    def _parts(self) -> list[str]:
        c = self._counters()
        now = self._clock()
        waiting = self._waiting_s(c.waited_s, now)
        parts = [f"{self.done}/{self.total or '?'} tests", f"{c.requests} requests"]
        if waiting:
            parts.append(f"waiting {format_duration(waiting)} for the server's rate limit")
        elif c.waited_s or c.throttled:
            parts.append(f"waited {c.waited_s:.0f} s for rate limits ({c.throttled} answers 429)")
        if self.done and self.total > self.done:
            # Extrapolate from the time the run worked, never from a wait: a 179 s window
            # waited out once says nothing about the tests left (the wait under way is added).
            worked = max(now - self._start - (c.waited_s - waiting), 0.0)
            left = worked / self.done * (self.total - self.done) + waiting
            parts.append(f"about {format_duration(left)} left")
        return parts

    def _waiting_s(self, waited_s: float, now: float) -> float:
        """Seconds left of the rate-limit wait under way (0: none). The pacer counts a wait
        in `waited_s` as it begins one: a rise of N seconds is a wait of N seconds from the
        moment it is seen (at most a redraw, 1 s, late)."""
        with self._wait_lock:
            if waited_s > self._seen_waited_s:
                self._wait_ends = max(self._wait_ends, now) + (waited_s - self._seen_waited_s)
                self._seen_waited_s = waited_s
            return max(self._wait_ends - now, 0.0)

    # -- plain lines ------------------------------------------------------------------

    def test_finished(self) -> None:
        """A test is done: count it; in plain mode write a line when one is due."""
        self.done += 1
        now = self._clock()
        if self._write_line is not None and now - self._last_line >= self._every_s:
            self._last_line = now
            self._write_line(self.status())

    # -- the live line ----------------------------------------------------------------

    def start_live(self) -> None:
        if self._live_fd is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._draw_loop, name="newapi-progress", daemon=True)
        self._thread.start()

    def test_started(self) -> None:
        """A test started (pytest has written its name): draw after it, in the room left."""
        with self._lock:
            self._active = True
            self._room_now = self._room()

    def erase(self) -> None:
        """Before pytest writes: remove the drawn status, draw none until the next test."""
        with self._lock:
            self._active = False
            if self._drawn and self._live_fd is not None:
                os.write(self._live_fd, _ERASE.encode())
                self._drawn = False

    def stop(self) -> None:
        self.erase()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _draw_loop(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if not self._active or self._live_fd is None:
                    continue
                shown = self.fitted(self._room_now - 5)
                if not shown:
                    continue
                text = f"{_SAVE}{_ERASE}  [{shown}]{_RESTORE}"
                try:
                    os.write(self._live_fd, text.encode())
                    self._drawn = True
                except OSError:
                    self._live_fd = None
