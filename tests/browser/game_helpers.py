"""Steps of playing the game in a Playwright page, shared by the browser tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from fixtures.site.month import SiteMonth
from playwright.sync_api import Page, expect

TIMEOUT_MS = 10_000


def day_file(month: SiteMonth, date: str, ruleset: str = "all-credits") -> dict:
    return json.loads(
        (month.data(ruleset) / "puzzles" / f"{date}.json").read_text(encoding="utf-8")
    )


def schedule(month: SiteMonth, ruleset: str = "all-credits") -> list[dict]:
    answers = month.root.exports(month.snapshot) / "answers" / ruleset / "puzzles.json"
    return json.loads(Path(answers).read_text(encoding="utf-8"))


def pick_day(month: SiteMonth, *, hops: int | None = None, through: int | None = None) -> dict:
    """Return the first scheduled puzzle with that many hops and/or that artist on its chain."""
    for puzzle in schedule(month):
        if hops is not None and puzzle["hops"] != hops:
            continue
        if through is not None and through not in puzzle["path"][0::2]:
            continue
        return puzzle
    raise LookupError(f"no puzzle with hops={hops} through={through} in the test month")


def set_day(page: Page, date: str) -> None:
    """Fix the browser's clock at noon of a day, so that day's puzzle is today's."""
    page.clock.set_fixed_time(datetime.fromisoformat(f"{date}T12:00:00"))


def open_game(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-ready=true]", timeout=TIMEOUT_MS)


def step_input(page: Page):
    return page.locator("input.next-artist")


def choose_artist(page: Page, artist: dict) -> None:
    """Type an artist's name into the step box and pick it from the suggestions by its id."""
    box = step_input(page)
    box.fill(artist["name_display"])
    option = page.locator(f'[role=listbox] [role=option][data-key="{artist["id"]}"]').first
    option.wait_for(timeout=TIMEOUT_MS)
    option.click()


def follow_chain(page: Page, path: list[dict], start: int = 0) -> None:
    """Play the optimal chain from artist position ``start`` to the end, checking each link."""
    artists = path[0::2]
    for position in range(start + 1, len(artists)):
        choose_artist(page, artists[position])
        expect(page.locator("ol.chain li.artist")).to_have_count(position + 1, timeout=TIMEOUT_MS)


def expect_solved(page: Page, hops: int) -> None:
    expect(page.locator(".result h2")).to_have_text(
        f"Solved in {hops} hop{'s' if hops != 1 else ''}", timeout=TIMEOUT_MS
    )
