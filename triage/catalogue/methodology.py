"""Read a commitment's methodology chapter as text extracted from the report's PDF.

The group writes every chapter in the same layout: a heading `N. Area: Title`, the
communiqué quote and its source, then the sections Background, Commitment Features,
Definitions and Concepts, General Interpretive Guidelines and Scoring Guidelines, with
footnotes (citations) interleaved wherever the page broke. This module finds the chapter
and its sections and gives each section back as paragraphs with their line numbers,
footnotes and footnote markers taken out, a paragraph broken by a footnote block joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import InputError, Problem

SECTIONS = ("Commitment Features", "Definitions and Concepts", "General Interpretive Guidelines", "Scoring Guidelines")
OTHER_HEADINGS = ("Assessment", "Background")
SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_RUN = re.compile(f"[{SUPERSCRIPT}]+")
_HEADING = re.compile(r"^(?P<number>\d{1,2})\.\s+(?P<area>[^:\t]+?):\s+(?P<title>[^\t]+?)\s*(?:\t\s*\d*)?$")
_QUOTE_OPEN = ('"', "“", "'", "‘")
# A footnote marker in running text: a number of three or more digits right after a quote
# mark or sentence end ("...repetition." 3046); superscript markers are removed everywhere.
_MARKER = re.compile(r"(?<=[\"”.;:,’)])\s?\d{3,5}(?=\s|$)")
_FOOTNOTE_START = re.compile(rf"^(?:[{SUPERSCRIPT}]+|\d{{3,5}}\s)")
_CITATION = re.compile(
    r"^(?:[" + SUPERSCRIPT + r"]+|\d{3,5})?\s*(?P<title>.+?),\s+(?P<publisher>[^,(]+?)\s+\((?P<city>[^)]+)\)\s+(?P<date>\d{1,2}\s+\w+\s+\d{4}|n\.d)\."
)
_URL = re.compile(r"https?://\S+")
# A line that starts its own paragraph even without a blank line: a list item or a table row.
_ITEM = re.compile(r"^(?:[-•–]\s+|\d{1,2}[.)]\s+|[+\-−–]?\d\s*\t|[+\-−–]?\d\s{2,})")


@dataclass
class Paragraph:
    line: int  # 1-based line of the paragraph's first line in the chapter file
    text: str


@dataclass
class Footnote:
    line: int
    text: str

    def citation(self) -> dict | None:
        """title, publisher, city, date (text) and url as the report cites them, or None."""
        m = _CITATION.match(self.text)
        if not m:
            return None
        url = _URL.search(self.text)
        return {
            "title": m["title"].strip(),
            "publisher": m["publisher"].strip(),
            "city": m["city"].strip(),
            "date": None if m["date"] == "n.d" else m["date"],
            "url": url.group(0).rstrip(".") if url else None,
        }


@dataclass
class Chapter:
    path: Path
    number: int
    area: str
    title: str
    heading_line: int
    quote: Paragraph | None = None
    quote_source: Paragraph | None = None
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)
    section_lines: dict[str, int] = field(default_factory=dict)
    footnotes: list[Footnote] = field(default_factory=list)
    end_line: int = 0
    problems: list[Problem] = field(default_factory=list)

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(message, self.path, line))


def clean(text: str) -> str:
    """Footnote markers out, typographic minus and spaces normalised."""
    text = _SUP_RUN.sub("", text)
    text = _MARKER.sub("", text)
    return re.sub(r"\s+", " ", text.replace("\u2212", "-")).strip()


def _is_footnote(line: str, previous_was_footnote: bool) -> bool:
    s = line.strip()
    if not s:
        return False
    if _FOOTNOTE_START.match(s) and ("Access Date" in s or "n.d." in s or _CITATION.match(s)):
        return True
    if s[0] in SUPERSCRIPT or "Access Date" in s or s.startswith(("http://", "https://")):
        return True
    # A URL or title broken across two lines: a lone fragment without spaces.
    return previous_was_footnote and " " not in s


def find_chapters(lines: list[str]) -> list[tuple[int, re.Match]]:
    """(index, heading match) of every chapter heading: `N. Area: Title` followed by a quote."""
    found = []
    for i, line in enumerate(lines):
        m = _HEADING.match(line.strip())
        if not m:
            continue
        nxt = next((x.strip() for x in lines[i + 1 : i + 6] if x.strip()), "")
        if nxt.startswith(_QUOTE_OPEN):
            found.append((i, m))
    return found


def read_chapter(path: Path, number: int | None = None) -> Chapter:
    """The chapter (of `number`, or the only one in the file) with its sections; problems kept, not raised,
    except when no chapter can be found at all."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the methodology text: {exc}", path) from exc
    lines = raw.splitlines()
    chapters = find_chapters(lines)
    if number is not None:
        chosen = [(i, m) for i, m in chapters if int(m["number"]) == number]
        if not chosen:
            known = ", ".join(m["number"] for _, m in chapters) or "none"
            raise InputError(f"no chapter heading '{number}. Area: Title' followed by the quote (chapters found: {known})", path)
    elif len(chapters) != 1:
        known = ", ".join(m["number"] for _, m in chapters) or "none"
        raise InputError(f"choose the chapter with --commitment (chapters found: {known})", path)
    else:
        chosen = chapters
    start, m = chosen[0]
    later = [i for i, _ in chapters if i > start]
    end = later[0] if later else len(lines)
    chapter = Chapter(path, int(m["number"]), clean(m["area"]), clean(m["title"]), start + 1, end_line=end)
    _split(chapter, lines, start, end)
    return chapter


def _split(chapter: Chapter, lines: list[str], start: int, end: int) -> None:
    current: str | None = None
    buffers: dict[str, list[tuple[int, str]]] = {}
    footnote = False
    pre: list[tuple[int, str]] = []  # between the heading and the first section: quote, source
    headings = {h.casefold(): h for h in (*SECTIONS, *OTHER_HEADINGS)}
    for i in range(start + 1, end):
        line = lines[i]
        s = line.strip()
        name = headings.get(s.casefold())
        if name is not None:
            if name in chapter.section_lines:
                chapter.problem(f"section {name!r} appears twice (first at line {chapter.section_lines[name]})", i + 1)
            current = name
            chapter.section_lines.setdefault(name, i + 1)
            buffers.setdefault(name, [])
            footnote = False
            continue
        if s.startswith(("Compliance Director", "Lead Analyst")):
            current = "staff"
            continue
        footnote = _is_footnote(s, footnote) if s else footnote
        if footnote and s:
            if chapter.footnotes and not _FOOTNOTE_START.match(s) and s[0] not in SUPERSCRIPT:
                chapter.footnotes[-1].text += (" " if " " in s else "") + s  # continuation (URL line)
            else:
                chapter.footnotes.append(Footnote(i + 1, s))
            continue
        target = pre if current is None else buffers.get(current)
        if target is not None:
            target.append((i + 1, line))
    quote_paras = _paragraphs(pre)
    if quote_paras and quote_paras[0].text.startswith(_QUOTE_OPEN):
        chapter.quote = quote_paras[0]
        if len(quote_paras) > 1:
            chapter.quote_source = quote_paras[1]
        else:
            chapter.problem("no source line under the quote", quote_paras[0].line)
    else:
        chapter.problem("no communiqué quote under the heading", chapter.heading_line)
    for name, buf in buffers.items():
        chapter.sections[name] = _paragraphs(buf)
    last = chapter.heading_line
    for name in SECTIONS:
        if name in chapter.section_lines:
            last = chapter.section_lines[name]
            if not chapter.sections.get(name):
                chapter.problem(f"section {name!r} is empty", last)
        else:
            chapter.problem(f"section {name!r} is missing (expected after line {last})", last)


def _paragraphs(buf: list[tuple[int, str]]) -> list[Paragraph]:
    """Blank-line separated paragraphs; one that stops mid-sentence and resumes in lower case
    after a footnote block is joined back; list items ('- 1. ...', '1) ...') stay separate."""
    paras: list[Paragraph] = []
    cur: list[str] = []
    first = 0
    for n, line in [*buf, (0, "")]:
        if line.strip() and cur and _ITEM.match(line.strip()):
            paras.append(Paragraph(first, clean(" ".join(cur))))
            cur = []
        if line.strip():
            if not cur:
                first = n
            cur.append(line.strip())
            continue
        if cur:
            text = clean(" ".join(cur))
            if paras and text[:1].islower() and not paras[-1].text.endswith((".", ":", "?", "!", '"', "”")):
                paras[-1].text += " " + text
            elif text:
                paras.append(Paragraph(first, text))
            cur = []
    return paras
