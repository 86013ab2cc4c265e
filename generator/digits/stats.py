"""How sure a measured rate is: the Wilson score interval of a binomial proportion (Wilson 1927), which stays
inside [0, 1] and is honest at 0/n and n/n, where the normal approximation claims certainty."""

from __future__ import annotations

import math


Z95 = 1.959964  # the standard normal quantile of a two-sided 95% interval


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """(lower, upper) of the interval for k successes in n trials; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_text(k: int, n: int) -> str:
    """'97% of 30 seeds (95% interval 83–99%)'."""
    low, high = wilson(k, n)
    return f"{k / n:.0%} of {n} seeds (95% interval {low:.0%}–{high:.0%})"
