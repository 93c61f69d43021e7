"""Draw a chain as a standalone SVG: artists as boxes, the shared releases between them.

Every text comes from the data and is untrusted: it is escaped for XML text
or attributes, and characters that XML 1.0 cannot carry at all are dropped.
The layout constants match ``drawChain`` in site_templates/assets/js/chain-svg.js,
which draws the player's chain the same way in the browser.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

WIDTH = 360
MARGIN = 8
ARTIST_HEIGHT = 34
RELEASE_HEIGHT = 46
MAX_CHARACTERS = 44

# XML 1.0 allows tab, newline, carriage return and U+0020 upwards, minus
# surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_STYLE = """
.a{fill:#e8eefc;stroke:#3451b2;stroke-width:1.5}
.an{fill:#1d2a5c;font:600 15px system-ui,sans-serif}
.rt{fill:#333;font:italic 13px system-ui,sans-serif}
.rr{fill:#555;font:12px system-ui,sans-serif}
.l{stroke:#3451b2;stroke-width:2}
text{unicode-bidi:plaintext}
@media (prefers-color-scheme:dark){
.a{fill:#1c2540;stroke:#8ea6ff}.an{fill:#e6ebff}.rt{fill:#ddd}.rr{fill:#bbb}.l{stroke:#8ea6ff}}
"""


def xml_text(value: Any) -> str:
    """Return a value as escaped XML character data."""
    return escape(_NOT_XML.sub("", str(value)))


def shorten(text: str, limit: int = MAX_CHARACTERS) -> str:
    """Cut a text to ``limit`` characters, ending with an ellipsis when cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def release_line(step: dict[str, Any]) -> str:
    """Return "Title (1994, Vinyl)" for a release step of a chain."""
    details = [str(part) for part in (step.get("year"), step.get("formats")) if part]
    title = step.get("title") or "untitled"
    return f"{title} ({', '.join(details)})" if details else title


def roles_line(step: dict[str, Any]) -> str:
    """Return the roles of both artists on a release step, "Producer / Vocals"."""
    before = ", ".join(step.get("from_roles") or []) or "credited"
    after = ", ".join(step.get("to_roles") or []) or "credited"
    return f"{before} / {after}"


def chain_height(path: list[dict[str, Any]]) -> int:
    artists = (len(path) + 1) // 2
    return 2 * MARGIN + artists * ARTIST_HEIGHT + (len(path) - artists) * RELEASE_HEIGHT


def chain_label(path: list[dict[str, Any]]) -> str:
    """Return a one-line text of the whole chain, for screen readers."""
    parts = [_artist_name(path[0])]
    for index in range(1, len(path) - 1, 2):
        parts.append(f"on {release_line(path[index])} with {_artist_name(path[index + 1])}")
    return ", ".join(parts)


def chain_svg(path: list[dict[str, Any]], *, title: str) -> str:
    """Return the SVG document of a chain given as ``mcg path --json`` path elements."""
    height = chain_height(path)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="t d">',
        f'<title id="t">{xml_text(title)}</title>',
        f'<desc id="d">{xml_text(chain_label(path))}</desc>',
        f"<style>{_STYLE}</style>",
    ]
    y = MARGIN
    for index, step in enumerate(path):
        if index % 2 == 0:
            lines.extend(_artist_box(step, y))
            y += ARTIST_HEIGHT
        else:
            lines.extend(_release_link(step, y))
            y += RELEASE_HEIGHT
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _artist_name(step: dict[str, Any]) -> str:
    return step.get("name_display") or step.get("name") or f"artist {step.get('id')}"


def _artist_box(step: dict[str, Any], y: int) -> list[str]:
    middle = WIDTH // 2
    return [
        f'<rect class="a" x="{MARGIN}" y="{y}" width="{WIDTH - 2 * MARGIN}" '
        f'height="{ARTIST_HEIGHT - 6}" rx="14"/>',
        f'<text class="an" x="{middle}" y="{y + 19}" text-anchor="middle">'
        f"{xml_text(shorten(_artist_name(step)))}</text>",
    ]


def _release_link(step: dict[str, Any], y: int) -> list[str]:
    left = MARGIN + 28
    line = MARGIN + 14
    return [
        f'<line class="l" x1="{line}" y1="{y - 6}" x2="{line}" y2="{y + RELEASE_HEIGHT}"/>',
        f'<text class="rt" x="{left}" y="{y + 15}">{xml_text(shorten(release_line(step), 46))}'
        "</text>",
        f'<text class="rr" x="{left}" y="{y + 32}">{xml_text(shorten(roles_line(step), 50))}'
        "</text>",
    ]
