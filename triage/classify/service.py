"""classify_pending: the classification stage, for the CLI and the scheduler alike.

    item (new | failed, retryable | candidate, lease expired)
      -> claim (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; a conditional UPDATE everywhere)
      -> pre-filter: not_candidate, or candidate
      -> classify (rules inline; LLM in a bounded thread pool)
      -> store suggestions (triage.suggestions.store_suggestion) and the LLM calls
      -> classified | not_relevant | failed (status_reason, attempts)

Every transition is committed as it happens, so a run can be killed at any point: a claimed
item whose worker died is claimed again once its lease expires, failed items are retried on
the next run until `classify_max_attempts`, and an item handed back (budget reached, endpoint
refusing us) keeps its place in the queue. Nothing is lost: each item ends in a known state.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from triage import db
from triage.catalogue import load_catalogue
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.schema import Catalogue
from triage.classify.base import Classification, Classifier, ItemInput, LLMFatalError
from triage.classify.catalogues import build_lanes, generic_only
from triage.classify.injection import injection_signals
from triage.classify.llm.budget import Budget, BudgetExhausted
from triage.classify.llm.log import write_calls
from triage.classify.prefilter import Prefilter, Route
from triage.classify.rules.backend import RulesClassifier
from triage.classify.rules.load import RuleSet, default_rules_path, load_rules
from triage.config import Settings
from triage.errors import ConfigError
from triage.models import Item, LLMCache, Sighting, Source, utcnow
from triage.suggestions import InvalidProposal, store_suggestion

if TYPE_CHECKING:
    from triage.classify.learned.stage import LearnedStage

log = logging.getLogger(__name__)

RULES_BATCH = 200  # items per transaction for the (fast, local) rules backend
BATCH_SECONDS = 0.1  # longest a finished LLM item waits to be stored with others


@dataclass
class Summary:
    backend: str
    agent: str
    items: int = 0  # items taken from the queue this run
    not_candidate: int = 0
    candidates: int = 0
    classified: int = 0
    not_relevant: int = 0
    failed: int = 0
    released: int = 0  # handed back unclassified (budget reached, run stopped)
    suggestions: int = 0  # new suggestions stored
    flagged: int = 0  # ... of which carry a flag (unverified quote, out of period, injection)
    possible_evidence: int = 0  # ... of which the learned model rescued (the rules proposed nothing)
    dropped: int = 0  # proposals refused by validation, recorded in the item's status_reason
    injection_suspected: int = 0
    cached: int = 0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    paused: str | None = None  # why classification paused (daily budget)
    stopped: str | None = None  # why the run stopped (the endpoint refuses us)
    waiting: int = 0  # items still queued when the run paused or stopped
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Pipeline:
    """What a run needs, built once: the catalogue (file and rows), rules, pre-filter, backend."""

    catalogue: Catalogue
    ruleset: RuleSet
    prefilter: Prefilter
    backend: Classifier
    indexes: dict[str, CatalogueIndex] = field(default_factory=dict)  # by catalogue id, when several lanes
    learned: LearnedStage | None = None  # calibrates confidence and rescues what the backend passed over


_LOADED: dict[tuple, tuple[Catalogue, RuleSet]] = {}


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None, None)  # missing: the loader reports it
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def load_ruleset(settings: Settings, catalogue_path: str | Path | None = None) -> tuple[Catalogue, RuleSet]:
    """The catalogue and its compiled rules; kept per process until either file changes
    (compiling the rules takes a noticeable fraction of a second, and the scheduler runs often)."""
    path = Path(catalogue_path or settings.catalogue)
    rules_path = Path(settings.rules or default_rules_path(path))
    key = (_stamp(path), _stamp(rules_path))
    if key not in _LOADED:
        catalogue = load_catalogue(path)
        _LOADED.clear()
        _LOADED[key] = (catalogue, load_rules(rules_path, catalogue))
    return _LOADED[key]


def build_backend(
    settings: Settings, choice: str | None, catalogue: Catalogue, ruleset: RuleSet, database_url: str | None = None, write_cache: bool = True
) -> Classifier:
    """The backend by name (None: the configured default); the LLM one caches and budgets in the database."""
    kind = settings.resolve_backend(choice)
    if kind == "rules":
        return RulesClassifier(ruleset)
    from triage.classify.llm.backend import build_llm_classifier
    from triage.classify.llm.cache import DbCache, MemoryCache

    cache = DbCache(database_url) if database_url else MemoryCache()
    if database_url:
        with db.session_scope(database_url) as session:
            budget = Budget.from_settings(settings, session)
    else:
        budget = Budget.from_settings(settings)
    return build_llm_classifier(settings, catalogue, database_url, cache=cache, budget=budget, write_cache=write_cache)


def log_calls(url: str, records, item_id: int | None = None) -> None:
    """Store LLM requests made outside a classification run (e.g. by `triage eval`)."""
    write_calls(url, [(item_id, records)])


def _pipeline(settings: Settings, session: Session, backend) -> tuple[Pipeline, CatalogueIndex]:
    from triage.classify.learned import stage_for  # scikit-learn is imported only when a run starts

    index = CatalogueIndex.load(session)
    stored_path = Path(index.catalogue.path)
    path = stored_path if stored_path.exists() else Path(settings.catalogue)
    if Path(settings.rules or default_rules_path(path)).exists():
        catalogue, ruleset = load_ruleset(settings, path)
    else:  # nobody has written rules for this catalogue yet (issue 15)
        catalogue, ruleset = generic_only(path, session)
    if catalogue.id != index.catalogue.id:
        raise ConfigError(
            f"the database holds catalogue {index.catalogue.id!r} but {path} is {catalogue.id!r}: "
            "run `triage init` with the catalogue you want to monitor"
        )
    if backend is None or isinstance(backend, str):
        choice = backend
        backend = build_backend(settings, choice, catalogue, ruleset, settings.database_url, write_cache=False)
        # Other active catalogues, and complete commitments without rules: one lane each (issue 15).
        lanes = build_lanes(
            settings, session, (index, catalogue, ruleset, backend), lambda cat, rs: build_backend(settings, choice, cat, rs, settings.database_url)
        )
        if lanes is not None:
            prefilter, multi, indexes = lanes
            return Pipeline(catalogue, ruleset, prefilter, multi, indexes=indexes, learned=stage_for(session, ruleset, settings)), index  # type: ignore[arg-type]
    return Pipeline(catalogue, ruleset, Prefilter(ruleset), backend, learned=stage_for(session, ruleset, settings)), index


def _claimable(now: dt.datetime, settings: Settings, since: dt.date | None, run_started: dt.datetime):
    lease_cutoff = now - dt.timedelta(minutes=settings.classify_lease_minutes)
    condition = or_(
        Item.status == "new",
        # failed before this run started: each run gives a failed item one more try
        and_(
            Item.status == "failed",
            Item.attempts < settings.classify_max_attempts,
            or_(Item.last_attempt_at.is_(None), Item.last_attempt_at < run_started),
        ),
        # claimed by a worker that died (or handed back): the lease has run out
        and_(Item.status == "candidate", or_(Item.last_attempt_at.is_(None), Item.last_attempt_at < lease_cutoff)),
    )
    if since is not None:
        start = dt.datetime.combine(since, dt.time(0), tzinfo=dt.UTC)
        condition = and_(condition, func.coalesce(Item.published_at, Item.fetched_at) >= start)
    return condition


@dataclass
class _Claimed:
    item: ItemInput
    route: Route


class _Run:
    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        index: CatalogueIndex,
        summary: Summary,
        since: dt.date | None,
        limit: int | None,
        progress: Callable[[int, int], None] | None,
    ):
        self.settings = settings
        self.url = settings.database_url
        self.p = pipeline
        self.index = index
        self.summary = summary
        self.since = since
        self.limit = limit
        self.progress = progress
        self.done = 0
        self.total = 0
        self.started = utcnow()
        self.postgres = db.engine_for(self.url).dialect.name == "postgresql"

    # --- queue -------------------------------------------------------------------------------
    def count(self) -> int:
        with db.session_scope(self.url) as s:
            n = s.exec(select(func.count()).select_from(Item).where(_claimable(utcnow(), self.settings, self.since, self.started))).one()
        return min(n, self.limit) if self.limit is not None else n

    def room(self, wanted: int) -> int:
        if self.limit is None:
            return wanted
        return max(0, min(wanted, self.limit - self.summary.items))

    def claim(self, n: int) -> tuple[list[_Claimed], int]:
        """Take up to n items: route each through the pre-filter and mark it, in one short transaction.

        Returns the candidates claimed and how many queued items were seen (0: the queue is
        empty; on SQLite another worker may have taken some of those seen first)."""
        if n <= 0:
            return [], 0
        now = utcnow()
        condition = _claimable(now, self.settings, self.since, self.started)
        claimed: list[_Claimed] = []
        taken = 0
        with db.session_scope(self.url) as s:
            query = select(Item).where(condition).order_by(Item.id).limit(n)
            if self.postgres:
                query = query.with_for_update(skip_locked=True)  # concurrent workers take disjoint rows
            rows = list(s.exec(query))
            members = self._source_members(s, [r.id for r in rows])
            for row in rows:
                item = ItemInput.from_item(row, members.get(row.id))
                route = self.p.prefilter.route(item)
                if route.candidate:
                    values = {"status": "candidate", "attempts": Item.attempts + 1, "last_attempt_at": now, "status_reason": route.reason()}
                else:
                    values = {"status": "not_candidate", "status_reason": route.reason()}
                    signals = injection_signals(item.full_text)
                    if signals:  # not evidence, but worth knowing about the source
                        values.update(injection_suspected=True, status_reason=f"{route.reason()}; possible prompt injection: {', '.join(signals)}")
                # Conditional: on SQLite (no row locks) a second worker finds the row already taken.
                result = s.execute(update(Item).where(Item.id == row.id, condition).values(**values).execution_options(synchronize_session=False))
                if result.rowcount != 1:
                    continue
                taken += 1
                self.summary.items += 1
                if route.candidate:
                    self.summary.candidates += 1
                    claimed.append(_Claimed(item, route))
                else:
                    self.summary.not_candidate += 1
        self._advance(taken - len(claimed))
        return claimed, len(rows)

    @staticmethod
    def _source_members(s: Session, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = s.exec(
            select(Sighting.item_id, Source.member)
            .join(Source, Source.id == Sighting.source_id)
            .where(Sighting.item_id.in_(ids), Source.member.is_not(None))
            .order_by(Sighting.id)
        )
        found: dict[int, str] = {}
        for item_id, member in rows:
            found.setdefault(item_id, member)
        return found

    def release(self, claimed: list[_Claimed], reason: str, records=()) -> None:
        """Hand items back untouched: they keep their place and their attempt is not counted."""
        if not claimed:
            return
        write_calls(self.url, [(claimed[0].item.item_id, list(records))])
        with db.session_scope(self.url) as s:
            for cl in claimed:
                s.execute(
                    update(Item)
                    .where(Item.id == cl.item.item_id, Item.status == "candidate")
                    .values(attempts=Item.attempts - 1, last_attempt_at=None, status_reason=f"waiting: {reason}")
                    .execution_options(synchronize_session=False)
                )
        self.summary.released += len(claimed)
        self.summary.llm_calls += len(records)

    # --- results -----------------------------------------------------------------------------
    def persist(self, results: list[tuple[_Claimed, Classification]]) -> None:
        if not results:
            return
        # issue 12: every request is logged (and so counted by the budget) in a commit of its
        # own, before anything done with the answers can fail.
        call_ids = write_calls(self.url, [(cl.item.item_id, c.calls) for cl, c in results])
        with db.session_scope(self.url) as s:
            ids = [cl.item.item_id for cl, _ in results]
            query = select(Item).where(col(Item.id).in_(ids)).order_by(col(Item.id))
            if self.postgres:  # the row lock makes "still ours?" below a safe test between workers
                query = query.with_for_update()
            loaded = {it.id: it for it in s.exec(query)}
            for (cl, c), row_ids in zip(results, call_ids, strict=True):
                item = loaded[cl.item.item_id]
                answered = next((i for i, r in zip(reversed(row_ids), reversed(c.calls), strict=True) if r.outcome in ("ok", "repaired")), None)
                self.summary.llm_calls += len(c.calls)
                self.summary.tokens_in += sum(r.tokens_in for r in c.calls)
                self.summary.tokens_out += sum(r.tokens_out for r in c.calls)
                self.summary.cost_usd += sum(r.cost_usd for r in c.calls)
                if item.status != "candidate":  # finished by another worker after our claim ran out: keep the calls only
                    continue
                self.summary.cached += c.cached
                if self.p.learned is not None and not c.failed:
                    self.p.learned.apply(cl.item, c, cl.route.commitments)
                if c.failed:
                    self._fail(item, c.error or "failed")
                    s.add(item)
                    continue
                # issue 12: a suggestion that cannot be stored fails its item, not the batch.
                try:
                    with s.begin_nested():
                        outcome = self._store(s, item, cl, c, answered)
                except Exception as exc:
                    log.exception("item %s: storing the answer failed", cl.item.item_id)
                    item = s.get(Item, cl.item.item_id) or item
                    self._fail(item, f"the answer could not be stored: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
                    s.add(item)
                    continue
                stored, dropped, fired = outcome
                self.summary.dropped += len(dropped)
                item.status = "classified" if stored else "not_relevant"
                item.status_reason = self._reason(c, stored, fired, dropped)
                if stored:
                    self.summary.classified += 1
                else:
                    self.summary.not_relevant += 1
                s.add(item)
        self._advance(len(results))

    def _fail(self, item: Item, reason: str) -> None:
        item.status = "failed"
        if item.attempts >= self.settings.classify_max_attempts:
            reason += f" (gave up after {item.attempts} attempts)"
        item.status_reason = reason
        self.summary.failed += 1

    def _store(self, s: Session, item: Item, cl: _Claimed, c: Classification, answered: int | None) -> tuple[int, list[str], list[str]]:
        """The item's flags, gist, cached answer and suggestions; (stored, dropped, rules fired)."""
        backend = self.p.backend
        if c.raw is not None and not c.cached and not getattr(backend, "write_cache", True):
            self._cache_row(s, cl.item, c.raw)
        if c.injection_suspected:
            item.injection_suspected = True  # store_suggestion flags every suggestion of the item
            self.summary.injection_suspected += 1
        if c.gist_en and (item.language or "").lower() != "en":
            item.gist_en = c.gist_en
        stored, dropped, fired = 0, [], []
        for out in c.proposals:
            index = self.p.indexes.get(out.catalogue or "", self.index)  # several catalogues: the proposal's own
            try:
                suggestion, created = store_suggestion(
                    s,
                    index,
                    item,
                    out.proposal,
                    agent=out.agent or c.agent,
                    agent_kind=out.agent_kind or backend.kind,
                    rule_fired=out.rule_fired,
                    llm_call_id=answered if out.agent is None or out.agent_kind is None else None,
                    extra_flags=out.flags,
                )
            except InvalidProposal as exc:
                dropped.append(str(exc))
                log.warning("item %s: dropped an invalid suggestion: %s", item.id, exc)
                continue
            stored += 1
            if out.rule_fired and out.rule_fired not in fired:
                fired.append(out.rule_fired)
            if created:
                self.summary.suggestions += 1
                self.summary.flagged += bool(suggestion.flags)
                self.summary.possible_evidence += bool(out.flags)
        s.flush()  # inside the savepoint: a row the database refuses fails here, not at commit
        return stored, dropped, fired

    def _cache_row(self, s: Session, item: ItemInput, raw: dict) -> None:
        """Cache the answer in the same transaction; an answer cached meanwhile by someone else wins."""
        backend = self.p.backend
        insert = pg_insert if self.postgres else sqlite_insert
        s.execute(
            insert(LLMCache)
            .values(
                key=backend.cache_key(item),
                content_hash=item.hash,
                prompt_version=backend.prompt.version,
                model=backend.model,
                response=raw,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )

    @staticmethod
    def _reason(c: Classification, stored: int, fired: list[str], dropped: list[str]) -> str:
        if stored:
            parts = [f"{stored} suggestion(s) by {c.agent}" + (f" ({', '.join(fired)})" if fired else "")]
        elif c.exclusions:
            parts = [f"{c.agent}: evidence for commitment {ex.belongs_to}, excluded from {ex.commitment} ({ex.rule})" for ex in c.exclusions]
        else:
            parts = [f"{c.agent}: evidence for nothing"]
        parts += [t.note for t in c.traces if t.rule.startswith("learned:")]  # the model's score and threshold
        if c.cached:
            parts.append("answer from cache")
        if c.injection_suspected:
            parts.append("possible prompt injection: " + ", ".join(c.injection_reasons))
        if dropped:
            parts.append(f"dropped {len(dropped)} invalid suggestion(s): " + "; ".join(dropped))
        return "; ".join(parts)

    def _advance(self, n: int) -> None:
        self.done += n
        if self.progress and n:
            self.progress(self.done, max(self.total, self.done))

    # --- loops -------------------------------------------------------------------------------
    def run_inline(self) -> None:
        backend = self.p.backend
        while True:
            claimed, seen = self.claim(self.room(RULES_BATCH))
            if not seen:
                return
            results = []
            for cl in claimed:
                results.append((cl, self._classify(backend, cl)))
            self.persist(results)

    @staticmethod
    def _classify(backend: Classifier, cl: _Claimed) -> Classification:
        try:
            if getattr(backend, "routed", False):  # several lanes: each takes its own part of the route
                return backend.classify(cl.item, cl.route)  # type: ignore[call-arg]
            if isinstance(backend, RulesClassifier):
                return backend.classify(cl.item, cl.route.commitments)
            return backend.classify(cl.item)
        except (BudgetExhausted, LLMFatalError, ConfigError):
            raise
        except Exception as exc:  # a bug must not lose the item: it fails with the reason, and is retried
            log.exception("classifying item %s failed", cl.item.item_id)
            return Classification(agent=backend.agent, error=f"internal error: {exc!r}")

    def run_pool(self, concurrency: int) -> None:
        backend = self.p.backend
        budget: Budget | None = getattr(backend, "budget", None)
        # Keep up to four rounds of work claimed and top up at half, so claims are few and the
        # pool never waits for one; store finished items in small batches (one commit each,
        # at most BATCH_SECONDS late) because SQLite has one writer and commits cost.
        window = concurrency * 4
        pending: dict[Future, _Claimed] = {}
        finished_batch: list[tuple[_Claimed, Classification]] = []
        first_finished = 0.0
        claiming = True
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="classify") as pool:
            while True:
                while claiming and len(pending) <= window // 2:
                    claimed, seen = self.claim(self.room(window - len(pending)))
                    if not seen:
                        claiming = False
                        break
                    for i, cl in enumerate(claimed):
                        reason = budget.exhausted_reason() if budget is not None else None
                        if reason:
                            self.summary.paused = reason
                            self.release(claimed[i:], reason)
                            claiming = False
                            break
                        pending[pool.submit(self._classify, backend, cl)] = cl
                if not pending:
                    self.persist(finished_batch)
                    return
                timeout = None
                if finished_batch:
                    timeout = max(0.0, BATCH_SECONDS - (time.perf_counter() - first_finished))
                finished, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                results = finished_batch
                if not results:
                    first_finished = time.perf_counter()
                for future in finished:
                    cl = pending.pop(future)
                    try:
                        results.append((cl, future.result()))
                    except BudgetExhausted as exc:
                        self.summary.paused = str(exc)
                        claiming = False
                        self.release([cl], str(exc))
                    except LLMFatalError as exc:
                        self.summary.stopped = str(exc)
                        claiming = False
                        self.release([cl], str(exc), exc.records)
                        for other, other_cl in list(pending.items()):
                            if other.cancel():  # not started yet: hand it back at once
                                pending.pop(other)
                                self.release([other_cl], str(exc))
                if len(results) >= concurrency or not pending or not claiming or time.perf_counter() - first_finished >= BATCH_SECONDS:
                    self.persist(results)
                    results = []
                finished_batch = results


def classify_pending(
    settings: Settings,
    backend: Classifier | str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
    concurrency: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Classify every item waiting in the queue (or `limit` of them, published since `since`).

    `backend` is "rules", "llm", a Classifier, or None for the configured default. Returns a
    Summary; a reached budget or a refusing endpoint is reported in it (`paused`, `stopped`),
    not raised, so a scheduled job logs it and carries on next time.
    """
    started = time.perf_counter()
    with db.session_scope(settings.database_url) as session:
        pipeline, index = _pipeline(settings, session, backend)
    b = pipeline.backend
    summary = Summary(backend=b.kind, agent=b.agent)
    run = _Run(settings, pipeline, index, summary, since, limit, progress)
    run.total = run.count()
    if b.remote:
        run.run_pool(max(1, concurrency or settings.llm_concurrency))
    else:
        run.run_inline()
    if summary.paused or summary.stopped:
        summary.waiting = run.count()
    summary.seconds = time.perf_counter() - started
    return summary
