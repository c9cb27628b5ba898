"""Turn a text and its (nested, overlapping) spans into HTML whose text content is the
text exactly (PRODUCT.md: labels are drawn with CSS, never as text nodes).

Pure Python. Properly nested spans become nested elements; a span that crosses
another's edge is cut into fragments, each carrying the whole span's data.
"""

from __future__ import annotations

import bisect
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
    # Optional, for pages that draw more than one layer (the review page): more classes,
    # more data-* attributes (names are ours, values escaped here), and whether the
    # element names a stored span (a review candidate has no id of its own: `id` then
    # only orders and tells spans apart, and no data-span-id is written).
    classes: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    is_stored: bool = True
    # A keyboard stop (tabindex, role, aria-label on the first fragment). The review
    # page's candidates are not: they are reached through the side panel's groups.
    is_focusable: bool = True


def _open_tag(span: SpanView, depth: int, first: bool, selected: bool) -> str:
    more = f" {html.escape(span.classes)}" if span.classes else ""
    attrs = [
        f'class="span span--{span.kind}{more}{" is-selected" if selected else ""}"',
        *([f'data-span-id="{span.id}"'] if span.is_stored else []),
        *(f'{name}="{html.escape(value)}"' for name, value in span.extra),
        f'data-start="{span.start}"',
        f'data-end="{span.end}"',
        f'data-label="{html.escape(span.label)}"',
        f'data-kind="{span.kind}"',
        f'style="--label-color: {html.escape(span.colour)}; --depth: {depth}"',
    ]
    if not first:
        attrs.append('data-fragment="true"')
    elif span.is_focusable:
        # One keyboard stop per span, on its first fragment.
        attrs += ['tabindex="0"', 'role="button"', f'aria-label="{html.escape(span.description)}"']
    return f"<mark {' '.join(attrs)}>"


def render_spans(
    text: str,
    spans: list[SpanView],
    selected_id: int | None = None,
    *,
    window: tuple[int, int] | None = None,
) -> str:
    """HTML for `text` with `spans` marked up. Every piece of text is escaped.

    With `window=(lo, hi)` only `text[lo:hi]` is rendered: spans reaching outside it are
    clipped, and a span that starts before `lo` is a fragment there (its keyboard stop
    is in the window where it starts)."""
    lo, hi = window or (0, len(text))
    spans = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(text) and s.start < hi and s.end > lo),
        key=lambda s: (s.start, -s.end, s.id),
    )
    if not spans:
        return html.escape(text[lo:hi], quote=False)
    order = {s.id: i for i, s in enumerate(spans)}
    boundaries = sorted(
        {lo, hi} | {max(s.start, lo) for s in spans} | {min(s.end, hi) for s in spans}
    )
    starts: dict[int, list[SpanView]] = {}
    for s in spans:
        starts.setdefault(max(s.start, lo), []).append(s)

    out: list[str] = []
    stack: list[SpanView] = []  # elements open in the output, outermost first
    active: list[SpanView] = []  # spans covering the current segment
    opened = {s.id for s in spans if s.start < lo}
    for left, right in zip(boundaries, boundaries[1:], strict=False):
        active = [s for s in active if s.end > left] + starts.get(left, [])
        active.sort(key=lambda s: order[s.id])
        common = 0
        while common < len(stack) and common < len(active) and stack[common] is active[common]:
            common += 1
        if len(stack) > common:
            out.append("</mark>" * (len(stack) - common))
        del stack[common:]
        for s in active[common:]:
            out.append(_open_tag(s, len(stack), s.id not in opened, s.id == selected_id))
            opened.add(s.id)
            stack.append(s)
        out.append(html.escape(text[left:right], quote=False))
    out.append("</mark>" * len(stack))
    return "".join(out)


CHUNK_LENGTH = 1_000


def chunk_bounds(text: str) -> list[tuple[int, int]]:
    """Cut the text into paragraphs (each ends after its newline), and long paragraphs
    after a white space once they pass CHUNK_LENGTH, so no word is ever cut. A change
    re-renders only the chunks it touches."""
    bounds: list[tuple[int, int]] = []
    start = 0
    length = len(text)
    while start < length:
        newline = text.find("\n", start, start + CHUNK_LENGTH)
        if newline != -1:
            end = newline + 1
        elif start + CHUNK_LENGTH >= length:
            end = length
        else:
            end = start + CHUNK_LENGTH
            while end < length and not text[end - 1].isspace():
                end += 1
        bounds.append((start, end))
        start = end
    return bounds or [(0, 0)]


def chunks_touching(bounds: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indexes of the chunks that `[start, end)` overlaps."""
    firsts = [lo for lo, _hi in bounds]
    first = max(0, bisect.bisect_right(firsts, start) - 1)
    last = max(first, bisect.bisect_left(firsts, end) - 1)
    return list(range(first, last + 1))


def render_chunk(
    text: str,
    bounds: list[tuple[int, int]],
    index: int,
    spans: list[SpanView],
    selected_id: int | None = None,
    *,
    oob: bool = False,
) -> str:
    """One chunk as an element with a stable id (`chunk-N`), for the page or as an
    out-of-band swap. `spans` may hold any spans; those outside the chunk are skipped."""
    lo, hi = bounds[index]
    extra = ' hx-swap-oob="true"' if oob else ""
    if selected_id is not None and any(s.id == selected_id and lo <= s.start < hi for s in spans):
        extra += f' data-selected="{selected_id}"'
    body = render_spans(text, spans, selected_id, window=(lo, hi))
    return f'<span class="chunk" id="chunk-{index}" data-chunk="{index}"{extra}>{body}</span>'


def render_chunks(text: str, spans: list[SpanView], selected_id: int | None = None) -> str:
    """The whole text as chunks (see chunk_bounds); its text content is `text` exactly."""
    bounds = chunk_bounds(text)
    per_chunk: list[list[SpanView]] = [[] for _ in bounds]
    for s in spans:
        if 0 <= s.start < s.end <= len(text):
            for index in chunks_touching(bounds, s.start, s.end):
                per_chunk[index].append(s)
    return "".join(
        render_chunk(text, bounds, i, per_chunk[i], selected_id) for i in range(len(bounds))
    )


@dataclass(frozen=True)
class ListItem:
    """One row of the workspace's side list of annotations."""

    id: int
    label_name: str
    colour: str
    text: str
    is_trigger: bool
    arguments: tuple[tuple[str, str], ...] = ()  # (role name, argument text)
    flags: str = ""  # an event's state: "incomplete · Realis: planned" (issue 12)
    is_incomplete: bool = False


def render_span_list(
    items: list[ListItem], *, lang: str, picker_text: str | None, selected_id: int | None = None
) -> str:
    """The <li> rows of the side list, in the order given. Built here rather than in a
    template loop because a layer may hold thousands of spans and every keystroke that
    changes one re-renders the list (bench/bench_annotate.py). Every value is escaped;
    `picker_text` None means read-only (no argument button)."""
    esc = html.escape
    lang_attr = esc(lang)
    out: list[str] = []
    for item in items:
        classes = "span-item span-item--trigger" if item.is_trigger else "span-item"
        if item.id == selected_id:
            classes += " is-selected"
        if item.is_incomplete:
            classes += " is-incomplete"
        out.append(
            f'<li id="item-{item.id}" class="{classes}" style="--label-color: {esc(item.colour)}" '
            f'data-item-for="{item.id}"><a href="?span={item.id}" data-focus-span="{item.id}">'
            f'<span class="span-item__label">{esc(item.label_name)}</span> '
            f'<bdi lang="{lang_attr}">{esc(item.text)}</bdi></a>'
        )
        if item.flags:
            out.append(f' <span class="span-item__flags">{esc(item.flags)}</span>')
        if item.arguments:
            out.append('<ul class="argument-list">')
            for role, text in item.arguments:
                out.append(f'<li>{esc(role)} → <bdi lang="{lang_attr}">{esc(text)}</bdi></li>')
            out.append("</ul>")
        if item.is_trigger and picker_text is not None:
            out.append(
                f'<a class="button button--small" href="?picker={item.id}&amp;span={item.id}" '
                f'hx-get="?picker={item.id}" hx-target="#argument-picker" hx-swap="outerHTML" '
                f'data-picker-for="{item.id}">{esc(picker_text)}</a>'
            )
        out.append("</li>")
    return "".join(out)
