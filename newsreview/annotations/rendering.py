"""Turn a text and its (nested, overlapping) spans into HTML whose text content is the
text exactly (PRODUCT.md: labels are drawn with CSS, never as text nodes).

Pure Python. Properly nested spans become nested elements; a span that crosses
another's edge is cut into fragments, each carrying the whole span's data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class SpanView:
    id: int
    start: int
    end: int
    label: str  # the key, as in exports
    colour: str
    kind: str  # "entity" or "trigger"
    description: str  # what a screen reader announces: "Person: حموشي"


def _open_tag(span: SpanView, depth: int, first: bool, selected: bool) -> str:
    attrs = [
        f'class="span span--{span.kind}{" is-selected" if selected else ""}"',
        f'data-span-id="{span.id}"',
        f'data-start="{span.start}"',
        f'data-end="{span.end}"',
        f'data-label="{html.escape(span.label)}"',
        f'data-kind="{span.kind}"',
        f'style="--label-color: {html.escape(span.colour)}; --depth: {depth}"',
    ]
    if first:
        # One keyboard stop per span, on its first fragment.
        attrs += ['tabindex="0"', 'role="button"', f'aria-label="{html.escape(span.description)}"']
    else:
        attrs.append('data-fragment="true"')
    return f"<mark {' '.join(attrs)}>"


def render_spans(text: str, spans: list[SpanView], selected_id: int | None = None) -> str:
    """HTML for `text` with `spans` marked up. Every piece of text is escaped."""
    spans = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(text)),
        key=lambda s: (s.start, -s.end, s.id),
    )
    if not spans:
        return html.escape(text, quote=False)
    order = {s.id: i for i, s in enumerate(spans)}
    boundaries = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    starts: dict[int, list[SpanView]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s)

    out: list[str] = []
    stack: list[SpanView] = []  # elements open in the output, outermost first
    active: list[SpanView] = []  # spans covering the current segment
    opened: set[int] = set()
    for left, right in zip(boundaries, boundaries[1:], strict=False):
        active = [s for s in active if s.end > left] + starts.get(left, [])
        active.sort(key=lambda s: order[s.id])
        common = 0
        while common < len(stack) and common < len(active) and stack[common] is active[common]:
            common += 1
        for _ in range(len(stack) - common):
            out.append("</mark>")
        del stack[common:]
        for s in active[common:]:
            out.append(_open_tag(s, len(stack), s.id not in opened, s.id == selected_id))
            opened.add(s.id)
            stack.append(s)
        out.append(html.escape(text[left:right], quote=False))
    out.append("</mark>" * len(stack))
    return "".join(out)
