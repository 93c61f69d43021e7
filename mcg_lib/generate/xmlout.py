"""Serialisation rules of each dump era: escaping, empty elements and credits.

The raw dumps are written without an XML declaration, in raw UTF-8, with only
``&``, ``<`` and ``>`` escaped in text (quotes stay raw) and carriage returns
written as ``&#13;``. Attribute values also escape ``"`` and write TAB and LF
as character references. The eras differ in how they write empty elements:

* 2020 writes every always-present leaf even when empty (``<anv></anv>``),
  self-closes empty containers (``<companies/>``) and ships ``<images>``;
  unlinked credits carry ``<id>0</id>``; group members are ``<id>`` siblings
  followed by ``<name id>``.
* 2025 (dumps since 2024-12) omits every empty element, has no ``<images>``,
  writes unlinked credits without ``<id>``, members only as ``<name id>``,
  adds ``<series>``, and gives the last master artist a join of ",".

Functions here take text that is already escaped, except the ``esc*`` ones.
"""

from __future__ import annotations

import re

ERAS = ("2020", "2025")

_TEXT_SPECIALS = re.compile(r"[&<>\r]").search
_ATTR_SPECIALS = re.compile(r'[&<>"\r\n\t]').search


def esc(text: str) -> str:
    """Escape text content the way the dumps do."""
    if not _TEXT_SPECIALS(text):
        return text
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def esc_attr(text: str) -> str:
    """Escape an attribute value the way the dumps do."""
    if not _ATTR_SPECIALS(text):
        return text
    text = (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    return text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


class Era:
    """Serialisation rules of one dump era (2020 style)."""

    name = "2020"
    has_images = True
    has_series = False
    last_master_join = ""

    def leaf(self, tag: str, text: str) -> str:
        """Write an element that this era always writes, even when empty."""
        return f"<{tag}>{text}</{tag}>"

    def container(self, tag: str, inner: str) -> str:
        """Write a list element that this era always writes, self-closed when empty."""
        return f"<{tag}>{inner}</{tag}>" if inner else f"<{tag}/>"

    def optional(self, tag: str, text: str) -> str:
        """Write an element that every era omits when it is empty."""
        return f"<{tag}>{text}</{tag}>" if text else ""

    def credit(
        self, artist_id: int | None, name: str, anv: str, join: str, role: str, tracks: str
    ) -> str:
        """Write one <artist> credit; ``artist_id`` None is an unlinked credit."""
        return (
            f"<artist><id>{artist_id or 0}</id><name>{name}</name><anv>{anv}</anv>"
            f"<join>{join}</join>"
            f"<role>{role}</role><tracks>{tracks}</tracks></artist>"
        )

    def members(self, members: list[tuple[int, str]]) -> str:
        inner = "".join(f'<id>{i}</id><name id="{i}">{name}</name>' for i, name in members)
        return f"<members>{inner}</members>"


class Era2025(Era):
    """Serialisation rules of the dumps since 2024-12."""

    name = "2025"
    has_images = False
    has_series = True
    last_master_join = ","

    def leaf(self, tag: str, text: str) -> str:
        return f"<{tag}>{text}</{tag}>" if text else ""

    def container(self, tag: str, inner: str) -> str:
        return f"<{tag}>{inner}</{tag}>" if inner else ""

    def credit(
        self, artist_id: int | None, name: str, anv: str, join: str, role: str, tracks: str
    ) -> str:
        parts = ["<artist>"]
        if artist_id is not None:
            parts.append(f"<id>{artist_id}</id>")
        parts.append(f"<name>{name}</name>")
        if anv:
            parts.append(f"<anv>{anv}</anv>")
        if join:
            parts.append(f"<join>{join}</join>")
        if role:
            parts.append(f"<role>{role}</role>")
        if tracks:
            parts.append(f"<tracks>{tracks}</tracks>")
        parts.append("</artist>")
        return "".join(parts)

    def members(self, members: list[tuple[int, str]]) -> str:
        inner = "".join(f'<name id="{i}">{name}</name>' for i, name in members)
        return f"<members>{inner}</members>"


def era(name: str) -> Era:
    """Return the serialisation rules of a dump era: "2020" or "2025"."""
    if name == "2020":
        return Era()
    if name == "2025":
        return Era2025()
    raise ValueError(f"unknown dump era {name!r}; expected one of {', '.join(ERAS)}")
