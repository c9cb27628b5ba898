"""Small template helpers for the dashboard: looking up a matrix cell and writing a
score the same way everywhere."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def cell(row: dict[str, Any] | None, key: str) -> Any:
    """`matrix|cell:a|cell:b`: the pair's figures, or None on the diagonal / no pair."""
    if not isinstance(row, dict):
        return None
    return row.get(key)


@register.filter
def score(value: float | None) -> str:
    """A score with two decimals; an undefined one (nothing to compare) as a dash."""
    return "—" if value is None else f"{value:.2f}"


@register.filter
def heat(value: float | None) -> str:
    """The value as a CSS custom property for the matrix cell's colour (0 to 100)."""
    return "" if value is None else f"--heat: {max(0.0, min(1.0, value)) * 100:.0f}%"
