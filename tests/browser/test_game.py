"""The game in headless Chromium against the built site of a small month, served on loopback."""

from __future__ import annotations

import json
import re

import pytest
from fixtures.site.month import EVIL_NAME, EVIL_TITLE
from game_helpers import (
    TIMEOUT_MS,
    choose_artist,
    day_file,
    expect_solved,
    follow_chain,
    open_game,
    pick_day,
    set_day,
    step_input,
)
from playwright.sync_api import expect

from mcg_lib.graph import open_graph

pytestmark = pytest.mark.browser


def unlinked_artist(month, artist_id: int) -> dict:
    """Return the summary of an artist who shares no release with ``artist_id``."""
    graph = open_graph(month.root, month.snapshot, "all-credits")
    node = graph.artist_node(artist_id)
    linked = {int(a) for r in graph.releases_of(node) for a in graph.artists_of(r)}
    names = graph.artists.column("name_display").to_pylist()
    for other in range(graph.artist_count):
        unique = names.count(names[other]) == 1
        if other not in linked and unique and "<" not in names[other]:
            row = graph.artist_row(other)
            return {"id": row["artist_id"], "name_display": row["name_display"]}
    raise LookupError(f"every artist shares a release with {artist_id}")


def test_daily_puzzle_played_to_end(page, site_month, site_url):
    puzzle = pick_day(site_month, hops=3)
    day = day_file(site_month, puzzle["date"])
    set_day(page, puzzle["date"])
    open_game(page, site_url)

    expect(page.locator("h1")).to_contain_text(f"puzzle #{day['number']}")
    expect(page.locator(".goal .from")).to_have_text(day["from"]["name_display"])
    expect(page.locator(".goal .to")).to_have_text(day["to"]["name_display"])

    # One hint: the first artist of the best chain after the start.
    page.get_by_role("button", name=re.compile("Reveal an artist")).click()
    second = day["optimal"]["path"][2]
    expect(page.locator(".hints li")).to_have_text(
        f"The best chain goes through {second['name_display']}."
    )

    # One wrong step, rejected with a message, the chain unchanged.
    stranger = unlinked_artist(site_month, day["from"]["id"])
    choose_artist(page, stranger)
    expect(page.get_by_role("alert").filter(has_text="No release")).to_contain_text(
        stranger["name_display"]
    )
    expect(page.locator("ol.chain li.artist")).to_have_count(1)

    # The first link through the release list, the rest by typing names.
    path = day["optimal"]["path"]
    page.get_by_role("button", name=re.compile(re.escape(path[1]["title"]))).first.click()
    page.get_by_role(
        "button", name=re.compile(f"^Choose {re.escape(second['name_display'])},")
    ).first.click()
    expect(page.locator("ol.chain li.artist")).to_have_count(2)
    expect(page.locator("ol.chain li.link").first).to_contain_text(path[1]["title"])
    follow_chain(page, path, start=1)

    expect_solved(page, day["hops"])
    expect(page.locator(".result .score")).to_contain_text("Score 83 of 100")
    expect(page.locator(".result figure svg")).to_have_count(1)
    expect(page.locator(".result figure img")).to_have_attribute(
        "src", re.compile(rf"puzzles/{puzzle['date']}\.svg$")
    )
    share = page.locator("textarea.share-text").input_value()
    assert f"#{day['number']}" in share
    for step in path:
        assert (step.get("name_display") or step.get("title")) not in share


def test_reload_keeps_progress_and_streak(page, site_month, site_url):
    first = pick_day(site_month, hops=2)
    day = day_file(site_month, first["date"])
    set_day(page, first["date"])
    open_game(page, site_url)

    choose_artist(page, day["optimal"]["path"][2])
    expect(page.locator("ol.chain li.artist")).to_have_count(2)
    page.reload()
    page.wait_for_selector("html[data-ready=true]", timeout=TIMEOUT_MS)
    expect(page.locator("ol.chain li.artist")).to_have_count(2)

    follow_chain(page, day["optimal"]["path"], start=1)
    expect_solved(page, 2)
    page.reload()
    page.wait_for_selector("html[data-ready=true]", timeout=TIMEOUT_MS)
    expect_solved(page, 2)

    page.goto(site_url + "#/stats")
    expect(page.locator(".stat-current-streak")).to_have_text("1")

    # The next day's puzzle, solved on its day, makes the streak 2 after a reload.
    next_date = f"{first['date'][:8]}{int(first['date'][8:]) + 1:02d}"
    next_day = day_file(site_month, next_date)
    set_day(page, next_date)
    open_game(page, site_url + "#/")
    follow_chain(page, next_day["optimal"]["path"])
    expect_solved(page, next_day["hops"])
    page.goto(site_url + "#/stats")
    page.reload()
    expect(page.locator(".stat-current-streak")).to_have_text("2", timeout=TIMEOUT_MS)
    expect(page.locator(".stat-solved")).to_have_text("2")


def test_offline_after_first_visit(page, context, site_month, site_url):
    puzzle = pick_day(site_month, hops=3)
    day = day_file(site_month, puzzle["date"])
    set_day(page, puzzle["date"])
    open_game(page, site_url)
    page.wait_for_selector("html[data-offline-ready=true]", timeout=TIMEOUT_MS)

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("html[data-ready=true]", timeout=TIMEOUT_MS)
    expect(page.locator(".goal .from")).to_have_text(day["from"]["name_display"])
    follow_chain(page, day["optimal"]["path"])
    expect_solved(page, day["hops"])

    # A free-play pair whose credits were never fetched needs the network.
    page.goto(f"{site_url}#/free/1042/1052/all-credits")
    expect(page.get_by_role("alert")).to_contain_text("online service", timeout=TIMEOUT_MS)
    expect(page.get_by_role("alert")).to_contain_text("offline")


def test_free_pair_without_api_says_so(page, site_month, site_url):
    page.goto(f"{site_url}#/free/1042/1052/all-credits")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("needs the online service", timeout=TIMEOUT_MS)
    expect(alert).to_contain_text("has no online service")


def test_free_play_between_popular_artists(page, site_month, site_url):
    puzzle = pick_day(site_month, hops=2)
    day = day_file(site_month, puzzle["date"])
    page.goto(f"{site_url}#/free")
    page.wait_for_selector("html[data-ready=true]", timeout=TIMEOUT_MS)

    for label, artist in (("From artist", day["from"]), ("To artist", day["to"])):
        page.get_by_role("combobox", name=label).fill(artist["name_display"])
        page.locator(f'[role=option][data-key="{artist["id"]}"]').first.click()
    page.get_by_role("button", name="Play this pair").click()

    expect(page.locator("h1")).to_have_text("Free play", timeout=TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Reveal the best length")).click()
    expect(page.locator(".hints li")).to_have_text("The best chain has 2 hops.")
    follow_chain(page, day["optimal"]["path"])
    expect_solved(page, 2)
    expect(page.locator(".result figure svg")).to_have_count(2)


def test_untrusted_names_render_as_text(page, site_month, site_url):
    puzzle = pick_day(site_month, through=site_month.evil_id)
    day = day_file(site_month, puzzle["date"])
    set_day(page, puzzle["date"])
    open_game(page, site_url)
    scripts = page.locator("script").count()

    # In the step box's suggestions, the chain, the result's SVG, its image and the release list.
    box = step_input(page)
    box.fill("alert")
    option = page.locator(f'[role=option][data-key="{site_month.evil_id}"] .option-name')
    expect(option).to_have_text(EVIL_NAME, timeout=TIMEOUT_MS)
    box.fill("")
    follow_chain(page, day["optimal"]["path"])
    expect_solved(page, day["hops"])

    expect(page.locator("ol.chain .artist-name").filter(has_text=EVIL_NAME)).to_have_count(1)
    svg_texts = page.locator(".result figure svg text").all_text_contents()
    assert EVIL_NAME in svg_texts
    assert EVIL_NAME in page.locator(".result figure img").get_attribute("alt")
    assert page.locator("script").count() == scripts
    assert page.evaluate("() => document.querySelectorAll('body script, svg script').length") == 0

    page.goto(
        f"{site_url}#/free/{site_month.evil_title_artist_id}/{site_month.evil_id}/all-credits"
    )
    expect(page.locator(".goal .to")).to_have_text(EVIL_NAME, timeout=TIMEOUT_MS)
    expect(page.locator("button.release .release-title").filter(has_text=EVIL_TITLE)).to_have_count(
        1
    )
    assert page.locator("script").count() == scripts


def test_keyboard_only_play_on_small_screen(browser, site_month, site_url, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 780}, service_workers="block")
    try:
        page = context.new_page()
        puzzle = pick_day(site_month, hops=3)
        day = day_file(site_month, puzzle["date"])
        set_day(page, puzzle["date"])
        open_game(page, site_url)

        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.classList.contains('next-artist')"):
                break
        else:
            pytest.fail("Tab never reached the step box")

        for artist in day["optimal"]["path"][2::2]:
            page.keyboard.type(artist["name_display"])
            page.wait_for_selector(f'[role=option][data-key="{artist["id"]}"]', timeout=TIMEOUT_MS)
            for _ in range(12):
                active = page.evaluate(
                    "() => document.getElementById("
                    "document.activeElement.getAttribute('aria-activedescendant'))?.dataset.key"
                )
                if active == str(artist["id"]):
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "id => [...document.querySelectorAll('ol.chain .artist-name')].length > 0 && "
                "document.querySelector('.result, input.next-artist') !== null",
                arg=artist["id"],
                timeout=TIMEOUT_MS,
            )

        expect_solved(page, day["hops"])
        assert page.evaluate("() => document.activeElement.closest('.result') !== null")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / "site-360px.png"), full_page=True)
    finally:
        context.close()


def test_ruleset_choice_and_archive(page, site_month, site_url):
    puzzle = pick_day(site_month, hops=2)
    set_day(page, puzzle["date"])
    open_game(page, site_url + "#/archive")

    links = page.locator(".archive-list a")
    expect(links.first).to_contain_text(f"puzzle #{day_file(site_month, puzzle['date'])['number']}")
    page.get_by_label("Ruleset").select_option("performers")
    other = day_file(site_month, puzzle["date"], "performers")
    page.goto(site_url + "#/")
    expect(page.locator(".goal .from")).to_have_text(
        other["from"]["name_display"], timeout=TIMEOUT_MS
    )
    assert (
        json.loads(page.evaluate("() => localStorage.getItem('mcg:v1:settings')"))["ruleset"]
        == "performers"
    )


def test_first_load_time_recorded(browser, site_url, site_month, artifacts):
    """Measure navigation start to the first rendered puzzle on a cold browser context.

    The figure goes to test-artifacts/site-timing.json for docs/benchmarks.md;
    tests never assert speed. The browser keeps its real clock: with
    Playwright 1.65's fake clock installed, the performance mark is not found.
    """
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        open_game(page, site_url)
        interactive = page.evaluate(
            "() => performance.getEntriesByName('mcg-interactive')[0].startTime"
        )
        (artifacts / "site-timing.json").write_text(
            json.dumps({"first_load_to_interactive_ms": round(interactive, 1)}) + "\n",
            encoding="utf-8",
        )
        assert interactive > 0
    finally:
        context.close()
