"""Imports of dump files already on disk (``mcg fetch --from-dir``).

Covers every folder of real Discogs excerpts, the hand-written folder
tests/fixtures/fetch/odd-names, and folders built in the test.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ingest_helpers import fixture_path
from lxml import etree

from mcg_lib.cli import cli
from mcg_lib.errors import ChecksumError, InputError, NotFoundError, PublishError
from mcg_lib.fetch import KINDS, open_dump, raw_files
from mcg_lib.fetch.importer import import_folder
from mcg_lib.pipeline.state import run_stage
from mcg_lib.publish import read_json

ARTISTS = b"<artists>\n<artist><id>1</id><name>One</name></artist>\n</artists>\n"
RELEASES = b'<releases>\n<release id="5"><title>Five</title></release>\n</releases>\n'

# Expected per sample folder: the kinds found, and (records, duplicates dropped) of merged kinds.
SAMPLE_FOLDERS = {
    "discograph-2015": (KINDS, {}),
    "elpassion-discogs_data-2020": (KINDS, {}),
    "philipmat-discogs-xml2db/20170401-head50": (KINDS, {}),
    "philipmat-discogs-xml2db/20200806": (KINDS, {}),
    "philipmat-discogs-xml2db/single-records": (("artists", "releases"), {}),
    "tgmz-discogs-2025": (KINDS, {"releases": (11, 3)}),
}


@pytest.fixture
def mcg_log(caplog):
    """Capture the package's log lines, which the CLI's logging setup keeps from the root logger."""
    logger = logging.getLogger("mcg")
    previous = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # so each line is captured once whether or not the CLI ran before
    yield caplog
    logger.setLevel(previous[0])
    logger.propagate = previous[1]
    logger.removeHandler(caplog.handler)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def read_dump(path: Path) -> bytes:
    with open_dump(path) as stream:
        return stream.read()


@pytest.mark.parametrize("folder", sorted(SAMPLE_FOLDERS))
def test_import_real_sample_folder(data_root, samples_dir, folder):
    kinds, merges = SAMPLE_FOLDERS[folder]
    source = samples_dir / folder

    manifest = import_folder(data_root, "sample", source)

    assert list(manifest["files"]) == list(kinds)
    assert manifest["missing_kinds"] == [k for k in KINDS if k not in kinds]
    assert manifest["series"] == source.name
    assert manifest["source"] == str(source.resolve())
    assert manifest["ignored_files"] == []
    files = raw_files(data_root, "sample")
    for kind in kinds:
        entry = manifest["files"][kind]
        if kind in merges:
            assert entry["method"] == "merge"
            assert (entry["records"], entry["records_dropped_as_duplicates"]) == merges[kind]
            assert etree.fromstring(read_dump(files[kind])).tag == kind
        else:
            original = Path(entry["source_files"][0]["path"])
            assert entry["method"] in ("hardlink", "copy")
            assert files[kind].read_bytes() == original.read_bytes()
            assert entry["sha256"] == sha256(original.read_bytes())


def test_import_tgmz_merge_keeps_dump_order(data_root, samples_dir):
    import_folder(data_root, "tgmz", samples_dir / "tgmz-discogs-2025")

    manifest = read_json(data_root.raw_manifest("tgmz"))
    merged = etree.fromstring(read_dump(raw_files(data_root, "tgmz")["releases"]))
    sources = manifest["files"]["releases"]["source_files"]
    assert [r.get("id") for r in merged] == [
        "2323", "2324", "10222", "527839", "1349372", "2460568",
        "3870362", "20279608", "4957101", "10526741", "10850325",
    ]  # fmt: skip
    assert sources[0]["name"] == "discogs_releases.xml.gz"
    assert [s["records_dropped_as_duplicates"] for s in sources] == [0, 1, 1, 1]
    assert manifest["files"]["releases"]["name"] == "discogs_tgmz_releases.xml.gz"


def test_import_odd_names_fixture(data_root, mcg_log):
    folder = fixture_path("fetch/odd-names")

    manifest = import_folder(data_root, "odd", folder)

    files = manifest["files"]
    assert list(files) == ["artists", "labels", "releases"]
    assert manifest["missing_kinds"] == ["masters"]
    assert manifest["series"] == "odd-names"
    assert [f["name"] for f in manifest["ignored_files"]] == ["README.md", "notes.xml"]
    assert "not start with an XML element" in manifest["ignored_files"][0]["reason"]
    assert "<notes>" in manifest["ignored_files"][1]["reason"]
    assert "ignoring" in mcg_log.text

    assert files["artists"]["name"] == "discogs_odd_artists.xml"
    assert files["artists"]["gzip"] is False
    assert files["labels"]["name"] == "discogs_odd_labels.xml.gz"
    assert files["labels"]["gzip"] is True
    raw = data_root.raw("odd")
    assert (raw / "discogs_odd_artists.xml").read_bytes() == (
        folder / "Artists Export (final).XML"
    ).read_bytes()
    assert (raw / "discogs_odd_labels.xml.gz").read_bytes() == (folder / "lbl.dat.gz").read_bytes()


def test_import_odd_names_merges_rootless_release(data_root):
    folder = fixture_path("fetch/odd-names")

    manifest = import_folder(data_root, "odd", folder)

    entry = manifest["files"]["releases"]
    assert entry["method"] == "merge"
    assert entry["name"] == "discogs_odd_releases.xml.gz"
    assert [s["name"] for s in entry["source_files"]] == ["more releases.txt", "release-42.xml"]
    assert [s["rooted"] for s in entry["source_files"]] == [True, False]
    assert entry["records"] == 3
    assert entry["records_dropped_as_duplicates"] == 1

    text = read_dump(data_root.raw("odd") / entry["name"])
    assert text == (
        b"<releases>\n"
        b'<release id="41" status="Accepted"><title>First Pressing</title></release>\n'
        b'<release id="42" status="Accepted"><title>Dump Copy</title>'
        b"<notes>a > sign and an &lt;escaped&gt; tag</notes></release>\n"
        b'<release id="43" status="Accepted"><title>Third &amp; Last</title></release>\n'
        b"</releases>\n"
    )


def test_import_keeps_rootless_single_file_verbatim(data_root, tmp_path):
    rootless = b'<release id="9"><title>Nine</title></release>\n<release id="10"/>\n'
    folder = make_folder(tmp_path / "old", {"r.xml": rootless})

    manifest = import_folder(data_root, "old", folder)

    assert manifest["files"]["releases"]["source_files"][0]["rooted"] is False
    assert (data_root.raw("old") / "discogs_old_releases.xml").read_bytes() == rootless


def test_import_hard_links_on_same_filesystem(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS})

    manifest = import_folder(data_root, "linked", folder)

    published = data_root.raw("linked") / "discogs_linked_artists.xml"
    assert manifest["files"]["artists"]["method"] == "hardlink"
    assert published.stat().st_ino == (folder / "a.xml").stat().st_ino


def test_import_verifies_checksum_file(data_root, tmp_path):
    checksums = f"{sha256(ARTISTS)}  a.xml\n{sha256(RELEASES)} *r.xml\n"
    folder = make_folder(
        tmp_path / "dumps",
        {"a.xml": ARTISTS, "r.xml": RELEASES, "discogs_x_CHECKSUM.txt": checksums.encode()},
    )

    manifest = import_folder(data_root, "checked", folder)

    assert manifest["checksum_files"] == ["discogs_x_CHECKSUM.txt"]
    assert manifest["ignored_files"] == []
    for kind in ("artists", "releases"):
        assert manifest["files"][kind]["source_files"][0]["checksum_verified"] is True


def test_import_checksum_mismatch_publishes_nothing(data_root, tmp_path):
    wrong = sha256(b"something else")
    folder = make_folder(
        tmp_path / "dumps",
        {"a.xml": ARTISTS, "r.xml": RELEASES, "CHECKSUM.txt": f"{wrong}  r.xml\n".encode()},
    )

    with pytest.raises(ChecksumError) as caught:
        import_folder(data_root, "bad", folder)

    message = str(caught.value)
    assert "r.xml" in message
    assert wrong in message
    assert sha256(RELEASES) in message
    assert not data_root.raw("bad").exists()
    assert not data_root.raw_manifest("bad").exists()


def test_import_ignores_unrelated_checksum_file(data_root, tmp_path):
    checksums = f"{sha256(b'x')}  discogs_20250101_releases.xml.gz\n"
    folder = make_folder(
        tmp_path / "dumps", {"r.xml": RELEASES, "discogs_20250101_CHECKSUM.txt": checksums.encode()}
    )

    manifest = import_folder(data_root, "other", folder)

    assert manifest["checksum_files"] == []
    assert manifest["ignored_files"][0]["name"] == "discogs_20250101_CHECKSUM.txt"
    assert manifest["files"]["releases"]["source_files"][0]["checksum_verified"] is False


def test_import_rerun_is_noop(data_root, mcg_log):
    folder = fixture_path("fetch/odd-names")
    import_folder(data_root, "odd", folder)
    first = read_json(data_root.raw_manifest("odd"))

    import_folder(data_root, "odd", folder)

    assert read_json(data_root.raw_manifest("odd")) == first
    assert "nothing to do" in mcg_log.text


def test_import_changed_file_needs_force(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS, "r.xml": RELEASES})
    import_folder(data_root, "month", folder)
    changed = RELEASES.replace(b"Five", b"Fifth")
    (folder / "r.xml").unlink()  # a new file, not a write through the published hard link
    (folder / "r.xml").write_bytes(changed)

    with pytest.raises(PublishError, match="--force") as caught:
        import_folder(data_root, "month", folder)
    assert "releases has other source files" in str(caught.value)
    assert (data_root.raw("month") / "discogs_month_releases.xml").read_bytes() == RELEASES

    import_folder(data_root, "month", folder, force=True)

    assert (data_root.raw("month") / "discogs_month_releases.xml").read_bytes() == changed


def test_import_other_series_needs_force(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS})
    import_folder(data_root, "month", folder)

    with pytest.raises(PublishError, match="series 'dumps' becomes 'mine'"):
        import_folder(data_root, "month", folder, series="mine")


def test_import_series_overrides_folder_name(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS})

    manifest = import_folder(data_root, "month", folder, series="monthly-excerpts")

    assert manifest["series"] == "monthly-excerpts"


def test_import_folder_without_dumps(data_root, tmp_path):
    folder = make_folder(tmp_path / "empty", {"notes.txt": b"nothing here"})
    (folder / "sub").mkdir()

    with pytest.raises(InputError, match="no Discogs dump files found"):
        import_folder(data_root, "none", folder)

    assert not data_root.raw("none").exists()


def test_import_missing_folder(data_root, tmp_path):
    with pytest.raises(NotFoundError):
        import_folder(data_root, "none", tmp_path / "absent")


def test_import_truncated_merge_publishes_nothing(data_root, tmp_path):
    truncated = b'<releases>\n<release id="6"><title>Six</title></release>\n<release id="7"><ti'
    folder = make_folder(tmp_path / "dumps", {"r1.xml": RELEASES, "r2.xml": truncated})

    with pytest.raises(InputError, match="r2.xml") as caught:
        import_folder(data_root, "cut", folder)

    assert "truncated" in str(caught.value)
    assert not data_root.raw("cut").exists()
    assert list(data_root.staging.glob("cut.*")) == []


def test_import_merges_gzipped_and_plain_labels(data_root, tmp_path):
    nested = (
        b"<labels>\n<label><id>1400</id><name>Parent</name><sublabels>"
        b'<label id="1401">Child</label></sublabels></label>\n</labels>\n'
    )
    more = b"<labels>\n<label><id>1401</id><name>Child</name></label>\n</labels>\n"
    folder = make_folder(
        tmp_path / "dumps", {"a.xml.gz": gzip.compress(nested, mtime=0), "b.xml": more}
    )

    manifest = import_folder(data_root, "labels", folder)

    entry = manifest["files"]["labels"]
    assert entry["records"] == 2
    assert entry["records_dropped_as_duplicates"] == 0
    merged = etree.fromstring(read_dump(data_root.raw("labels") / entry["name"]))
    assert [label.findtext("id") for label in merged] == ["1400", "1401"]
    assert merged[0].find("sublabels/label").get("id") == "1401"


def test_import_stage_skipped_when_current(data_root, mcg_log):
    folder = str(fixture_path("fetch/odd-names"))
    first = run_stage("fetch", snapshot="odd", data_root=data_root.root, raw_dir=folder)

    second = run_stage("fetch", snapshot="odd", data_root=data_root.root, raw_dir=folder)

    assert first["summary"]["kinds"] == ["artists", "labels", "releases"]
    assert first["summary"]["records_dropped_as_duplicates"] == 1
    assert second["finished_at"] == first["finished_at"]
    assert "skipped" in mcg_log.text


def test_cli_fetch_from_dir(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS, "r.xml": RELEASES})

    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(data_root.root),
            "fetch",
            "--snapshot",
            "demo",
            "--from-dir",
            str(folder),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "series dumps" in result.output
    assert "missing kinds: labels, masters" in result.output


def test_cli_fetch_from_dir_with_series(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"a.xml": ARTISTS})
    shutil.copy(folder / "a.xml", folder / "b.xml")

    result = CliRunner().invoke(
        cli,
        [
            "--data-root",
            str(data_root.root),
            "fetch",
            "--snapshot",
            "demo",
            "--from-dir",
            str(folder),
            "--series",
            "excerpts",
        ],
    )

    assert result.exit_code == 0, result.output
    manifest = read_json(data_root.raw_manifest("demo"))
    assert manifest["series"] == "excerpts"
    assert manifest["files"]["artists"]["records_dropped_as_duplicates"] == 1


def test_rerun_without_source_keeps_published_month(data_root, samples_dir, monkeypatch):
    # Nothing listens on this loopback port: a download attempt would fail the test.
    monkeypatch.setenv("MCG_DUMPS_URL", "http://127.0.0.1:9")
    folder = samples_dir / "discograph-2015"
    first = run_stage("fetch", snapshot="20150101", data_root=data_root.root, raw_dir=str(folder))

    again = run_stage("fetch", snapshot="20150101", data_root=data_root.root)

    assert again["output_fingerprint"] == first["output_fingerprint"]
    assert again["summary"]["method"] == first["summary"]["method"]


def test_truncated_gzip_names_the_file(data_root, tmp_path, samples_dir):
    source = tmp_path / "dumps"
    source.mkdir()
    whole = (samples_dir / "discograph-2015" / "discogs_test_releases.xml.gz").read_bytes()
    (source / "a_releases.xml.gz").write_bytes(whole[: len(whole) // 2])
    (source / "b_releases.xml.gz").write_bytes(whole)

    with pytest.raises(InputError, match="a_releases.xml.gz: the compressed data is truncated"):
        import_folder(data_root, "20150101", source, series="", force=False)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "it is empty"), (b"\x00garbage", "it does not start with an XML element"), (ARTISTS, "it contains artists")],
    ids=["empty", "garbage", "other-kind"],
)
def test_file_with_dump_name_must_match(data_root, tmp_path, content, message):
    """A file named as Discogs names its dumps fails the import when it does not hold that kind."""
    folder = make_folder(tmp_path / "dumps", {
        "discogs_20250101_artists.xml": ARTISTS,
        "discogs_20250101_releases.xml.gz": content,
    })

    with pytest.raises(InputError, match=f"named as a Discogs releases dump, but {message}"):
        import_folder(data_root, "month", folder)

    assert not data_root.raw("month").exists()


def test_file_with_other_name_sorted_by_content(data_root, tmp_path):
    folder = make_folder(tmp_path / "dumps", {"releases_sample.xml": ARTISTS, "empty.xml": b""})

    manifest = import_folder(data_root, "month", folder)

    assert list(manifest["files"]) == ["artists"]
    assert [f["name"] for f in manifest["ignored_files"]] == ["empty.xml"]
