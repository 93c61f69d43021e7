"""The checks: DuckDB queries over one snapshot's catalog.

Severity "error" fails the stage; "warning" and "info" are reported only.
References to ids missing from the dumps are warnings, because Discogs itself
references ids that its own dumps do not contain (194 Various, for one).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from mcg_lib.ingest.schema import KINDS, MAIN_TABLE_KEY, TABLES_BY_KIND

SAMPLE = 20

# (table, column, target table, target column): every id reference in the catalog.
REFERENCES = (
    ("release_credits", "artist_id", "artists", "artist_id"),
    ("master_artists", "artist_id", "artists", "artist_id"),
    ("artist_members", "member_id", "artists", "artist_id"),
    ("artist_aliases", "alias_id", "artists", "artist_id"),
    ("artist_groups", "group_id", "artists", "artist_id"),
    ("release_labels", "label_id", "labels", "label_id"),
    ("release_companies", "company_id", "labels", "label_id"),
    ("label_sublabels", "sublabel_id", "labels", "label_id"),
    ("labels", "parent_label_id", "labels", "label_id"),
    ("releases", "master_id", "masters", "master_id"),
    ("masters", "main_release_id", "releases", "release_id"),
)

# Fields every record should have; a null is counted, never fatal (a retired
# label can lack a name).
REQUIRED_FIELDS = (
    ("artists", "artist_id", "name"),
    ("labels", "label_id", "name"),
    ("masters", "master_id", "title"),
    ("releases", "release_id", "title"),
    ("releases", "release_id", "data_quality"),
    ("release_credits", "release_id", "name"),
)


@dataclass
class Check:
    """The outcome of one check."""

    name: str
    severity: str
    passed: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[tuple]:
    return con.execute(query, params or []).fetchall()


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _rows(con, f"SELECT count(*) FROM {table}")[0][0]


def check_unique_ids(con: duckdb.DuckDBPyConnection) -> list[Check]:
    checks = []
    for kind in KINDS:
        key = MAIN_TABLE_KEY[kind]
        duplicates = _rows(
            con,
            f"SELECT {key}, count(*) AS n FROM {kind} GROUP BY {key} HAVING n > 1 ORDER BY n DESC, {key} LIMIT ?",
            [SAMPLE],
        )
        total = _rows(con, f"SELECT count(*) FROM (SELECT {key} FROM {kind} GROUP BY {key} HAVING count(*) > 1)")[0][0]
        if total:
            message = f"{kind}: {total} {key} values occur more than once"
        else:
            message = f"{kind}: every {key} is unique"
        checks.append(Check(f"unique_ids.{kind}", "error", total == 0, message,
                            {"duplicated_ids": total, "sample": [{"id": i, "count": n} for i, n in duplicates]}))
    return checks


def check_references(con: duckdb.DuckDBPyConnection) -> list[Check]:
    checks = []
    for table, column, target, target_column in REFERENCES:
        name = f"references.{table}.{column}"
        if _count(con, target) == 0:
            checks.append(Check(name, "info", True, f"{table}.{column}: not checked, {target} is empty"))
            continue
        query = f"""
            SELECT r.{column} AS id, count(*) AS n
            FROM {table} r ANTI JOIN {target} t ON r.{column} = t.{target_column}
            WHERE r.{column} IS NOT NULL
            GROUP BY r.{column}
        """
        total_ids, total_refs = _rows(con, f"SELECT count(*), coalesce(sum(n), 0) FROM ({query})")[0]
        sample = _rows(con, f"{query} ORDER BY n DESC, id LIMIT ?", [SAMPLE])
        message = (
            f"{table}.{column}: every id exists in {target}"
            if not total_ids
            else f"{table}.{column}: {total_refs} references to {total_ids} ids missing from {target}"
        )
        checks.append(Check(name, "warning", total_ids == 0, message,
                            {"missing_ids": total_ids, "references": int(total_refs),
                             "sample": [{"id": i, "count": n} for i, n in sample]}))
    return checks


def check_required_fields(con: duckdb.DuckDBPyConnection) -> list[Check]:
    checks = []
    for table, key, column in REQUIRED_FIELDS:
        total = _count(con, table)
        nulls = _rows(con, f"SELECT count(*) FROM {table} WHERE {column} IS NULL")[0][0]
        sample = [row[0] for row in _rows(con, f"SELECT {key} FROM {table} WHERE {column} IS NULL LIMIT ?", [SAMPLE])]
        rate = nulls / total if total else 0.0
        message = f"{table}.{column}: {nulls} of {total} rows are null ({rate:.2%})"
        checks.append(Check(f"required.{table}.{column}", "warning", nulls == 0, message,
                            {"nulls": nulls, "rows": total, "rate": round(rate, 6), "sample_ids": sample}))
    return checks


def check_roles(con: duckdb.DuckDBPyConnection) -> list[Check]:
    """Report unparsed roles and how much of the credits the role-family table covers."""
    from mcg_lib.graph.roles import load_role_families

    unparsed = _rows(con, """
        SELECT count(*) FROM release_credits
        WHERE role_raw IS NOT NULL AND (roles IS NULL OR len(roles) = 0
              OR list_bool_or([r.role IS NULL OR r.role = '' FOR r IN roles]))
    """)[0][0]
    sample = [r[0] for r in _rows(con, """
        SELECT DISTINCT role_raw FROM release_credits
        WHERE role_raw IS NOT NULL AND (roles IS NULL OR len(roles) = 0
              OR list_bool_or([r.role IS NULL OR r.role = '' FOR r IN roles]))
        ORDER BY role_raw LIMIT ?
    """, [SAMPLE])]
    with_roles = _rows(con, "SELECT count(*) FROM release_credits WHERE role_raw IS NOT NULL")[0][0]
    checks = [Check("roles.unparsed", "warning", unparsed == 0,
                    f"{unparsed} of {with_roles} credits with a role have a role that did not parse",
                    {"credits": unparsed, "sample": sample})]

    counts = _rows(con, """
        SELECT r.role AS role, count(*) AS n
        FROM (SELECT unnest(roles) AS r FROM release_credits WHERE roles IS NOT NULL)
        GROUP BY r.role
    """)
    table = load_role_families()
    families: dict[str, int] = {}
    matched = total = 0
    unmatched: list[tuple[str, int]] = []
    for role, n in counts:
        match = table.match(role or "")
        families[match.family] = families.get(match.family, 0) + n
        total += n
        if match.matched_by == "fallback":
            unmatched.append((role, n))
        else:
            matched += n
    unmatched.sort(key=lambda item: (-item[1], item[0] or ""))
    share = matched / total if total else 1.0
    checks.append(Check(
        "roles.family_coverage", "info", True,
        f"the role-family table covers {share:.1%} of {total} role mentions",
        {"share": round(share, 6), "mentions": total, "families": dict(sorted(families.items())),
         "top_unmatched": [{"role": r, "count": n} for r, n in unmatched[:SAMPLE]]},
    ))
    return checks


def check_ingest_manifest(manifest: dict[str, Any]) -> list[Check]:
    """Turn what the ingest counted into checks."""
    checks = []
    mismatches = {
        f"{kind}.{table}": counts
        for kind, dump in manifest.get("dumps", {}).items()
        for table, counts in dump.get("reconciliation_mismatches", {}).items()
    }
    checks.append(Check(
        "ingest.reconciliation", "error", not mismatches,
        "every reconciled table has one row per element in the dump" if not mismatches
        else f"{len(mismatches)} tables have a different number of rows than elements in the dump",
        {"mismatches": mismatches},
    ))

    unknown = {k: v for dump in manifest.get("dumps", {}).values() for k, v in dump.get("unknown", {}).items()}
    checks.append(Check(
        "ingest.unknown_elements", "warning", not unknown,
        "the parser knows every element and attribute" if not unknown
        else f"{sum(unknown.values())} elements or attributes the parser does not know, of {len(unknown)} kinds",
        {"unknown": unknown},
    ))

    cleaned = {kind: {"control_chars_removed": d.get("control_chars_removed", 0),
                      "invalid_utf8_replaced": d.get("invalid_utf8_replaced", 0)}
               for kind, d in manifest.get("dumps", {}).items()}
    dirty = any(v for counts in cleaned.values() for v in counts.values())
    checks.append(Check("ingest.cleaned_characters", "warning", not dirty,
                        "no characters had to be removed or replaced" if not dirty
                        else "forbidden control characters or invalid UTF-8 were cleaned", {"dumps": cleaned}))

    skipped = {kind: d.get("skipped_without_id", 0) for kind, d in manifest.get("dumps", {}).items()}
    checks.append(Check("ingest.records_without_id", "warning", not any(skipped.values()),
                        f"{sum(skipped.values())} records without an id were skipped", {"dumps": skipped}))

    missing = manifest.get("missing_kinds", [])
    checks.append(Check("ingest.missing_dumps", "warning", not missing,
                        "all four dumps are present" if not missing
                        else f"no {', '.join(missing)} dump in this snapshot: those tables are empty",
                        {"missing_kinds": missing}))
    return checks


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: _count(con, table) for kind in KINDS for table in TABLES_BY_KIND[kind]}


def check_count_changes(current: dict[str, int], previous: dict[str, int] | None, baseline: str | None,
                        max_drop: float) -> list[Check]:
    """Compare main-table row counts with the previous snapshot of the same series."""
    if previous is None or baseline is None:
        return [Check("counts.previous_snapshot", "info", True,
                      "no earlier snapshot of this series to compare record counts with")]
    changes = {}
    failures = []
    for kind in KINDS:
        before, after = previous.get(kind, 0), current.get(kind, 0)
        change = (after - before) / before if before else None
        changes[kind] = {"previous": before, "current": after, "change": None if change is None else round(change, 6)}
        if change is not None and change < -max_drop:
            failures.append(f"{kind} fell from {before} to {after} ({change:.1%})")
    message = (
        f"record counts are within {max_drop:.0%} of snapshot {baseline} or above"
        if not failures
        else f"compared with snapshot {baseline}: " + "; ".join(failures)
    )
    return [Check("counts.previous_snapshot", "error", not failures, message,
                  {"baseline": baseline, "max_drop": max_drop, "tables": changes})]


def run_checks(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], previous_counts: dict[str, int] | None,
               baseline: str | None, max_drop: float) -> tuple[list[Check], dict[str, int]]:
    """Run every check; return them with the row count of every table."""
    counts = table_counts(con)
    checks = check_ingest_manifest(manifest)
    checks += check_unique_ids(con)
    checks += check_count_changes(counts, previous_counts, baseline, max_drop)
    checks += check_references(con)
    checks += check_required_fields(con)
    checks += check_roles(con)
    return checks, counts
