"""`triage catalogue draft`: a catalogue entry from a methodology chapter, without an LLM.

Reads the chapter (triage.catalogue.methodology), takes what each section says into the
catalogue's fields, reads the scoring rule twice (triage.catalogue.prose_rule), proposes
the rule to use, and lists for the lead, each with its line, whatever could not be read
with confidence. The entry replaces (or joins) its commitment in a base catalogue, so the
file written is a whole catalogue that `triage catalogue validate` and `triage score` take.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from triage.catalogue.methodology import Chapter, Paragraph, read_chapter
from triage.catalogue.prose_rule import NUMBERS, Reading, propose, read_interpretive, read_table
from triage.catalogue.review import CommitmentReview, review_commitment
from triage.catalogue.schema import Catalogue, Citation, Commitment, Dimension, Exclusion, Guidance, PublishedRule, Scoring
from triage.errors import Problem

FEATURES, DEFINITIONS, INTERPRETIVE, TABLE = (
    "Commitment Features",
    "Definitions and Concepts",
    "General Interpretive Guidelines",
    "Scoring Guidelines",
)
_DIM_ITEM = re.compile(r"^(?:[-•–]\s*)?(?P<n>\d{1,2})[.)]\s+(?P<name>[^:]{1,60}?):\s*(?P<desc>.+)$")
_FEATURE_ITEM = re.compile(r"(?<![\w.])(?P<n>\d{1,2})\)\s+(?P<name>[^,;.)]+?)(?=\s*(?:,|;|\.|\band\b\s+\d{1,2}\)|$))")
_FEATURE_COUNT = re.compile(r"\b(?:having|has|of|in)\s+(?P<n>\w+)\s+(?:components|dimensions|parts|elements|pillars)\b", re.IGNORECASE)
_DEFINITION = re.compile(r"^[\"“](?P<term>[^\"”]+)[\"”]\s+(?:is|are)\s+understood\s+to\s+(?:mean|refer\s+to)\s+(?P<text>.+)$", re.IGNORECASE)
_EXAMPLES = re.compile(
    r"^Examples\s+of\s+(?P<kind>strong|weak|contradictory)\s+actions?(?P<about>.*?)\s+(?:include|includes|are|may\s+include|can\s+include)\s+(?P<list>.+?)\.?$",
    re.IGNORECASE,
)
_INCLUDES = re.compile(r"\b(?:may|can|could|might|would|will)?\s*(?:involve|include)s?\s+(?P<list>.+)$", re.IGNORECASE)
_COMMITMENT_REF = re.compile(r"\bCommitment\s+(?P<n>\d{1,2})\b")
_EXCLUDING = re.compile(r"\bexclud|\bseparately\b|\bassessed\s+under\b|\bbelongs?\s+to\b", re.IGNORECASE)
_QUOTES = "\"“”'‘’"


@dataclass
class Draft:
    commitment: Commitment
    chapter: Chapter
    readings: list[Reading] = field(default_factory=list)
    for_lead: list[Problem] = field(default_factory=list)  # each with the chapter's line
    review: CommitmentReview | None = None

    def note(self, message: str, line: int | None) -> None:
        self.for_lead.append(Problem(message, self.chapter.path, line))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text) if s.strip()]


def _list_items(text: str) -> list[str]:
    """'A, B, and C to the end of D' -> ['A', 'B', 'C to the end of D']."""
    text = re.sub(r",?\s+such\s+as\s+[^,]+,", "", text.strip().rstrip("."))
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?", text) if p.strip()]
    return [p[0].upper() + p[1:] for p in parts if len(p) > 2]


def _key(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    first = re.findall(r"[a-z0-9]+", ascii_name)
    return first[0] if first and first[0][0].isalpha() else "dim_" + "_".join(first or ["x"])


def _sentence_case(name: str) -> str:
    words = name.split()
    return " ".join([words[0][:1].upper() + words[0][1:].lower(), *(w.lower() if not w.isupper() else w for w in words[1:])]) if words else name


def _paras(chapter: Chapter, section: str) -> list[Paragraph]:
    return chapter.sections.get(section, [])


def read_dimensions(d: Draft) -> list[Dimension]:
    ch = d.chapter
    items = [(p, m) for p in _paras(ch, INTERPRETIVE) if (m := _DIM_ITEM.match(p.text))]
    features = " ".join(p.text for p in _paras(ch, FEATURES))
    feature_line = next((p.line for p in _paras(ch, FEATURES)), ch.section_lines.get(FEATURES))
    feature_items = list(_FEATURE_ITEM.finditer(features))
    said = _FEATURE_COUNT.search(features)
    said_n = None
    if said:
        word = said["n"].casefold()
        said_n = int(word) if word.isdigit() else NUMBERS.get(word)
    dims: list[Dimension] = []
    if items:
        for expected, (p, m) in enumerate(items, start=1):
            n = int(m["n"])
            if n != expected:
                d.note(f"dimension numbered {n} where {expected} was expected: check the numbering", p.line)
            name = _sentence_case(m["name"].strip())
            desc = m["desc"].strip()
            strong: list[str] = []
            inc = _INCLUDES.search(desc)
            if inc:
                strong = _list_items(inc["list"])
            dims.append(Dimension(key=_key(name), name=name, description=desc, strong=strong))
    elif feature_items:
        for expected, m in enumerate(feature_items, start=1):
            if int(m["n"]) != expected:
                d.note(f"component numbered {m['n']} where {expected} was expected: check the numbering", feature_line)
            name = _sentence_case(m["name"].strip())
            dims.append(
                Dimension(
                    key=_key(name), name=name, description=f"To {m['name'].strip()} (from the Commitment Features; no description in the guidelines)."
                )
            )
        d.note("the dimensions are named only in the Commitment Features: write each dimension's description", feature_line)
    if feature_items and items and len(feature_items) != len(items):
        d.note(f"the Commitment Features number {len(feature_items)} components but the guidelines list {len(items)} dimensions", feature_line)
    if said is not None and said_n is not None and dims and said_n != len(dims):
        d.note(f"the Commitment Features say {said['n']} components but {len(dims)} dimensions were found", feature_line)
    seen: dict[str, int] = {}
    for dim in dims:
        if dim.key in seen:
            seen[dim.key] += 1
            d.note(f"two dimensions start with the word {dim.key!r}: the second is keyed {dim.key}_{seen[dim.key]}", feature_line)
            dim.key = f"{dim.key}_{seen[dim.key]}"
        else:
            seen[dim.key] = 1
    if not dims:
        # Scored on the commitment's action as a whole: one dimension, said plainly.
        desc = features or (ch.quote.text.strip(_QUOTES) if ch.quote else ch.title)
        dims.append(Dimension(key="action", name="Action", description=desc))
        d.note("the text names no dimensions: the commitment is scored as one dimension 'action'", feature_line)
    return dims


def read_definitions(d: Draft) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in _paras(d.chapter, DEFINITIONS):
        m = _DEFINITION.match(p.text)
        if not m:
            d.note(f"not read as a definition ('\"Term\" is understood to mean ...'): {p.text[:70]!r}", p.line)
            continue
        text = m["text"].strip()
        if text[:1] in _QUOTES and text.count('"') + text.count("“") + text.count("”") == 2 and text[-1] in _QUOTES + ".":
            text = text.strip(_QUOTES + ".").strip() + "."
        out[m["term"].strip()] = text[0].upper() + text[1:] if text else text
    return out


def read_guidance(d: Draft, dims: list[Dimension]) -> Guidance | None:
    guidance = Guidance()
    by_name = {dim.key: dim for dim in dims}
    for p in _paras(d.chapter, INTERPRETIVE):
        for sentence in _sentences(p.text):
            m = _EXAMPLES.match(sentence)
            if not m:
                continue
            items = _list_items(m["list"])
            about = m["about"].casefold()
            target = next((dim for key, dim in by_name.items() if re.search(rf"\b{re.escape(key)}\b", about)), None)
            kind = m["kind"].casefold()
            if target is not None and kind in ("strong", "weak"):
                getattr(target, kind).extend(items)
            else:
                getattr(guidance, kind).extend(items)
    for p in _paras(d.chapter, INTERPRETIVE):
        if re.search(r"\bcontradictory\b", p.text) and not guidance.contradictory:
            guidance.contradictory.append("Action contradictory to the commitment (see the scoring guidelines)")
            break
    return guidance if (guidance.strong or guidance.weak or guidance.contradictory) else None


def read_exclusions(d: Draft, numbers: set[int]) -> list[Exclusion]:
    out: list[Exclusion] = []
    for section in (FEATURES, DEFINITIONS, INTERPRETIVE, TABLE):
        for p in _paras(d.chapter, section):
            for sentence in _sentences(p.text):
                for m in _COMMITMENT_REF.finditer(sentence):
                    n = int(m["n"])
                    if n == d.chapter.number:
                        continue
                    if not _EXCLUDING.search(sentence):
                        d.note(f"refers to commitment {n} without saying it excludes evidence: check whether an exclusion is meant", p.line)
                        continue
                    if numbers and n not in numbers:
                        d.note(f"excludes evidence for commitment {n}, which is not in the catalogue", p.line)
                        continue
                    if all(e.belongs_to != n for e in out):
                        out.append(Exclusion(description=sentence, belongs_to=n))
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def read_quote_source(d: Draft) -> Citation | None:
    ch = d.chapter
    if ch.quote_source is None:
        return None
    wanted = _words(ch.quote_source.text)
    best, best_score = None, 0.0
    for fn in ch.footnotes:
        cite = fn.citation()
        if cite is None:
            continue
        have = _words(cite["title"])
        score = len(wanted & have) / len(wanted | have) if wanted | have else 0
        if score > best_score:
            best, best_score = cite, score
    if best is None or best_score < 0.6:
        d.note(f"no footnote cites the quote's source {ch.quote_source.text!r}: write quote_source", ch.quote_source.line)
        return None
    date = None
    if best["date"]:
        try:
            date = dt.datetime.strptime(best["date"], "%d %B %Y").date()
        except ValueError:
            d.note(f"the source's date {best['date']!r} could not be read", ch.quote_source.line)
    return Citation.model_validate({**best, "date": date})


def draft_commitment(path: Path, number: int | None = None, catalogue: Catalogue | None = None) -> Draft:
    chapter = read_chapter(Path(path), number)
    title_only = Commitment(number=chapter.number, area=chapter.area, title=chapter.title)
    d = Draft(title_only, chapter)
    d.for_lead.extend(chapter.problems)
    if catalogue is not None:
        listed = catalogue.commitment(chapter.number)
        if listed is None:
            d.note(f"commitment {chapter.number} is not in catalogue {catalogue.id}: it is added", chapter.heading_line)
        elif (listed.area, listed.title) != (chapter.area, chapter.title):
            d.note(f"the catalogue lists commitment {chapter.number} as '{listed.area}: {listed.title}'", chapter.heading_line)
    dims = read_dimensions(d)
    c = Commitment(
        number=chapter.number,
        area=chapter.area,
        title=chapter.title,
        quote=chapter.quote.text.strip(_QUOTES).strip() if chapter.quote else None,
        quote_source=read_quote_source(d),
        definitions=read_definitions(d),
        dimensions=dims,
        guidance=read_guidance(d, dims),
        exclusions=read_exclusions(d, {x.number for x in catalogue.commitments} if catalogue else set()),
    )
    n = len(dims)
    interp = read_interpretive([(p.line, p.text) for p in _paras(chapter, INTERPRETIVE)], n)
    table = read_table([(p.line, p.text) for p in _paras(chapter, TABLE)], n)
    d.readings = [r for r in (interp, table) if r.rule is not None]
    for r in (interp, table):
        for line, message in r.problems:
            d.note(message, line)
    proposal = propose(d.readings, c.dimension_keys)
    if proposal is None:
        d.note("no scoring rule could be read: write scoring.rule", chapter.section_lines.get(TABLE) or chapter.section_lines.get(INTERPRETIVE))
    else:
        published = {r.name: PublishedRule(source=r.source, text=r.text, rule=r.rule) for r in d.readings if r.rule is not None}
        resolution = "Drafted by `triage catalogue draft`, for the lead to confirm: " + "; ".join(proposal.steps) + "."
        c.scoring = Scoring(rule=proposal.rule, published=published, resolution=resolution)
    d.commitment = c
    d.review = review_commitment(c)
    if c.scoring is not None and d.review.disagreements:
        plain = [x for x in d.review.disagreements if "no contradictory" in x.case]
        said = "; ".join(f"{x.case}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in x.scores.items()) for x in plain)
        if said:
            c.scoring.resolution = (c.scoring.resolution or "") + f" The texts disagree on: {said}."
    _report_gaps(d)
    return d


def _report_gaps(d: Draft) -> None:
    """Every case a reading or the proposal leaves unscored or scores twice, at the line of that text."""
    r = d.review
    if r is None:
        return
    lines = {x.name: (min(x.lines.values()) if x.lines else None) for x in d.readings}

    def cases(groups) -> str:
        return "; ".join(f"{g.words()} ({g.combinations})" for g in groups)

    for check in r.published:
        plain = [g for g in check.coverage.uncovered if not g.contradictory]
        if plain:
            d.note(f"{check.source}: no score for {cases(plain)}", lines.get(check.name))
    if r.rule is not None:
        cov = r.rule.coverage
        line = d.chapter.section_lines.get(TABLE) or d.chapter.section_lines.get(INTERPRETIVE)
        if cov.uncovered:
            d.note(f"the proposed rule gives no score for {cases(cov.uncovered)}: write these cases in scoring.rule", line)
        if cov.conflicting:
            d.note(f"the proposed rule gives two scores for {cases(cov.conflicting)}: resolve them in scoring.rule", line)


# --- writing ----------------------------------------------------------------------------------


def merge(catalogue: Catalogue, c: Commitment) -> Catalogue:
    """The catalogue with `c` in place of the commitment of the same number (or added in order)."""
    others = [x for x in catalogue.commitments if x.number != c.number]
    merged = catalogue.model_copy(deep=True)
    merged.commitments = sorted([*others, c], key=lambda x: x.number)
    return merged


def _dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def render(catalogue: Catalogue, d: Draft) -> str:
    """YAML of the catalogue with the drafted entry; what is for the lead written above it as comments."""
    head = catalogue.model_dump(mode="json", exclude_none=True, exclude={"commitments"})
    out = [f"# Catalogue {catalogue.id}, with commitment {d.commitment.number} drafted from {d.chapter.path.name}.", _dump(head), "commitments:\n"]
    for c in catalogue.commitments:
        if c.number == d.commitment.number:
            out.append(f"  # Drafted by `triage catalogue draft` from {d.chapter.path.name}; for the lead to check.\n")
            for p in d.for_lead:
                out.append(f"  # LEAD: line {p.line}: {p.message}\n" if p.line else f"  # LEAD: {p.message}\n")
            body = c.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            body = {"number": c.number, "area": c.area, "title": c.title, **body}
            text = _dump([body])
            out.append("".join("  " + line + "\n" for line in text.splitlines()))
        elif not c.complete and not c.dimensions and c.scoring is None and c.quote is None:
            out.append(f"  - {{number: {c.number}, area: {_flow(c.area)}, title: {_flow(c.title)}}}\n")
        else:
            body = c.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            body = {"number": c.number, "area": c.area, "title": c.title, **body}
            out.append("".join("  " + line + "\n" for line in _dump([body]).splitlines()))
    return "".join(out)


def _flow(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z][\w .-]*", text) else yaml.safe_dump(text, default_style='"').strip()
