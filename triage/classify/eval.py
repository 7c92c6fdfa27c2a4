"""Score a backend against labeled items: the research group's check before trusting a model.

Gold lines: {"id", "title", "text", "url", "publisher", "published", "gold": [{"member",
"commitment", "dimensions": [...], "strength"}]}; "gold": [] means evidence for nothing,
and a null member, dimensions or strength means "not labeled". Every item goes through
the pipeline as deployed: the pre-filter, then the backend on candidates only.

Definitions (docs/classification.md has them with examples):

- Items are documents: gold lines with the same content (title and text, compared as
  Triage's content hash compares them) are one item with all their labels, just as Triage
  stores one item per content hash. Reports cite one press release once per member, so
  a gold file often repeats a document; scored line by line, the same suggestion would
  be right on one line and wrong on its twin. `lines` counts the lines, and
  `dimension_per_line` gives the line-by-line figure for comparison.
- Scope: only the commitments the gold file labels. A suggestion for another commitment
  is reported under `other_commitments`, never counted as an error (a border-control item
  may be true evidence for commitment 18); so are the rules' exclusions.
- Relevance: an item is relevant when it has a gold entry (predicted: a valid suggestion)
  for a scoped commitment. Precision, recall and F1 over items.
- Member accuracy: over relevant gold items with a labeled member, the share whose gold
  members (per commitment) are all among the members suggested for that commitment.
  A relevant item the backend missed counts as wrong.
- Dimension precision/recall/F1: over (item, commitment, member, dimension) tuples. Gold
  tuples come from entries with a member and a non-empty dimension list. Predicted tuples
  are left out where the gold cannot judge them: for an (item, commitment, member) whose
  gold entry has no dimensions labeled, and for items whose gold member is not labeled.
- Strength accuracy: over gold entries with a member and a strength labeled whose
  member the backend suggested: the strongest suggested strength for that member must
  equal the gold strength.
- Pre-filter: share of gold evidence items it kept (`evidence_kept`) and share of
  non-evidence items it sent on to the classifier (`non_evidence_sent`).
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.schema import Catalogue
from triage.classify.base import Classification, Classifier, ItemInput
from triage.classify.eval_errors import errors
from triage.classify.llm.budget import BudgetExhausted
from triage.classify.prefilter import Prefilter
from triage.classify.text import parse_partial_date
from triage.errors import InputError, Problem
from triage.inputs import model_problems


class _GoldEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    member: str | None = None
    commitment: int
    dimensions: list[str] | None = None
    strength: str | None = Field(None, pattern="^(strong|weak)$")


class _GoldLine(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    title: str | None = ""
    text: str = ""
    url: str | None = None
    publisher: str | None = None
    published: str | None = None
    language: str | None = None
    gold: list[_GoldEntry]


@dataclass
class GoldEntry:
    member: str | None  # member key, or None when not labeled
    commitment: int
    dimensions: list[str] | None  # None (or empty) when not labeled
    strength: str | None


@dataclass
class GoldItem:
    id: str
    line: int
    item: ItemInput
    gold: list[GoldEntry]
    ids: list[str] = field(default_factory=list)  # every gold line merged into this item


def merge_documents(lines: list[GoldItem]) -> list[GoldItem]:
    """One item per document: lines with the same content hash pool their labels."""
    by_hash: dict[str, GoldItem] = {}
    for g in lines:
        key = g.item.hash
        if key in by_hash:
            first = by_hash[key]
            first.ids.append(g.id)
            first.gold.extend(e for e in g.gold if e not in first.gold)
        else:
            by_hash[key] = GoldItem(g.id, g.line, g.item, list(g.gold), [g.id])
    return list(by_hash.values())


def _lines(path: Path, problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    """Every line's object. Unlike read_jsonl, a malformed line is a problem and reading goes on, so a
    file is refused with all its bad lines at once rather than one per attempt."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path) from None
    for lineno, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"malformed JSON: {exc.msg} (column {exc.colno})", path, lineno))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem("expected a JSON object on each line", path, lineno))
            continue
        yield lineno, obj


def read_gold(path: str | Path, catalogue: Catalogue) -> list[GoldItem]:
    """Read and check a gold file; an unknown member or dimension is an error on its line."""
    path = Path(path)
    index = CatalogueIndex.from_catalogue(catalogue)
    problems: list[Problem] = []
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for lineno, obj in _lines(path, problems):
        try:
            line = _GoldLine.model_validate(obj)
        except ValidationError as exc:
            problems += model_problems(exc, path, lineno)
            continue
        if line.id in seen:
            problems.append(Problem(f"duplicate id {line.id!r} (first at line {seen[line.id]})", path, lineno))
        seen.setdefault(line.id, lineno)
        entries: list[GoldEntry] = []
        for entry in line.gold:
            for dim in entry.dimensions or [None]:
                found, bad = index.problems(member=entry.member, commitment=entry.commitment, dimension=dim)
                problems += [
                    Problem(pr.message, path, lineno, pr.field) for pr in bad if pr.message not in {q.message for q in problems if q.line == lineno}
                ]
            if found.commitment is None or (entry.member is not None and found.member is None):
                continue
            entries.append(GoldEntry(found.member.key if found.member else None, entry.commitment, entry.dimensions or None, entry.strength))
        item = ItemInput(
            title=line.title or "",
            text=line.text,
            url=line.url,
            publisher=line.publisher,
            language=line.language,
            published=parse_partial_date(line.published),
            ref=line.id,
        )
        items.append(GoldItem(line.id, lineno, item, entries, [line.id]))
    if problems:
        raise InputError(problems)
    if not items:
        raise InputError("the gold file has no items", path)
    return items


@dataclass
class Predicted:
    """A backend's valid suggestions for one item, as (commitment, member key, dimension, strength)."""

    routed: bool
    suggestions: list[tuple[int, str, str, str]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    classification: Classification | None = None
    skipped: str | None = None  # e.g. "budget": not classified at all
    route: str = ""  # the pre-filter's reason (which cue routed it, or none)
    before_stage: list[tuple[int, str, str, str]] | None = None  # the backend's own suggestions, before the learned stage


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


_INDEXES: dict[int, tuple[Catalogue, CatalogueIndex]] = {}


def _index_of(catalogue: Catalogue) -> CatalogueIndex:
    """The runtime catalogue of a file's catalogue, built once per catalogue object (evaluation checks every item)."""
    kept = _INDEXES.get(id(catalogue))
    if kept is None or kept[0] is not catalogue:
        if len(_INDEXES) > 8:  # a process evaluates a handful of catalogues; keep it bounded
            _INDEXES.clear()
        kept = _INDEXES[id(catalogue)] = (catalogue, CatalogueIndex.from_catalogue(catalogue))
    return kept[1]


def _valid(catalogue: Catalogue, classification: Classification) -> tuple[list[tuple[int, str, str, str]], list[str]]:
    """The proposals store_suggestion would accept, by catalogue key; the rest with reasons."""
    ok, invalid = [], []
    index = _index_of(catalogue)
    for out in classification.proposals:
        p = out.proposal
        found, problems = index.problems(member=p.member or "", commitment=p.commitment, dimension=p.dimension)
        if problems:
            invalid.append("; ".join(x.message for x in problems))
        elif p.strength not in ("strong", "weak"):
            invalid.append(f"strength {p.strength!r}")
        else:
            assert found.member is not None
            ok.append((p.commitment, found.member.key, p.dimension, p.strength))
    return ok, invalid


def predict(
    items: list[GoldItem],
    classifier: Classifier,
    prefilter: Prefilter,
    catalogue: Catalogue,
    concurrency: int = 1,
    progress: Callable[[int, int], None] | None = None,
    on_calls: Callable[[list], None] | None = None,
    stage=None,
) -> list[Predicted]:
    """Run the pipeline (pre-filter, then the backend on candidates, then the learned stage if any) over gold items."""
    results: list[Predicted | None] = [None] * len(items)
    reasons: list[str] = [""] * len(items)
    routes: list[list[int]] = [[] for _ in items]
    todo: list[int] = []
    for i, g in enumerate(items):
        route = prefilter.route(g.item)
        if route.candidate:
            todo.append(i)
        else:
            results[i] = Predicted(routed=False, route=route.reason())
        reasons[i] = route.reason()
        routes[i] = route.commitments
    done = len(items) - len(todo)
    if progress:
        progress(done, len(items))
    stop = False

    def one(i: int) -> Predicted:
        nonlocal stop
        if stop:
            return Predicted(routed=True, skipped="budget")
        try:
            classification = classifier.classify(items[i].item)
        except BudgetExhausted:
            stop = True
            return Predicted(routed=True, skipped="budget")
        if on_calls is not None and classification.calls:
            on_calls(classification.calls)
        before = None
        if stage is not None:
            before, _ = _valid(catalogue, classification)
            stage.apply(items[i].item, classification, routes[i])
        ok, invalid = _valid(catalogue, classification)
        return Predicted(True, ok, invalid, classification, route=reasons[i], before_stage=before)

    if classifier.remote and concurrency > 1:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval") as pool:
            for i, result in zip(todo, pool.map(one, todo), strict=True):
                results[i] = result
                done += 1
                if progress:
                    progress(done, len(items))
    else:
        for i in todo:
            results[i] = one(i)
            done += 1
            if progress:
                progress(done, len(items))
    return [r for r in results if r is not None]


def score(items: list[GoldItem], predicted: list[Predicted], catalogue: Catalogue) -> dict:
    """The metrics, exactly as the module docstring defines them."""
    labeled = {e.commitment for g in items for e in g.gold}
    if not labeled:  # a file of negatives only: judge every commitment the catalogue can score
        labeled = {c.number for c in catalogue.commitments if c.complete}
    rel = Counter()
    member_ok = member_n = 0
    gold_t: set[tuple] = set()
    pred_t: set[tuple] = set()
    strength_ok = strength_n = 0
    other: dict[int, Counter] = defaultdict(Counter)
    excluded: Counter = Counter()
    evidence = evidence_kept = non_evidence = non_evidence_sent = 0
    invalid = failed = skipped = cached = 0
    calls = tokens_in = tokens_out = 0
    cost = 0.0
    per_dim: dict[str, Counter] = defaultdict(Counter)

    for g, p in zip(items, predicted, strict=True):
        scoped = [s for s in p.suggestions if s[0] in labeled]
        for s in p.suggestions:
            if s[0] not in labeled:
                other[s[0]]["suggestions"] += 1
        for c in {s[0] for s in p.suggestions if s[0] not in labeled}:
            other[c]["items"] += 1
        c = p.classification
        if c is not None:
            for ex in c.exclusions:
                excluded[f"{ex.commitment}->{ex.belongs_to}"] += 1
            calls += len(c.calls)
            tokens_in += sum(x.tokens_in for x in c.calls)
            tokens_out += sum(x.tokens_out for x in c.calls)
            cost += sum(x.cost_usd for x in c.calls)
            failed += c.failed
            cached += c.cached
        invalid += len(p.invalid)
        skipped += p.skipped is not None

        gold_entries = [e for e in g.gold if e.commitment in labeled]
        is_gold = bool(gold_entries)
        is_pred = bool(scoped)
        rel["tp" if is_gold and is_pred else "fp" if is_pred else "fn" if is_gold else "tn"] += 1
        if is_gold:
            evidence += 1
            evidence_kept += p.routed
        else:
            non_evidence += 1
            non_evidence_sent += p.routed

        suggested: dict[int, set[str]] = defaultdict(set)
        strongest: dict[tuple[int, str], str] = {}
        for commitment, member, _dim, strength in scoped:
            suggested[commitment].add(member)
            if strongest.get((commitment, member)) != "strong":
                strongest[(commitment, member)] = strength

        # Member accuracy: every labeled gold member among the suggested ones.
        pairs = [(e.commitment, e.member) for e in gold_entries if e.member is not None]
        if pairs:
            member_n += 1
            member_ok += all(m in suggested[c_] for c_, m in pairs)

        # Dimensions.
        unknown_member = {e.commitment for e in gold_entries if e.member is None}
        unlabeled_dims = {(e.commitment, e.member) for e in gold_entries if e.member is not None and not e.dimensions}
        for e in gold_entries:
            if e.member is not None and e.dimensions:
                for d in e.dimensions:
                    gold_t.add((g.id, e.commitment, e.member, d))
        for commitment, member, dim, _ in scoped:
            if commitment in unknown_member or (commitment, member) in unlabeled_dims:
                continue
            pred_t.add((g.id, commitment, member, dim))

        # Strength.
        for e in gold_entries:
            if e.member is not None and e.strength is not None and (e.commitment, e.member) in strongest:
                strength_n += 1
                strength_ok += strongest[(e.commitment, e.member)] == e.strength

    for t in gold_t | pred_t:
        key = "tp" if t in gold_t and t in pred_t else "fn" if t in gold_t else "fp"
        per_dim[t[3]][key] += 1

    relevance = _prf(rel["tp"], rel["fp"], rel["fn"])
    relevance["tn"] = rel["tn"]
    return {
        "items": len(items),
        "commitments": sorted(labeled),
        "relevance": relevance,
        "member": {"accuracy": round(member_ok / member_n, 4) if member_n else 0.0, "correct": member_ok, "n": member_n},
        "dimension": _prf(len(gold_t & pred_t), len(pred_t - gold_t), len(gold_t - pred_t)),
        "dimensions": {d: _prf(c["tp"], c["fp"], c["fn"]) for d, c in sorted(per_dim.items())},
        "strength": {"accuracy": round(strength_ok / strength_n, 4) if strength_n else 0.0, "correct": strength_ok, "n": strength_n},
        "prefilter": {
            "evidence_kept": round(evidence_kept / evidence, 4) if evidence else 0.0,
            "non_evidence_sent": round(non_evidence_sent / non_evidence, 4) if non_evidence else 0.0,
            "evidence": evidence,
            "non_evidence": non_evidence,
            "sent": evidence_kept + non_evidence_sent,
        },
        "llm": {"calls": calls, "tokens_in": tokens_in, "tokens_out": tokens_out, "cost_usd": round(cost, 6), "cached": cached, "failed": failed},
        "invalid_dropped": invalid,
        "not_classified": skipped,
        "other_commitments": {str(c): dict(v) for c, v in sorted(other.items())},
        "excluded": dict(excluded),
    }


def evaluate(
    gold_path: str | Path,
    classifier: Classifier,
    prefilter,  # Prefilter, or anything with its route()
    catalogue: Catalogue,
    concurrency: int = 1,
    progress: Callable[[int, int], None] | None = None,
    on_calls: Callable[[list], None] | None = None,
    stage=None,
) -> dict:
    """Read, merge repeated documents, run the pipeline, score. `on_calls` receives each item's LLM requests;
    `stage` is the learned model's stage of the deployed pipeline (what it rescued is reported apart)."""
    lines = read_gold(gold_path, catalogue)
    items = merge_documents(lines)
    started = time.perf_counter()
    predicted = predict(items, classifier, prefilter, catalogue, concurrency, progress, on_calls, stage)
    result = score(items, predicted, catalogue)
    if stage is not None:
        result["learned"] = {"agent": stage.agent, "threshold": stage.threshold}
        result["rescue"] = rescue_report(items, predicted, catalogue, set(result["commitments"]))
    # The same predictions judged line by line (a repeated document counted once per line).
    by_id = {i: p for g, p in zip(items, predicted, strict=True) for i in g.ids}
    per_line = score(lines, [by_id[g.id] for g in lines], catalogue)
    result["errors"] = errors(items, predicted, set(result["commitments"]))
    result["lines"] = len(lines)
    result["dimension_per_line"] = per_line["dimension"]
    result["backend"] = classifier.kind
    result["agent"] = classifier.agent
    result["gold"] = str(gold_path)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def rescue_report(items: list[GoldItem], predicted: list[Predicted], catalogue: Catalogue, labeled: set[int]) -> dict:
    """What the learned model's possible-evidence lane added: the backend alone, and the items it rescued."""
    alone = [
        Predicted(p.routed, p.before_stage if p.before_stage is not None else p.suggestions, p.invalid, None, p.skipped, p.route) for p in predicted
    ]
    base = score(items, alone, catalogue)
    rescued = [
        (g, p)
        for g, p in zip(items, predicted, strict=True)
        if p.classification is not None and any("possible_evidence" in o.flags for o in p.classification.proposals)
    ]
    right = [g.id for g, _ in rescued if any(e.commitment in labeled for e in g.gold)]
    return {
        "items": len(rescued),
        "evidence": len(right),
        "not_evidence": len(rescued) - len(right),
        "suggestions": sum(1 for _, p in rescued for o in p.classification.proposals if "possible_evidence" in o.flags),  # type: ignore[union-attr]
        "rescued_evidence_ids": right,
        "without_rescue": {k: base[k] for k in ("relevance", "member", "dimension", "strength")},
    }
