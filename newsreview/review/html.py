"""The side panel's long lists as HTML, built here rather than in template loops: a
document reviewed from 3 layers of 1,000 spans has hundreds of groups and agreed
candidates (bench/bench_review.py). Every value is escaped. Buttons submit the page's
one accept or reject form (the `form` attribute), so no row repeats a form or a token."""

from __future__ import annotations

import hashlib
import html
from typing import TYPE_CHECKING

from django.utils.translation import gettext

if TYPE_CHECKING:
    from .context import CandidateRow, GroupRow

esc = html.escape


def _names(names: list[str]) -> str:
    return ", ".join(f"<bdi>{esc(n)}</bdi>" for n in names)


def _candidate(c: CandidateRow, lang: str, *, disabled: bool, words: dict[str, str]) -> str:
    notes = f"{_names(c.supporters)} · {esc(c.support)}"
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
    return (
        f'<li class="candidate-item{" is-in-gold" if c.in_gold else ""}" '
        f'style="--label-color: {esc(c.colour)}">'
        f'<button type="submit" form="accept-form" name="candidate" value="{esc(c.id)}" '
        f'class="candidate-button" data-candidate-button data-candidate="{esc(c.id)}" '
        f'data-label="{esc(c.label)}"{state}>'
        f'<span class="candidate-button__label">{esc(c.label_name)} ({esc(c.label)})</span> '
        f'<bdi lang="{esc(lang)}">{esc(c.text)}</bdi> '
        f'<span class="candidate-button__users">{notes}</span>{arguments}</button></li>'
    )


def dom_id(group_id: str) -> str:
    """A short HTML id for a group (its merge id holds colons and offsets)."""
    return "group-" + hashlib.blake2s(group_id.encode("utf-8"), digest_size=6).hexdigest()


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
        "slots": esc(gettext("Differences per slot")),
    }
    out: list[str] = []
    for g in groups:
        classes = f"group group--{esc(g.state)}" + (" is-current" if g.id == current else "")
        missing = f" · {words['nothing']} {_names(g.missing)}" if g.missing else ""
        swap = ' hx-swap-oob="true"' if oob else ""
        out.append(
            f'<li id="{dom_id(g.id)}" class="{classes}" data-group-id="{esc(g.id)}"{swap} '
            f'data-state="{esc(g.state)}" data-start="{g.start}" data-end="{g.end}" tabindex="-1">'
            '<p class="group__head">'
            f'<bdi lang="{esc(lang)}" class="group__text">{esc(g.text)}</bdi> '
            f'<span class="group__state group__state--{esc(g.state)}">{esc(g.state_name)}</span>'
            f"</p>"
            f'<p class="group__reasons muted">{esc(", ".join(g.reasons))}{missing}</p>'
            '<ul class="candidate-list">'
        )
        for c in g.candidates:
            out.append(_candidate(c, lang, disabled=is_reviewed, words=words))
        out.append("</ul>")
        differing = [s for s in g.slots if s.differs]
        if differing:
            out.append(
                f'<table class="slots"><caption class="visually-hidden">{words["slots"]}'
                "</caption><tbody>"
            )
            for slot in differing:
                values = " / ".join(
                    f"<bdi>{esc(v.value)}</bdi> ({_names(v.supporters)})" for v in slot.values
                )
                out.append(f'<tr><th scope="row">{esc(slot.name)}</th><td>{values}</td></tr>')
            out.append("</tbody></table>")
        if not is_reviewed:
            disabled = " disabled" if g.state == "rejected" else ""
            out.append(
                f'<button type="submit" form="reject-form" name="group" value="{esc(g.id)}" '
                f'class="button button--small" data-reject aria-keyshortcuts="R"{disabled}>'
                f"{words['reject']}</button>"
            )
        out.append("</li>")
    return "".join(out)


def render_agreed(agreed: list[CandidateRow], *, lang: str, can_accept: bool) -> str:
    gold = esc(gettext("in gold"))
    accept = esc(gettext("Accept"))
    out: list[str] = []
    for c in agreed:
        out.append(
            f'<li class="candidate-item{" is-in-gold" if c.in_gold else ""}" '
            f'style="--label-color: {esc(c.colour)}">{esc(c.label_name)}: '
            f'<bdi lang="{esc(lang)}">{esc(c.text)}</bdi> <span class="muted">'
            f"({_names(c.supporters)} · {esc(c.support)}){f' · {gold}' if c.in_gold else ''}"
            "</span>"
        )
        if not c.in_gold and can_accept:
            out.append(
                f' <button type="submit" form="accept-form" name="candidate" '
                f'value="{esc(c.id)}" class="button button--small">{accept}</button>'
            )
        out.append("</li>")
    return "".join(out)
