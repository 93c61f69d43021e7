"""Role texts of the catalog generator, with their parsed (role, details) lists.

The catalog is written without XML, so each role text is built from its
parts and stored with the parsed form the ingest would give it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mcg_lib.generate import vocab
from mcg_lib.ingest.schema import ROLE

# Credit families of the catalog: which role texts a credit takes, and from
# which artist family its artist is drawn.
ROLE_FAMILIES = {
    "studio": vocab.STUDIO_ROLES,
    "session": vocab.SESSION_ROLES,
    "writer": vocab.WRITER_ROLES,
    "visual": vocab.VISUAL_ROLES,
    "other": vocab.OTHER_ROLES,
    "remix": (("Remix", 1),),
    "featuring": (("Featuring", 1),),
}


@dataclass
class RoleVocabulary:
    """Every role text the catalog uses, and per family the entries to draw from."""

    raw: pa.Array
    parsed: pa.Array
    families: dict[str, tuple[np.ndarray, np.ndarray]]

    def draw(self, rng: np.random.Generator, family: str, n: int) -> np.ndarray:
        """Return ``n`` indices into ``raw``/``parsed`` for credits of ``family``."""
        entries, probabilities = self.families[family]
        return entries[rng.choice(len(entries), size=n, p=probabilities)]


def _family_entries(
    table: tuple[tuple[str, int], ...],
) -> list[tuple[str, list[tuple[str, str | None]], float]]:
    """Return (text, parsed roles, weight) for a family's roles, their qualified forms and pairs."""
    entries = []
    for base, weight in table:
        qualifiers = vocab.ROLE_QUALIFIERS.get(base, ())
        entries.append((base, [(base, None)], weight * (0.8 if qualifiers else 1.0)))
        for qualifier in qualifiers:
            entries.append(
                (f"{base} [{qualifier}]", [(base, qualifier)], weight * 0.2 / len(qualifiers))
            )
    for (first, w1), (second, w2) in zip(table[:4], table[1:5], strict=False):
        entries.append((f"{first}, {second}", [(first, None), (second, None)], min(w1, w2) * 0.1))
    return entries


def build_role_vocabulary() -> RoleVocabulary:
    """Build role texts: each base role, its qualified forms, and a few two-role texts."""
    raw: list[str] = []
    parsed: list[list[dict]] = []
    families: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for family, table in ROLE_FAMILIES.items():
        entries = _family_entries(table)
        indices = np.arange(len(raw), len(raw) + len(entries), dtype=np.int64)
        for text, roles, _ in entries:
            raw.append(text)
            parsed.append([{"role": role, "details": details} for role, details in roles])
        weights = np.array([weight for _, _, weight in entries], dtype=np.float64)
        families[family] = (indices, weights / weights.sum())
    return RoleVocabulary(
        raw=pa.array(raw, type=pa.string()),
        parsed=pa.array(parsed, type=pa.list_(ROLE)),
        families=families,
    )
