"""spaCy's blank Arabic tokenizer (`spacy.blank("ar").tokenizer`, spaCy 3.8) in plain
Python, so that the token formats and the agreement figures tokenise as spaCy does without
installing spaCy, numpy and thinc (issue 14: they were most of the runtime install).

The algorithm is spacy/tokenizer.pyx step by step, on the settings copied in
`ar_tokenizer_data` (the same `re` patterns and special cases):

1. The text is cut into runs of non-space and of space characters; one plain space after
   a token belongs to that token and is not a token itself.
2. A run that is a special case becomes its special tokens. Otherwise prefixes and
   suffixes are taken off its ends in turn (stopping early where what is left is a
   special case), and what is left is a special case, a URL, or is cut at its infixes.
3. Sequences of tokens that spell a special case which the steps above cannot see (one
   containing punctuation, such as «:-)» or «°C.») are re-tokenised as that special case:
   longest first, then leftmost, as spaCy's special-case matcher filters them.

Tokens are `(start, end)` code point offsets. tests/exports/test_ar_tokenizer.py compares
the tokens with spaCy's on the seed article, the export fixtures and generated text."""

from __future__ import annotations

import re

from . import ar_tokenizer_data as data

_prefix_search = re.compile(data.PREFIXES).search
_suffix_search = re.compile(data.SUFFIXES).search
_infix_finditer = re.compile(data.INFIXES).finditer
_url_match = re.compile(data.URL_MATCH).match
SPECIALS: dict[str, tuple[str, ...]] = data.RULES


def _prefix_length(string: str) -> int:
    match = _prefix_search(string)
    return match.end() - match.start() if match is not None else 0


def _suffix_length(string: str) -> int:
    match = _suffix_search(string)
    return match.end() - match.start() if match is not None else 0


def _piece_lengths(string: str, specials: bool) -> list[int]:
    """The lengths of the tokens of one run (`Tokenizer._tokenize`, without the cache,
    which only remembers what this computes)."""
    if specials and string in SPECIALS:
        return [len(orth) for orth in SPECIALS[string]]
    prefixes: list[int] = []
    suffixes: list[int] = []
    last_size = 0
    # Tokenizer._split_affixes
    while string and len(string) != last_size:
        if specials and string in SPECIALS:
            break
        last_size = len(string)
        pre_len = _prefix_length(string)
        if pre_len:
            minus_pre = string[pre_len:]
            if minus_pre and specials and minus_pre in SPECIALS:
                string = minus_pre
                prefixes.append(pre_len)
                break
        suf_len = _suffix_length(string[pre_len:])
        if suf_len:
            minus_suf = string[:-suf_len]
            if minus_suf and specials and minus_suf in SPECIALS:
                string = minus_suf
                suffixes.append(suf_len)
                break
        if pre_len and suf_len and pre_len + suf_len <= len(string):
            string = string[pre_len:-suf_len]
            prefixes.append(pre_len)
            suffixes.append(suf_len)
        elif pre_len:
            string = string[pre_len:]
            prefixes.append(pre_len)
        elif suf_len:
            string = string[:-suf_len]
            suffixes.append(suf_len)
    # Tokenizer._attach_tokens
    lengths = prefixes
    if string:
        if specials and string in SPECIALS:
            lengths.extend(len(orth) for orth in SPECIALS[string])
        elif _url_match(string):
            lengths.append(len(string))
        else:
            start = 0
            for match in _infix_finditer(string):
                infix_start, infix_end = match.start(), match.end()
                if infix_start == 0:  # an infix at the very start is not one
                    continue
                if infix_start != start:
                    lengths.append(infix_start - start)
                if infix_start != infix_end:
                    lengths.append(infix_end - infix_start)
                start = infix_end
            if start < len(string):
                lengths.append(len(string) - start)
    lengths.extend(reversed(suffixes))
    return lengths


def _affix_tokens(text: str, specials: bool) -> list[tuple[int, int]]:
    """Steps 1 and 2 (`Tokenizer._tokenize_affixes`)."""
    tokens: list[tuple[int, int]] = []
    if not text:
        return tokens

    def add(start: int, end: int) -> None:
        position = start
        for length in _piece_lengths(text[start:end], specials):
            tokens.append((position, position + length))
            position += length

    start = 0
    in_space = text[0].isspace()
    for i, char in enumerate(text):
        if char.isspace() != in_space:
            if start < i:
                add(start, i)
            start = i + 1 if char == " " else i
            in_space = not in_space
    if start < len(text):
        add(start, len(text))
    return tokens


def _special_patterns() -> dict[str, list[tuple[str, ...]]]:
    """The special cases the matcher looks for (those with a prefix, suffix or infix, or
    a space), as the texts of their tokens without special cases, by first token."""
    patterns: dict[str, list[tuple[str, ...]]] = {}
    for string in sorted(SPECIALS):
        if (
            _prefix_length(string)
            or _suffix_length(string)
            or next(_infix_finditer(string), None)
            or " " in string
        ):
            pattern = tuple(string[a:b] for a, b in _affix_tokens(string, False))
            if pattern:
                patterns.setdefault(pattern[0], []).append(pattern)
    return patterns


_patterns: dict[str, list[tuple[str, ...]]] | None = None


def _apply_special_cases(text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Step 3 (`Tokenizer._apply_special_cases`)."""
    global _patterns
    if _patterns is None:
        _patterns = _special_patterns()
    words = [text[a:b] for a, b in tokens]
    matches = set()
    for i, word in enumerate(words):
        for pattern in _patterns.get(word, ()):
            if tuple(words[i : i + len(pattern)]) == pattern:
                matches.add((i, i + len(pattern)))
    if not matches:
        return tokens
    # Longest first, then leftmost; a match is kept unless its first or last token is in
    # one already considered (kept or not), exactly as spaCy filters them.
    seen: set[int] = set()
    kept = []
    for first, end in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
        if first not in seen and end - 1 not in seen:
            kept.append((first, end))
        seen.update(range(first, end))
    result: list[tuple[int, int]] = []
    position = 0
    for first, end in sorted(kept):
        result.extend(tokens[position:first])
        start = tokens[first][0]
        orths = SPECIALS.get(text[start : tokens[end - 1][1]])
        if orths is None:
            result.extend(tokens[first:end])
        else:
            for orth in orths:
                result.append((start, start + len(orth)))
                start += len(orth)
        position = end
    result.extend(tokens[position:])
    return result


def tokenize(text: str) -> list[tuple[int, int]]:
    """spaCy blank-ar tokens of `text`, whitespace tokens included, as `(start, end)`."""
    return _apply_special_cases(text, _affix_tokens(text, True))
