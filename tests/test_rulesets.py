"""Ruleset files and the role-family table: parsing, checking, shipped rulesets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcg_lib.errors import ConfigError, NotFoundError
from mcg_lib.graph.roles import (
    FAMILIES,
    load_role_families,
    normalize_role,
    role_family,
    role_family_coverage,
)
from mcg_lib.graph.rulesets import PSEUDO_ARTISTS, list_rulesets, load_ruleset


def write_ruleset(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rulesets_load():
    names = list_rulesets()
    assert {"all-credits", "performers", "studio"} <= set(names)
    for name in names:
        assert load_ruleset(name).name == name


def test_all_credits_fixed_meaning():
    rules = load_ruleset("all-credits")
    assert rules.credit_kinds == ("main", "extra", "track", "track_extra")
    assert rules.counts_all_roles
    assert set(rules.exclude_artist_ids) == {194, 355, 118760, 151641, 967691}
    assert rules.drop_unlinked
    assert not rules.merge_masters
    assert rules.max_artists_per_release == 0
    assert not rules.link_group_members


def test_performers_and_studio_families():
    assert load_ruleset("performers").role_families == ("performing", "vocals")
    assert load_ruleset("studio").role_families == ("production", "writing", "technical")


def test_empty_file_takes_defaults(tmp_path):
    write_ruleset(tmp_path, "bare", "")
    rules = load_ruleset("bare", tmp_path)
    assert rules.counts_all_roles
    assert rules.exclude_artist_ids == tuple(sorted(PSEUDO_ARTISTS))


def test_unknown_key_names_file_and_key(tmp_path):
    path = write_ruleset(tmp_path, "typo", "merge_master = true\n")
    with pytest.raises(ConfigError) as caught:
        load_ruleset("typo", tmp_path)
    assert str(path) in caught.value.message
    assert "'merge_master'" in caught.value.message
    assert "merge_masters" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('drop_unlinked = "yes"', "drop_unlinked"),
        ("max_artists_per_release = true", "max_artists_per_release"),
        ("max_artists_per_release = 2.5", "max_artists_per_release"),
        ('credit_kinds = "main"', "credit_kinds"),
        ("role_families = 3", "role_families"),
        ('exclude_artist_ids = ["194"]', "exclude_artist_ids"),
        ("exclude_artist_ids = [0]", "exclude_artist_ids"),
        ("max_artists_per_release = -1", "max_artists_per_release"),
        ('role_families = "some"', "role_families"),
        ("credit_kinds = []", "credit_kinds"),
    ],
)
def test_bad_value_names_key(tmp_path, text, key):
    path = write_ruleset(tmp_path, "bad", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_ruleset("bad", tmp_path)
    assert str(path) in caught.value.message
    assert f"'{key}'" in caught.value.message


def test_unknown_family_lists_families(tmp_path):
    write_ruleset(tmp_path, "fam", 'role_families = ["performing", "singing"]\n')
    with pytest.raises(ConfigError) as caught:
        load_ruleset("fam", tmp_path)
    assert "'singing'" in caught.value.message
    assert "vocals" in caught.value.hint


def test_unknown_credit_kind(tmp_path):
    write_ruleset(tmp_path, "kinds", 'credit_kinds = ["main", "label"]\n')
    with pytest.raises(ConfigError, match="'label'"):
        load_ruleset("kinds", tmp_path)


def test_invalid_toml_names_file(tmp_path):
    path = write_ruleset(tmp_path, "broken", "credit_kinds = [\n")
    with pytest.raises(ConfigError, match=str(path)):
        load_ruleset("broken", tmp_path)


def test_missing_ruleset_lists_known(tmp_path):
    write_ruleset(tmp_path, "one", "")
    with pytest.raises(NotFoundError) as caught:
        load_ruleset("two", tmp_path)
    assert "one" in caught.value.hint


def test_invalid_ruleset_name():
    with pytest.raises(ConfigError):
        load_ruleset("../etc")


@pytest.mark.parametrize(
    ("role", "family"),
    [
        ("Written-By", "writing"),
        ("Written By", "writing"),
        ("written-by", "writing"),
        ("Producer [Co-producer]", "production"),
        ("Executive-Producer", "production"),
        ("Remix", "production"),
        ("Lead Vocals", "vocals"),
        ("Bass Vocals", "vocals"),
        ("Bass", "performing"),
        ("Tenor Saxophone", "performing"),
        ("12-String Acoustic Guitar", "performing"),
        ("Mixed By", "technical"),
        ("Mastered By", "technical"),
        ("Lacquer Cut By", "technical"),
        ("Photography By", "visual"),
        ("Art Direction", "visual"),
        ("A&R", "management"),
        ("Liner Notes", "other"),
        ("Remiz", "other"),
    ],
)
def test_role_family(role, family):
    assert role_family(role) == family


def test_normalize_role_drops_qualifier():
    assert normalize_role("  Percussion [Frame Drum, Shaker] ") == "percussion"
    assert normalize_role("Co-Producer") == "co producer"


def test_role_table_lists_every_family():
    table = load_role_families()
    assert set(table.titles) == set(FAMILIES)
    assert table.titles["writing"] == "writing and arrangement"


def test_role_table_rejects_role_in_two_families(tmp_path):
    sections = []
    for family in FAMILIES:
        roles = '"Producer"' if family in ("production", "technical") else ""
        sections.append(f"[families.{family}]\nroles = [{roles}]\n")
    text = "\n".join(sections)
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="Producer"):
        load_role_families(path)


def test_role_coverage_counts_fallbacks():
    coverage = role_family_coverage({"Producer": 6, "Tenor Saxophone": 3, "Remiz": 1})
    assert coverage["occurrences"] == 10
    assert coverage["matched_share"] == pytest.approx(0.9)
    assert coverage["by_rule"] == {"role": 6, "word": 3, "fallback": 1}
    assert coverage["per_family"]["production"] == 6
    assert coverage["top_unmatched"] == [{"role": "Remiz", "count": 1}]


def test_cli_rulesets_list():
    from click.testing import CliRunner

    from mcg_lib.cli import cli

    result = CliRunner().invoke(cli, ["rulesets", "list"])
    assert result.exit_code == 0, result.output
    assert "all-credits: any credit with an artist id" in result.output
    assert "roles: performing, vocals" in result.output
    assert "masters merged" in result.output


def test_cli_rulesets_compare(data_root):
    import json

    from click.testing import CliRunner
    from fixtures.graph.catalog import write_scene

    from mcg_lib.cli import cli
    from mcg_lib.graph.stage import run

    write_scene(data_root, "demo", "small_scene")
    run(data_root, "demo", force=False, ruleset="all-credits")
    run(data_root, "demo", force=False, ruleset="performers")
    args = ["--data-root", str(data_root.root), "rulesets", "compare", "--snapshot", "demo"]
    result = CliRunner().invoke(cli, [*args, "all-credits", "performers", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["sides"]["all-credits"]["edges"] == 18
    # Everyone but the producer and the sleeve painter.
    assert report["sides"]["performers"]["artists"] == 9
    assert report["sides"]["all-credits"]["hubs"][0] == {
        "id": 20,
        "name": "Producer Person",
        "releases": 3,
    }
    # Alpha and Delta are 3 hops apart through the producer, who is no performer.
    assert report["pairs_with_other_distance"] >= 1

    text = CliRunner().invoke(cli, [*args, "all-credits", "performers"])
    assert text.exit_code == 0, text.output
    assert "hubs of performers" in text.output
