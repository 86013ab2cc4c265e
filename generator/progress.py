"""Progress of long work, for a person at a terminal and for a log: jobs done of the total, pictures made, time
spent and time left. On a terminal one line redrawn in place (carriage return); anywhere else — a pipe, a file,
a CI log — a plain line every `every` seconds and a last one at the end, never a carriage return.

Time left is the time spent per unit of cost so far times the cost still to do, the cost of a job being its model
evaluations plus one (runner.job_cost), so a cheap model-free job does not make a long model job look short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


MIN_SHARE = 0.02  # the time left is said once this share of the work is done (the first job loads the model)


def clock(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 20 min'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Progress:
    """Counts jobs and images toward a total; `advance` after each stored job, `spend` as model work is done."""

    def __init__(
        self,
        jobs: int,
        cost: int,
        label: str = "jobs",
        stream: TextIO | None = None,
        every: float = 10.0,
        interactive: bool | None = None,
    ):
        self.total_jobs, self.total_cost, self.label = jobs, max(cost, 1), label
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.every = 0.2 if self.interactive else every
        self.jobs = self.images = self.cost = 0
        self.began = self.shown = time.perf_counter()
        self.width = 0

    def advance(self, jobs: int = 1, images: int = 0, cost: int = 0) -> None:
        """`jobs` more done, with `images` pictures; `cost` is what they cost beyond what `spend` counted."""
        self.jobs, self.images = self.jobs + jobs, self.images + images
        self.spend(cost)

    def spend(self, cost: int) -> None:
        """Model evaluations done (within jobs not finished yet)."""
        self.cost = min(self.cost + cost, self.total_cost)
        if time.perf_counter() - self.shown >= self.every:
            self.show()

    def line(self) -> str:
        spent = time.perf_counter() - self.began
        share = self.cost / self.total_cost
        left = f"about {clock(spent / share * (1 - share))} left" if MIN_SHARE <= share < 1 and spent > 1 else ""
        return " · ".join(
            filter(
                None,
                [
                    f"{self.label} {self.jobs:,}/{self.total_jobs:,} ({100 * self.jobs // max(self.total_jobs, 1)}%)",
                    f"{self.images:,} image{'s' if self.images != 1 else ''}",
                    f"{clock(spent)} spent",
                    left,
                ],
            )
        )

    def show(self) -> None:
        text = self.line()
        if self.interactive:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = time.perf_counter()

    def close(self) -> None:
        """The last line (when anything was done), ended by a newline."""
        if self.jobs or self.cost:
            self.show()
            if self.interactive:
                self.stream.write("\n")
                self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
