"""Terms to regular expressions: the small language rule authors write cues in.

A term is matched on folded text (see triage.classify.text.fold), so case and Latin
accents never matter. Syntax:

- `smuggling gang`   a phrase; words may be separated by spaces, hyphens or punctuation
- `smuggl*`          `*` stands for any word characters (stems: smuggler, smuggling)
- `sign* .. agreement`  `..` allows up to six words in between, within one sentence
- `re:<regex>`       a raw regular expression, for the rare case the above cannot say
- Japanese (and other unspaced scripts) match anywhere, without word boundaries.
"""

from __future__ import annotations

import re

from triage.classify.text import fold

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# Between the words of a phrase: spaces, hyphens, commas, quotes, and a decimal point (1.2
# million), but not a sentence's end.
_SEP = r"(?:[^\w.;!?]|(?<=\d)\.(?=\d))+"
_GAP = rf"(?:{_SEP}\w+){{0,6}}?{_SEP}"  # `..`: a few words, same sentence


class TermError(ValueError):
    """A term that cannot be compiled (bad raw regex, empty phrase)."""


def term_pattern(term: str) -> str:
    """The regex fragment for one term (not compiled)."""
    raw = term.strip()
    if raw.startswith("re:"):
        pattern = raw[3:].strip()
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TermError(f"invalid regular expression {pattern!r}: {exc}") from None
        return pattern
    folded = fold(raw)
    words = folded.split()
    if not words or all(w == ".." for w in words):
        raise TermError(f"empty term {term!r}")
    if words[0] == ".." or words[-1] == "..":
        raise TermError(f"term {term!r} cannot start or end with '..'")
    pieces: list[str] = []
    for i, word in enumerate(words):
        if word == "..":
            pieces.append(_GAP)
            continue
        if i > 0 and words[i - 1] != "..":
            pieces.append(_SEP)
        # A hyphen inside a word also matches a space or nothing: anti-trafficking, cross border.
        piece = "".join(r"\w*" if ch == "*" else (r"[-\s]?" if ch == "-" else re.escape(ch)) for ch in word)
        pieces.append(piece)
    body = "".join(pieces)
    cjk = bool(_CJK.search(folded))
    first, last = folded[0], folded[-1]
    prefix = "" if cjk or not (first.isalnum() or first == "_") else r"(?<!\w)"
    suffix = "" if cjk or not (last.isalnum() or last in "_*") else r"(?!\w)"
    return f"{prefix}{body}{suffix}"


def compile_terms(terms: list[str]) -> re.Pattern[str]:
    """One alternation for a list of terms; longer terms first so the longest one wins."""
    fragments = sorted({term_pattern(t) for t in terms}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{f})" for f in fragments))


# --- fast matching -------------------------------------------------------------------------
# A cue may list hundreds of terms; trying one big alternation at every position of every
# item is slow. Each term is filed under a *trigger*: a literal run of word characters that
# must begin a word of any text the term matches. An item's index holds the prefixes of its
# words, so a cue runs only the few terms whose trigger occurs in the item.

_TOKEN = re.compile(r"\w+")
_RUN = re.compile(r"(?:(?<=^)|(?<=[^\w\-*]))(\w+)")
MAX_TRIGGER = 12


class TextIndex:
    """A folded text with the prefixes of its words (2 to 12 characters)."""

    __slots__ = ("text", "prefixes", "cjk")

    def __init__(self, folded: str):
        self.text = folded
        words = set(_TOKEN.findall(folded))
        self.prefixes = {w[:k] for w in words for k in range(2, min(len(w), MAX_TRIGGER) + 1)}
        self.cjk = bool(_CJK.search(folded))


def trigger(term: str) -> str | None:
    """The longest literal run that starts a word in every match of the term; None if there is none."""
    raw = term.strip()
    if raw.startswith("re:"):
        return None
    folded = fold(raw)
    if _CJK.search(folded):
        return "\u3000cjk"
    best = ""
    for word in folded.split():
        if word == "..":
            continue
        # runs at the start of the word or after an apostrophe; a hyphen may vanish ("anti-trafficking")
        for run in _RUN.findall(word.split("*")[0]):
            if len(run) > len(best):
                best = run
    return best[:MAX_TRIGGER] if len(best) >= 2 else None


# On long texts a term is searched only around the words that trigger it: a match can start
# at most BEFORE characters ahead of its trigger word (a few words, a `..` gap) and end
# within AFTER characters of it. Windows end at a space so no word is cut in two.
WINDOW_FROM, BEFORE, AFTER = 1500, 160, 260


def _windowed(rx: re.Pattern[str], key: str, text: str) -> re.Match[str] | None:
    covered = -1
    i = text.find(key)
    while i != -1:
        if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and i + len(key) > covered:
            start = max(0, i - BEFORE)
            end = text.find(" ", i + AFTER)
            end = len(text) if end == -1 else end
            m = rx.search(text, start, end)
            if m:
                return m
            covered = end - len(key)
        i = text.find(key, i + 1)
    return None


class TermMatcher:
    """Terms compiled for fast search on an indexed text; same matches as one big alternation."""

    def __init__(self, terms: list[str]):
        groups: dict[str | None, list[str]] = {}
        for term in terms:
            groups.setdefault(trigger(term), []).append(term)
        self._always = compile_terms(groups.pop(None)) if None in groups else None
        self._cjk = compile_terms(groups.pop("\u3000cjk")) if "\u3000cjk" in groups else None
        self._keyed = {key: compile_terms(ts) for key, ts in groups.items()}
        self._keys = frozenset(self._keyed)

    def _patterns(self, index: TextIndex) -> list[re.Pattern[str]]:
        found = [self._keyed[k] for k in self._keys & index.prefixes]
        if self._always is not None:
            found.append(self._always)
        if self._cjk is not None and index.cjk:
            found.append(self._cjk)
        return found

    def search(self, index: TextIndex) -> str | None:
        text = index.text
        long = len(text) > WINDOW_FROM
        for key in self._keys & index.prefixes:
            m = _windowed(self._keyed[key], key, text) if long else self._keyed[key].search(text)
            if m:
                return m.group(0)
        for rx in (self._always, self._cjk if index.cjk else None):
            if rx is not None:
                m = rx.search(text)
                if m:
                    return m.group(0)
        return None

    def finditer(self, index: TextIndex) -> list[re.Match[str]]:
        return [m for rx in self._patterns(index) for m in rx.finditer(index.text)]

    def sub(self, index: TextIndex, repl: str = " ") -> str:
        text = index.text
        for rx in self._patterns(index):
            text = rx.sub(repl, text)
        return text
