"""What the command lines (`python -m asn_platform`, `python -m ingestion`) print: plain-text tables and progress."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[f"{value:,}" if isinstance(value, int) else str(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    lines = ["  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in cells:
        lines.append(
            "  ".join(
                cell.rjust(w) if cell[:1].isdigit() else cell.ljust(w) for cell, w in zip(row, widths, strict=True)
            )
        )
    return "\n".join("  " + line for line in lines)


def duration(seconds: float) -> str:
    """4.2 s, 1 min 05 s, 1 h 02 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Steps:
    """Progress of work made of steps (a DAG's tasks, a sample's regions): a line as each step ends, with the time
    since the work began and, where the number of steps is known, how many are done. On a terminal, also a line as
    each step starts and, while one runs long, a reminder every `every` seconds, so nothing is silent for minutes;
    elsewhere (CI, a log file) only the line per step."""

    def __init__(
        self,
        what: str,
        total: int | None = None,
        *,
        out: Callable[[str], None] = print,
        interactive: bool | None = None,
        every: float = 30.0,
    ) -> None:
        self.what, self.total, self.out, self.every = what, total, out, every
        self.interactive = sys.stdout.isatty() if interactive is None else interactive
        self.began = time.monotonic()
        self.done = 0
        self._running: dict[str, tuple[float, threading.Event]] = {}
        self._lock = threading.Lock()

    def _line(self, text: str, counted: bool = False) -> None:
        count = f" {self.done}/{self.total}" if counted and self.total else ""
        self.out(f"    [{duration(time.monotonic() - self.began):>11}{count}] {self.what}: {text}")

    def started(self, step: str) -> None:
        stop = threading.Event()
        with self._lock:
            self._running[step] = (time.monotonic(), stop)
        if self.interactive:
            self._line(f"{step} started")
            threading.Thread(target=self._remind, args=(step, stop), daemon=True).start()

    def _remind(self, step: str, stop: threading.Event) -> None:
        while not stop.wait(self.every):
            with self._lock:
                since = self._running.get(step, (time.monotonic(), stop))[0]
            self._line(f"{step} still running ({duration(time.monotonic() - since)})")

    def finished(self, step: str, outcome: str = "done", seconds: float | None = None) -> None:
        with self._lock:
            since, stop = self._running.pop(step, (None, None))
            self.done += 1
        if stop is not None:
            stop.set()
        if seconds is None and since is not None:
            seconds = time.monotonic() - since
        took = f" in {duration(seconds)}" if seconds is not None else ""
        self._line(f"{step} {outcome}{took}", counted=True)

    def close(self) -> None:
        """Stops every reminder (a step that never reported its end)."""
        with self._lock:
            for _, stop in self._running.values():
                stop.set()
            self._running.clear()
