"""Scale-out: every process computes the same cost-balanced split; shares cover every job exactly once."""

from __future__ import annotations

import random

import pytest

from generator.distributed import Shard, ShardError, balance, split


def jobs(n: int, seed: int = 0) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [(f"k{i:04d}", rng.choice([1, 20, 40, 80, 160])) for i in range(n)]


def cost(job):
    return job[1]


def key(job):
    return job[0]


@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_shares_cover_every_job_exactly_once(count):
    items = jobs(200)
    shares = split(items, cost, key, count)
    assert sorted(j for s in shares for j in s) == sorted(items)


def test_the_split_does_not_depend_on_the_order_jobs_arrive_in():
    """Processes that list the plan differently still agree on who does what."""
    items = jobs(120)
    shuffled = random.Random(1).sample(items, len(items))
    assert [sorted(s) for s in split(items, cost, key, 4)] == [sorted(s) for s in split(shuffled, cost, key, 4)]


def test_shares_are_balanced_by_cost_not_by_count():
    items = [("big", 1000)] + [(f"s{i}", 10) for i in range(100)]
    shares = split(items, cost, key, 2)
    assert balance(shares, cost) == pytest.approx(1.0)
    assert sorted(len(s) for s in shares) == [1, 100]  # one big job balances a hundred small ones
    assert balance(split(jobs(300), cost, key, 4), cost) <= 1.02


def test_take_keeps_the_plan_order():
    items = jobs(50)
    mine = Shard(1, 3).take(items, cost, key)
    assert mine == [j for j in items if j in mine] and 0 < len(mine) < len(items)


@pytest.mark.parametrize("text, expected", [("0/4", (0, 4)), ("3/4", (3, 4)), ("0/1", (0, 1))])
def test_parse_shard(text, expected):
    shard = Shard.parse(text)
    assert (shard.index, shard.count, shard.launched) == (*expected, False)


@pytest.mark.parametrize("text", ["4/4", "-1/4", "1", "a/b", "1/0", "1/2/3"])
def test_parse_shard_refuses_with_the_expected_form(text):
    with pytest.raises(ShardError, match="--shard"):
        Shard.parse(text)


def test_the_launchers_environment_names_the_shard():
    assert Shard.from_env({}) is None
    assert Shard.from_env({"WORLD_SIZE": "1", "RANK": "0"}) is None
    shard = Shard.from_env({"WORLD_SIZE": "8", "RANK": "5", "LOCAL_RANK": "1"})
    assert (shard.index, shard.count, shard.launched, shard.local_rank, shard.leader) == (5, 8, True, 1, False)
