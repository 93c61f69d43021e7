"""The daily puzzle schedule: one pair of popular artists a day, with a difficulty tier.

Difficulty combines the hop count with how obscure the connecting releases
are. A release's obscurity is ``1 / versions``: 1 for a release that was
never reissued, small for a master with many versions. The chain's
obscurity is the mean over its releases, and its score is ``hops +
obscurity``: below 3 is easy, below 4.5 medium, the rest hard.

The schedule is deterministic: the same snapshot, ruleset, start date and
chains give the same puzzles. Weekdays follow a fixed pattern of tiers, and
a tier that has run out lends the day to the nearest tier with pairs left.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date, timedelta
from typing import Any

from mcg_lib.errors import ConfigError

DEFAULT_START = date(2026, 1, 1)
TIERS = ("easy", "medium", "hard")
EASY_BELOW = 3.0
MEDIUM_BELOW = 4.5

# Monday first: easy early in the week, hard at the weekend.
WEEK_PATTERN = ("easy", "easy", "medium", "medium", "medium", "hard", "hard")
_FALLBACK = {"easy": ("medium", "hard"), "medium": ("easy", "hard"), "hard": ("medium", "easy")}

# A one-hop pair is two artists on the same release: no puzzle, unless the
# graph has too few longer chains.
MIN_PUZZLE_HOPS = 2


def start_date_for(snapshot: str, start_date: str = "") -> date:
    """Return the first puzzle date: the option, else the snapshot's date, else 2026-01-01."""
    if start_date:
        try:
            return date.fromisoformat(start_date)
        except ValueError:
            raise ConfigError(
                f"invalid start date {start_date!r}", hint="give the date as YYYY-MM-DD"
            ) from None
    if re.fullmatch(r"\d{8}", snapshot):
        try:
            return date(int(snapshot[:4]), int(snapshot[4:6]), int(snapshot[6:]))
        except ValueError:
            pass
    return DEFAULT_START


def difficulty(hops: int, versions: list[int]) -> tuple[str, float]:
    """Return (tier, obscurity) of a chain from its hop count and its releases' version counts."""
    obscurity = sum(1 / max(v, 1) for v in versions) / len(versions) if versions else 0.0
    score = hops + obscurity
    if score < EASY_BELOW:
        return "easy", obscurity
    if score < MEDIUM_BELOW:
        return "medium", obscurity
    return "hard", obscurity


def schedule(
    chains: dict[tuple[int, int], list[int] | None],
    versions: dict[int, int],
    *,
    days: int,
    start: date,
    seed_text: str,
) -> list[dict[str, Any]]:
    """Return up to ``days`` puzzles from ``start``, never repeating a pair.

    ``versions`` maps each release id on a chain to its version count. The
    schedule is shorter than ``days`` only when there are fewer pairs.
    """
    candidates = {tier: [] for tier in TIERS}
    found = [(pair, chain) for pair, chain in sorted(chains.items()) if chain is not None]
    long_enough = [item for item in found if len(item[1]) >= 2 * MIN_PUZZLE_HOPS + 1]
    pool = long_enough if len(long_enough) >= days else [item for item in found if len(item[1]) > 1]
    for pair, chain in pool:
        hops = (len(chain) - 1) // 2
        tier, obscurity = difficulty(hops, [versions.get(r, 1) for r in chain[1::2]])
        candidates[tier].append((pair, chain, hops, obscurity))

    seed = int.from_bytes(hashlib.sha256(seed_text.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    for tier in TIERS:
        rng.shuffle(candidates[tier])

    puzzles = []
    day = start
    while len(puzzles) < days and any(candidates.values()):
        wanted = WEEK_PATTERN[day.weekday()]
        tier = next(t for t in (wanted, *_FALLBACK[wanted]) if candidates[t])
        pair, chain, hops, obscurity = candidates[tier].pop()
        # Alternate which artist is the start, so the popular ones are not always first.
        first, second = pair if rng.random() < 0.5 else (pair[1], pair[0])
        path = chain if first == pair[0] else chain[::-1]
        puzzles.append(
            {
                "date": day.isoformat(),
                "from": first,
                "to": second,
                "hops": hops,
                "difficulty": tier,
                "obscurity": round(obscurity, 3),
                "path": path,
            }
        )
        day += timedelta(days=1)
    return puzzles
