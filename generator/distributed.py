"""Scale-out: one gallery across processes, GPUs and machines, with the store as the meeting point.

Every process computes the same split of the pending jobs, so shares need no messages: a deterministic
greedy partition by cost (Graham's LPT rule: the costliest job first, each to the least-loaded share; within
4/3 of the best split, and near-even when jobs are many and small).

- Under a launcher (`torchrun`, `accelerate launch --multi_gpu`, SLURM through either): RANK / WORLD_SIZE /
  LOCAL_RANK come from the environment; torch.distributed (nccl on GPUs, gloo on CPUs) is used only for
  barriers: after the leader has encoded every prompt (T5 runs once, into the on-disk cache), and before the
  leader renders the site.
- `gallery build --shard I/N` (job arrays, a CI matrix): the same split with no torch.distributed; run
  `gallery render` once every shard is done.
"""

from __future__ import annotations

import heapq
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterator, Sequence, TypeVar

from generator.errors import GalleryError


T = TypeVar("T")
BARRIER_TIMEOUT = timedelta(hours=12)  # a barrier waits for the slowest share, which may be long


class ShardError(GalleryError):
    """A --shard value that cannot be used; the message says the expected form."""


@dataclass(frozen=True)
class Shard:
    """This process's part of the work: share `index` of `count` (0-based, as SLURM_ARRAY_TASK_ID)."""

    index: int = 0
    count: int = 1
    launched: bool = False  # started by a distributed launcher: barriers through torch.distributed
    local_rank: int = 0

    @property
    def leader(self) -> bool:
        """The process that encodes prompts first and renders the site last."""
        return self.index == 0

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'I/N' with 0 ≤ I < N, e.g. `--shard $SLURM_ARRAY_TASK_ID/8`."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ShardError(f"--shard {text!r}: expected I/N, e.g. 0/4 (shares are numbered from 0)") from None
        if not 0 <= index < count:
            raise ShardError(f"--shard {text!r}: I must be in 0…{max(count - 1, 0)} for N = {count}")
        return cls(index, count)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Shard | None:
        """The launcher's rank and world size (torchrun and accelerate set both), or None without a launcher."""
        env = os.environ if environ is None else environ
        world = int(env.get("WORLD_SIZE", "1") or 1)
        if world <= 1:
            return None
        return cls(int(env["RANK"]), world, launched=True, local_rank=int(env.get("LOCAL_RANK", "0") or 0))

    def take(self, items: Sequence[T], cost: Callable[[T], float], key: Callable[[T], str]) -> list[T]:
        """This share of `items`, in their original order (so similar jobs stay packed together)."""
        if self.count == 1:
            return list(items)
        mine = {id(item) for item in split(items, cost, key, self.count)[self.index]}
        return [item for item in items if id(item) in mine]


def split(items: Sequence[T], cost: Callable[[T], float], key: Callable[[T], str], count: int) -> list[list[T]]:
    """LPT: items by decreasing cost (ties by key, so every process agrees) to the share with the least load."""
    shares: list[list[T]] = [[] for _ in range(count)]
    loads = [(0.0, i) for i in range(count)]
    for item in sorted(items, key=lambda it: (-cost(it), key(it))):
        load, i = heapq.heappop(loads)
        shares[i].append(item)
        heapq.heappush(loads, (load + cost(item), i))
    return shares


def balance(shares: Sequence[Sequence[T]], cost: Callable[[T], float]) -> float:
    """max share / mean share of the total cost (1.0 is a perfect split)."""
    loads = [sum(cost(item) for item in share) for share in shares]
    mean = sum(loads) / len(loads)
    return max(loads) / mean if mean else 1.0


def device_for(shard: Shard | None, requested: str | None) -> str | None:
    """One GPU per process under a launcher (cuda:LOCAL_RANK); otherwise what was asked for."""
    if requested or shard is None or not shard.launched:
        return requested
    import torch

    return f"cuda:{shard.local_rank}" if torch.cuda.is_available() else "cpu"


def start(shard: Shard | None) -> None:
    """Join the launcher's process group (barriers only)."""
    if shard is None or not shard.launched:
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(shard.local_rank)
        dist.init_process_group(backend, timeout=BARRIER_TIMEOUT)


def barrier(shard: Shard | None) -> None:
    """Wait for every process of the launch (no-op without a launcher)."""
    if shard is not None and shard.launched:
        import torch.distributed as dist

        dist.barrier()


def finish(shard: Shard | None) -> None:
    if shard is not None and shard.launched:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


class LaunchProgress:
    """One progress line for a whole launch: the leader watches the shared store for the jobs of every
    process (jobs and images done, time left: generator/progress.py), instead of N interleaved bars."""

    def __init__(self, store, keys: list[str], poll: float = 1.0) -> None:
        import threading

        self.store, self.keys, self.poll = store, keys, poll
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def __enter__(self) -> LaunchProgress:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def watch(self) -> None:
        from generator.progress import Progress

        waiting = set(self.keys)
        with Progress(len(self.keys), len(self.keys), label="jobs of all processes") as shown:
            while waiting:
                done = {k for k in waiting if self.store.has(k)}
                images = sum(len(r.images) for r in map(self.store.get, done) if r is not None)
                waiting -= done
                shown.advance(len(done), images, cost=len(done))
                if self.stop.wait(self.poll):
                    break


@contextmanager
def launch(shard: Shard | None) -> Iterator[None]:
    """Inside the launcher's process group for the duration of a build (nothing without a launcher)."""
    start(shard)
    try:
        yield
    finally:
        finish(shard)
