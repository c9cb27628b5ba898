"""The side panel's long lists as HTML, built here rather than in template loops: a
document reviewed from 3 layers of 1,000 spans has hundreds of groups and agreed
candidates (bench/bench_review.py). Every value is escaped (repeated ones once per
call). Buttons submit the page's one accept or reject form (the `form` attribute), so
no row repeats a form or a token."""

from __future__ import annotations

import hashlib
import html
from typing import TYPE_CHECKING

from django.utils.translation import gettext

if TYPE_CHECKING:
    from .context import CandidateRow, GroupRow
    from .event_frames import EventFrame

esc = html.escape


class _Cache(dict):
    """Escaped forms of the values a list repeats (usernames, label names, colours)."""

    def __missing__(self, value: str) -> str:
        escaped = self[value] = esc(value)
        return escaped


def _names(names: list[str], cache: _Cache) -> str:
    return ", ".join(f"<bdi>{cache[n]}</bdi>" for n in names)


def _candidate(
    c: CandidateRow, lang: str, *, disabled: bool, words: dict[str, str], cache: _Cache
) -> str:
    notes = f"{_names(c.supporters, cache)} · {c.support}"
    if c.preannotated:
        notes += f" · {words['pre']}"
    if c.in_gold:
        notes += f" · {words['gold']}"
    arguments = ""
    if c.arguments:
        arguments = (
            '<span class="candidate-button__arguments">'
            + "; ".join(f"<bdi>{esc(a)}</bdi>" for a in c.arguments)
            + "</span>"
        )
    state = " disabled" if disabled or c.in_gold else ""
    cid = esc(c.id)
    return (
        f'<li class="candidate-item{" is-in-gold" if c.in_gold else ""}" '
        f'style="--label-color: {cache[c.colour]}">'
        f'<button type="submit" form="accept-form" name="candidate" value="{cid}" '
        f'class="candidate-button" data-candidate-button data-candidate="{cid}" '
        f'data-label="{cache[c.label]}"{state}>'
        f'<span class="candidate-button__label">{cache[c.label_name]} ({cache[c.label]})</span> '
        f'<bdi lang="{lang}">{esc(c.text)}</bdi> '
        f'<span class="candidate-button__users">{notes}</span>{arguments}</button></li>'
    )


def dom_id(group_id: str) -> str:
    """A short HTML id for a group (its merge id holds colons and offsets)."""
    return "group-" + hashlib.blake2s(group_id.encode("utf-8"), digest_size=6).hexdigest()


def render_frame(frame: EventFrame, *, lang: str, label: str, cache: _Cache) -> str:
    """A candidate event group as one frame: a row per slot, each value with who proposed
    it; differing slots say so in words (not by colour alone). A keyboard stop."""
    differs = esc(gettext("differs"))
    same = esc(gettext("same"))
    head = esc(gettext("Slot"))
    values_head = esc(gettext("Proposed (by)"))
    out = [
        f'<table class="event-frame" tabindex="0" data-event-frame '
        f'data-differing="{frame.differing}" aria-label="{esc(label)}">'
        f'<caption class="event-frame__caption">{esc(label)}</caption>'
        f'<thead><tr><th scope="col">{head}</th><th scope="col">{values_head}</th></tr></thead>'
        "<tbody>"
    ]
    for slot in frame.slots:
        state = "differs" if slot.differs else "same"
        out.append(
            f'<tr class="event-frame__slot event-frame__slot--{state}" '
            f'data-slot="{esc(slot.key)}" data-slot-kind="{slot.kind}">'
            f'<th scope="row">{esc(slot.name)} '
            f'<span class="event-frame__flag">({differs if slot.differs else same})</span></th>'
            '<td><ul class="event-frame__values">'
        )
        for value in slot.values:
            empty = " event-frame__value--empty" if value.is_empty else ""
            out.append(
                f'<li class="event-frame__value{empty}">'
                f'<bdi lang="{lang}">{esc(value.text)}</bdi> '
                f'<span class="event-frame__who">({_names(value.supporters, cache)})</span></li>'
            )
        out.append("</ul></td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_groups(
    groups: list[GroupRow],
    *,
    lang: str,
    current: str | None,
    is_reviewed: bool,
    oob: bool = False,
) -> str:
    """The groups' <li> rows; with `oob` each replaces its namesake on the page."""
    words = {
        "pre": esc(gettext("pre-annotation")),
        "gold": esc(gettext("in gold")),
        "nothing": esc(gettext("nothing from")),
        "reject": esc(gettext("Reject all")),
        "frame": gettext("Candidate events on “%(trigger)s”, slot by slot"),
    }
    lang = esc(lang)
    cache = _Cache()
    out: list[str] = []
    for g in groups:
        state = cache[g.state]
        classes = f"group group--{state}" + (" is-current" if g.id == current else "")
        missing = f" · {words['nothing']} {_names(g.missing, cache)}" if g.missing else ""
        swap = ' hx-swap-oob="true"' if oob else ""
        gid = esc(g.id)
        out.append(
            f'<li id="{dom_id(g.id)}" class="{classes}" data-group-id="{gid}"{swap} '
            f'data-state="{state}" data-start="{g.start}" data-end="{g.end}" tabindex="-1">'
            '<p class="group__head">'
            f'<bdi lang="{lang}" class="group__text">{esc(g.text)}</bdi> '
            f'<span class="group__state group__state--{state}">{cache[g.state_name]}</span>'
            f"</p>"
            f'<p class="group__reasons muted">{esc(", ".join(g.reasons))}{missing}</p>'
            '<ul class="candidate-list">'
        )
        for c in g.candidates:
            out.append(_candidate(c, lang, disabled=is_reviewed, words=words, cache=cache))
        out.append("</ul>")
        if g.frame is not None:
            label = words["frame"] % {"trigger": g.frame.trigger}
            out.append(render_frame(g.frame, lang=lang, label=label, cache=cache))
        if not is_reviewed:
            disabled = " disabled" if g.state == "rejected" else ""
            out.append(
                f'<button type="submit" form="reject-form" name="group" value="{gid}" '
                f'class="button button--small" data-reject aria-keyshortcuts="R"{disabled}>'
                f"{words['reject']}</button>"
            )
        out.append("</li>")
    return "".join(out)


def render_agreed(agreed: list[CandidateRow], *, lang: str, can_accept: bool) -> str:
    gold = esc(gettext("in gold"))
    accept = esc(gettext("Accept"))
    lang = esc(lang)
    cache = _Cache()
    out: list[str] = []
    for c in agreed:
        out.append(
            f'<li class="candidate-item{" is-in-gold" if c.in_gold else ""}" '
            f'style="--label-color: {cache[c.colour]}">{cache[c.label_name]}: '
            f'<bdi lang="{lang}">{esc(c.text)}</bdi> <span class="muted">'
            f"({_names(c.supporters, cache)} · {c.support}){f' · {gold}' if c.in_gold else ''}"
            "</span>"
        )
        if not c.in_gold and can_accept:
            out.append(
                f' <button type="submit" form="accept-form" name="candidate" '
                f'value="{esc(c.id)}" class="button button--small">{accept}</button>'
            )
        out.append("</li>")
    return "".join(out)
