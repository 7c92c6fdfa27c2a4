"""The review queue: suggestions filtered, sorted, counted and paged.

Paging is by keyset (the sort value and the suggestion id of the last row seen), never by
offset, so page 2,000 costs what page 1 costs. Counts per filter come from one grouped
query (a small "cube" of status x commitment x member x dimension x strength x verified x
flagged) from which every facet is summed in Python, instead of one query per facet.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from sqlalchemy import String, and_, case, cast, exists, func, or_, select, tuple_
from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError, Problem
from triage.models import SUGGESTION_STATES, Assignment, Item, Sighting, Suggestion
from triage.review import search

SORTS = ("confidence", "date")
ORDERS = ("desc", "asc")
YES_NO = {"yes": True, "no": False, "": None}


@dataclass(frozen=True)
class QueueFilter:
    """What the analyst asked to see. Every field maps to one query-string parameter."""

    commitment: int | None = None
    member: str | None = None  # member key
    dimension: str | None = None  # dimension key
    strength: str | None = None
    status: str = "pending"  # a SUGGESTION_STATES value or "all"
    conf_min: float | None = None
    conf_max: float | None = None
    source: str | None = None
    language: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    verified: bool | None = None
    flagged: bool | None = None
    scope: str = "mine"  # mine (the analyst's assignments, when they have any) | all
    q: str | None = None  # full-text search over the items (triage.review.search)
    sort: str = "confidence"
    order: str = "desc"

    def params(self, **changes) -> dict[str, str]:
        """Query-string parameters that reproduce this filter (defaults left out)."""
        f = replace(self, **changes) if changes else self
        out: dict[str, str] = {}
        for fd in fields(f):
            value = getattr(f, fd.name)
            if value is None or value == fd.default:
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            out[fd.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out


MAX_ID = 2**31 - 1  # ids and versions are 32-bit integers on PostgreSQL
FIRST_DAY, LAST_DAY = dt.date(1000, 1, 1), dt.date(9998, 12, 31)  # room for "the day after" at both ends


def _number(params: Mapping[str, str], name: str, kind=float, low=None, high=None):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise InputError(Problem(f"{raw[:40]!r} is not a {'whole ' if kind is int else ''}number", field=name)) from None
    if kind is float and not math.isfinite(value):
        raise InputError(Problem(f"{raw[:40]!r} is not a finite number", field=name))
    if kind is int:
        low, high = (0 if low is None else low), (MAX_ID if high is None else high)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(Problem(f"{raw[:40]} is outside {low}..{high}", field=name))
    return value


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError(Problem(f"{raw[:40]!r} is not a date (YYYY-MM-DD)", field=name)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(Problem(f"{raw} is outside {FIRST_DAY}..{LAST_DAY}", field=name))
    return day


def _choice(params: Mapping[str, str], name: str, choices, default):
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise InputError(Problem(f"{raw[:40]!r} is not one of {', '.join(choices)}", field=name))
    return raw


def parse_filter(params: Mapping[str, str], index: CatalogueIndex) -> QueueFilter:
    """Read a filter from query parameters; anything malformed is an InputError naming the field."""
    commitment = _number(params, "commitment", int)
    member = (params.get("member") or "").strip() or None
    dimension = (params.get("dimension") or "").strip() or None
    found, problems = index.problems(member=member, commitment=commitment, fields=True)
    if dimension is not None and not any(d.key == dimension for d in index.dimensions):
        # A dimension key filters across commitments, so it is checked against every commitment's keys.
        keys = ", ".join(sorted({d.key for d in index.dimensions}))
        problems.append(Problem(f"unknown dimension {dimension[:40]!r} (dimensions: {keys})", field="dimension"))
    if problems:
        raise InputError(problems)
    member = found.member.key if found.member is not None else None
    verified, flagged = (params.get("verified") or "").strip(), (params.get("flagged") or "").strip()
    for name, raw in (("verified", verified), ("flagged", flagged)):
        if raw not in YES_NO:
            raise InputError(Problem("use yes or no", field=name))
    f = QueueFilter(
        commitment=commitment,
        member=member,
        dimension=dimension,
        strength=_choice(params, "strength", ("strong", "weak"), None),
        status=_choice(params, "status", (*SUGGESTION_STATES, "all"), "pending"),
        conf_min=_number(params, "conf_min", float, 0.0, 1.0),
        conf_max=_number(params, "conf_max", float, 0.0, 1.0),
        source=(params.get("source") or "").strip() or None,
        language=(params.get("language") or "").strip() or None,
        date_from=_date(params, "date_from"),
        date_to=_date(params, "date_to"),
        verified=YES_NO[verified],
        flagged=YES_NO[flagged],
        scope=_choice(params, "scope", ("mine", "all"), "mine"),
        q=search.check_query(params.get("q")),
        sort=_choice(params, "sort", SORTS, "confidence"),
        order=_choice(params, "order", ORDERS, "desc"),
    )
    if f.conf_min is not None and f.conf_max is not None and f.conf_min > f.conf_max:
        raise InputError("conf_min is above conf_max")
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InputError("date_from is after date_to")
    return f


# --- building the query -----------------------------------------------------------------

FLAGGED = cast(Suggestion.flags, String) != "[]"  # flags are stored as JSON text on both backends


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def assignment_scope(session: Session, user_id: int):
    """A condition matching the user's (commitment, member) assignments, or None if they have none."""
    return _assignment_condition(_assignments(session, user_id))


def _assignments(session: Session, user_id: int) -> tuple:
    return tuple(
        sorted(
            session.execute(select(Assignment.commitment_id, Assignment.member_id).where(Assignment.user_id == user_id)).all(),
            key=lambda r: (r[0], r[1] or 0),
        )
    )


def _assignment_condition(rows):
    if not rows:
        return None
    terms = [Suggestion.commitment_id == c if m is None else and_(Suggestion.commitment_id == c, Suggestion.member_id == m) for c, m in rows]
    return or_(*terms)


@dataclass
class Scope:
    """The resolved row conditions of a filter, split by whether the count cube can group by them."""

    row: list = field(default_factory=list)  # conditions applied to every count
    cube: dict = field(default_factory=dict)  # facet -> condition (skipped when counting that facet)
    needs_item: bool = False
    assigned: bool | None = None  # None: scope 'all'; False: mine asked but no assignments
    key: tuple = ()  # identifies the row conditions (what the count cube depends on)


def resolve(session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None) -> Scope:
    s = Scope()
    if f.status != "all":
        s.cube["status"] = Suggestion.status == f.status
    if f.commitment is not None:
        s.cube["commitment"] = Suggestion.commitment_id == index.commitment(f.commitment).id
    if f.member is not None:
        s.cube["member"] = Suggestion.member_id == index.member(f.member).id
    if f.dimension is not None:
        ids = [d.id for d in index.dimensions if d.key == f.dimension]
        s.cube["dimension"] = Suggestion.dimension_id.in_(ids)
    if f.strength is not None:
        s.cube["strength"] = Suggestion.strength == f.strength
    if f.verified is not None:
        s.cube["verified"] = Suggestion.quote_verified == f.verified
    if f.flagged is not None:
        s.cube["flagged"] = FLAGGED if f.flagged else ~FLAGGED
    if f.conf_min is not None:
        s.row.append(Suggestion.confidence >= f.conf_min)
    if f.conf_max is not None:
        s.row.append(Suggestion.confidence <= f.conf_max)
    if f.language is not None:
        s.row.append(Item.language == f.language)
        s.needs_item = True
    if f.date_from is not None:
        s.row.append(Item.published_at >= _day_start(f.date_from))
        s.needs_item = True
    if f.date_to is not None:
        s.row.append(Item.published_at < _day_start(f.date_to + dt.timedelta(days=1)))
        s.needs_item = True
    if f.source is not None:
        s.row.append(exists().where(Sighting.item_id == Suggestion.item_id, Sighting.source_id == f.source))
    if f.q is not None:
        s.row.append(Suggestion.item_id.in_(select(Item.id).where(search.condition(session, f.q))))
    assigned = ()
    if f.scope == "mine" and user_id is not None:
        assigned = _assignments(session, user_id)
        condition = _assignment_condition(assigned)
        s.assigned = condition is not None
        if condition is not None:
            s.row.append(condition)
    if f.commitment is None:  # several catalogues may be active: a queue is one catalogue's
        s.row.append(Suggestion.commitment_id.in_([c.id for c in index.commitments]))
    s.key = (index.catalogue.id, f.conf_min, f.conf_max, f.language, f.date_from, f.date_to, f.source, f.q, tuple(tuple(a) for a in assigned))
    return s


def _sort_column(f: QueueFilter):
    return Suggestion.confidence if f.sort == "confidence" else Item.published_at


# Keyset paging needs a total order the database can walk in an index. Confidence is never
# null; dates can be, so the date order is walked in two segments (dated rows, then the
# undated ones by id: nulls last when newest first, first when oldest first), each a
# plain range scan instead of one query with an OR that no index can serve.
ALL, DATED, UNDATED = "all", "dated", "undated"


def _segments(f: QueueFilter, reverse: bool) -> list[str]:
    if f.sort == "confidence":
        return [ALL]
    descending = (f.order == "desc") != reverse
    return [DATED, UNDATED] if descending else [UNDATED, DATED]


def _segment_of(f: QueueFilter, value) -> str:
    if f.sort == "confidence":
        return ALL
    return UNDATED if value is None else DATED


def _segment_query(q, f: QueueFilter, segment: str, descending: bool, after: tuple | None):
    col = _sort_column(f)
    if segment == UNDATED:
        q = q.where(col.is_(None))
        if after is not None:
            q = q.where(Suggestion.id < after[1] if descending else Suggestion.id > after[1])
        return q.order_by(Suggestion.id.desc() if descending else Suggestion.id.asc())
    if segment == DATED:
        q = q.where(col.is_not(None))
    if after is not None:
        value, sid = after
        if descending:  # the plain bound lets the index start at the cursor; the tuple breaks ties
            q = q.where(col <= value, tuple_(col, Suggestion.id) < tuple_(value, sid))
        else:
            q = q.where(col >= value, tuple_(col, Suggestion.id) > tuple_(value, sid))
    return q.order_by(*((col.desc(), Suggestion.id.desc()) if descending else (col.asc(), Suggestion.id.asc())))


def walk(session: Session, scope: Scope, f: QueueFilter, after: tuple | None, limit: int, reverse: bool = False, columns=None) -> list:
    """Up to `limit` rows strictly after `after` (a (sort value, id) pair) in the filter's order,
    or before it when `reverse`."""
    segments = _segments(f, reverse)
    descending = (f.order == "desc") != reverse
    start = segments.index(_segment_of(f, after[0])) if after is not None else 0
    rows: list = []
    for i in range(start, len(segments)):
        q = _segment_query(_base(scope, columns or ROW_COLUMNS), f, segments[i], descending, after if i == start else None)
        rows += session.execute(q.limit(limit - len(rows))).all()
        if len(rows) >= limit:
            break
    return rows


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(f: QueueFilter, value, sid: int) -> str:
    if value is None:
        raw = "null"
    elif isinstance(value, dt.datetime):
        # isoformat pads the year to four digits (strftime's %Y does not before year 1000).
        naive = (value if value.tzinfo is None else value.astimezone(dt.UTC)).replace(tzinfo=None)
        raw = naive.isoformat(timespec="microseconds")
    else:
        raw = repr(float(value))
    return f"{raw}~{sid}"


def decode_cursor(f: QueueFilter, cursor: str):
    """A cursor made by encode_cursor for this sort, or an InputError (never a query on junk)."""
    bad = InputError(Problem(f"{cursor[:60]!r} is not a queue position", field="after"))
    try:
        raw, sid_text = cursor.rsplit("~", 1)
        sid = int(sid_text)
        if not 0 <= sid <= MAX_ID:
            raise bad
        if raw == "null":
            if f.sort == "confidence":  # confidence is never null
                raise bad
            return None, sid
        if f.sort == "confidence":
            value = float(raw)
            if not math.isfinite(value):
                raise bad
            return value, sid
        return dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC), sid
    except (ValueError, OverflowError):
        raise bad from None


def _sort_value(f: QueueFilter, row):
    if f.sort == "confidence":
        return row.confidence
    return row.published_at


# --- pages, neighbours, counts ----------------------------------------------------------------

ROW_COLUMNS = (
    Suggestion.id,
    Suggestion.version,
    Suggestion.status,
    Suggestion.confidence,
    Suggestion.strength,
    Suggestion.contradictory,
    Suggestion.member_id,
    Suggestion.commitment_id,
    Suggestion.dimension_id,
    Suggestion.quote_verified,
    Suggestion.flags,
    Suggestion.agent_kind,
    Suggestion.item_id,
    Item.title,
    Item.publisher,
    Item.published_at,
    Item.language,
)


@dataclass
class QueuePage:
    rows: list
    next_cursor: str | None
    scope: Scope


def _base(scope: Scope, columns=ROW_COLUMNS):
    q = select(*columns).select_from(Suggestion).join(Item, Item.id == Suggestion.item_id)
    conditions = [*scope.row, *scope.cube.values()]
    return q.where(*conditions) if conditions else q


def page(session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, after: str | None = None, limit: int = 50) -> QueuePage:
    scope = resolve(session, index, f, user_id)
    rows = walk(session, scope, f, decode_cursor(f, after) if after else None, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(f, _sort_value(f, last), last.id)
    return QueuePage(rows, next_cursor, scope)


MAX_SELECT_ALL = 5000  # one bulk action; beyond this, narrow the filter


def matching(session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None) -> list[tuple[int, int]]:
    """(suggestion id, version) of every suggestion the filter matches, for "select all matching"."""
    scope = resolve(session, index, f, user_id)
    rows = walk(session, scope, f, None, MAX_SELECT_ALL + 1, columns=(Suggestion.id, Suggestion.version, Suggestion.confidence, Item.published_at))
    if len(rows) > MAX_SELECT_ALL:
        raise InputError(Problem(f"the filter matches more than {MAX_SELECT_ALL} suggestions; narrow it first", field="all"))
    return [(r.id, r.version) for r in rows]


def neighbours(session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, suggestion_id: int) -> tuple[int | None, int | None]:
    """(previous, next) suggestion ids around one suggestion in the filter's order.

    The suggestion itself need not match the filter any more (it was just decided):
    its sort key still places it.
    """
    here = session.execute(
        select(Suggestion.id, Suggestion.confidence, Item.published_at)
        .join(Item, Item.id == Suggestion.item_id)
        .where(Suggestion.id == suggestion_id)
    ).first()
    if here is None:
        return None, None
    key = (_sort_value(f, here), suggestion_id)
    scope = resolve(session, index, f, user_id)
    out = []
    for reverse in (True, False):
        rows = walk(session, scope, f, key, 1, reverse=reverse, columns=(Suggestion.id,))
        out.append(rows[0].id if rows else None)
    return out[0], out[1]


FACETS = ("status", "commitment", "member", "dimension", "strength", "verified", "flagged")


@dataclass
class Counts:
    total: int
    facets: dict[str, Counter]


class CountsCache:
    """Count cubes kept for a few seconds, keyed by the row conditions they were computed under.

    Grouping 200,000 suggestions costs 100-200 ms on a small server, and the cube does not
    depend on the facet filters (status, commitment, member, ...), so one cube serves every
    combination of them. A cube older than `seconds` is still served once while a fresh one
    is counted in the background (with its own database session, from `engine`);
    `invalidate()` (after a decision in this process) makes the next page count afresh
    before it answers, so analysts see their own decisions in the counts at once.
    """

    def __init__(self, seconds: float, engine=None):
        self.seconds = seconds
        self.engine = engine
        self._cubes: dict[tuple, tuple[float, list]] = {}
        self._refreshing: set[tuple] = set()
        self._lock = threading.Lock()

    def get(self, key: tuple, session: Session, scope: Scope) -> list:
        if self.seconds <= 0:
            return _cube(session, scope)
        now = time.monotonic()
        with self._lock:
            hit = self._cubes.get(key)
            stale = hit is not None and hit[0] <= now
            refresh = stale and self.engine is not None and key not in self._refreshing
            if refresh:
                self._refreshing.add(key)
        if hit is not None and (not stale or refresh or key in self._refreshing):
            if refresh:
                threading.Thread(target=self._refresh, args=(key, scope), daemon=True).start()
            return hit[1]
        cube = _cube(session, scope)
        self._store(key, cube)
        return cube

    def _refresh(self, key: tuple, scope: Scope) -> None:
        try:
            with Session(self.engine) as session:
                self._store(key, _cube(session, scope))
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _store(self, key: tuple, cube: list) -> None:
        with self._lock:
            if len(self._cubes) > 256:  # many one-off filters: start afresh rather than grow
                self._cubes.clear()
            self._cubes[key] = (time.monotonic() + self.seconds, cube)

    def invalidate(self) -> None:
        with self._lock:
            self._cubes.clear()


def counts(
    session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, scope: Scope | None = None, cache: CountsCache | None = None
) -> Counts:
    """How many suggestions match the filter, and per facet value how many would match if that
    facet were set to that value (the other filters kept)."""
    scope = scope or resolve(session, index, f, user_id)
    cube = cache.get(scope.key, session, scope) if cache is not None else _cube(session, scope)
    return _facets(index, f, cube)


def _cube(session: Session, scope: Scope) -> list[tuple]:
    """Rows of (status, commitment id, member id, dimension id, strength, verified, flagged, n)."""
    flagged = case((FLAGGED, 1), else_=0).label("flagged")
    keys = (
        Suggestion.status,
        Suggestion.commitment_id,
        Suggestion.member_id,
        Suggestion.dimension_id,
        Suggestion.strength,
        Suggestion.quote_verified,
    )
    q = select(*keys, flagged, func.count().label("n")).select_from(Suggestion)
    if scope.needs_item:
        q = q.join(Item, Item.id == Suggestion.item_id)
    if scope.row:
        q = q.where(*scope.row)
    q = q.group_by(*keys, flagged)
    return [(st, c, m, d, sg, bool(v), bool(fl), n) for st, c, m, d, sg, v, fl, n in session.execute(q)]


def _facets(index: CatalogueIndex, f: QueueFilter, cube: list[tuple]) -> Counts:
    """Sum the cube per facet. A cube row counts toward the total when it meets every active
    facet filter, and toward facet k's value when it meets all of them except possibly k.
    Comparisons are on raw ids (a dimension key may name several dimension ids)."""
    accept: dict[int, set] = {}
    if f.status != "all":
        accept[0] = {f.status}
    if f.commitment is not None:
        accept[1] = {index.commitment(f.commitment).id}
    if f.member is not None:
        accept[2] = {index.member(f.member).id}
    if f.dimension is not None:
        accept[3] = {d.id for d in index.dimensions if d.key == f.dimension}
    if f.strength is not None:
        accept[4] = {f.strength}
    if f.verified is not None:
        accept[5] = {f.verified}
    if f.flagged is not None:
        accept[6] = {f.flagged}
    checks = list(accept.items())
    raw = [Counter() for _ in FACETS]
    total = 0
    for row in cube:
        miss, misses = -1, 0
        for pos, ok in checks:
            if row[pos] not in ok:
                misses += 1
                if misses > 1:
                    break
                miss = pos
        n = row[7]
        if misses == 0:
            total += n
            for pos in range(len(FACETS)):
                raw[pos][row[pos]] += n
        elif misses == 1:
            raw[miss][row[miss]] += n
    numbers = {c.id: c.number for c in index.commitments}
    members = {m.id: m.key for m in index.members}
    dimensions = {d.id: d.key for d in index.dimensions}
    named = {"commitment": numbers, "member": members, "dimension": dimensions}
    facets = {}
    for pos, name in enumerate(FACETS):
        names = named.get(name)
        counter = Counter()
        for value, n in raw[pos].items():
            counter[names.get(value) if names else value] += n
        facets[name] = counter
    return Counts(total, facets)


# --- the queue per item -----------------------------------------------------------------------


@dataclass
class ItemGroup:
    """One item with the suggestions of the filter on it, and those that only repeat evidence
    already accepted for the same item, member, commitment and dimension (folded: not work)."""

    item_id: int
    title: str
    publisher: str | None
    published_at: dt.datetime | None
    language: str | None
    snippet: str
    rows: list = field(default_factory=list)
    folded: list = field(default_factory=list)
    quotes: dict = field(default_factory=dict)  # suggestion id -> quote


@dataclass
class GroupedPage:
    groups: list[ItemGroup]
    next_cursor: str | None
    scope: Scope
    folded: int = 0


def grouped_page(
    session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, after: str | None = None, limit: int = 25
) -> GroupedPage:
    """Up to `limit` items, in the order of their best matching suggestion; each with every
    suggestion of the filter on it (not only those that fell on this page)."""
    scope = resolve(session, index, f, user_id)
    cursor = decode_cursor(f, after) if after else None
    batch = walk(session, scope, f, cursor, limit * 4)
    order: list[int] = []
    last, full = None, False
    for row in batch:
        if row.item_id not in order:
            if len(order) == limit:
                full = True
                break
            order.append(row.item_id)
        last = row
    more = full or len(batch) == limit * 4
    next_cursor = encode_cursor(f, _sort_value(f, last), last.id) if more and last is not None else None
    if not order:
        return GroupedPage([], None, scope)
    rows = session.execute(_base(scope, (*ROW_COLUMNS, Suggestion.quote)).where(Suggestion.item_id.in_(order))).all()
    accepted = {
        tuple(r)
        for r in session.execute(
            select(Suggestion.item_id, Suggestion.member_id, Suggestion.commitment_id, Suggestion.dimension_id).where(
                Suggestion.item_id.in_(order), Suggestion.status == "accepted"
            )
        )
    }
    texts = dict(session.execute(select(Item.id, Item.text).where(Item.id.in_(order))).all())
    groups: dict[int, ItemGroup] = {}
    for row in sorted(rows, key=lambda r: -r.confidence):
        group = groups.get(row.item_id)
        if group is None:
            snippet = search.snippet(texts.get(row.item_id), f.q or row.quote)
            group = groups[row.item_id] = ItemGroup(row.item_id, row.title, row.publisher, row.published_at, row.language, snippet)
        repeat = row.status == "pending" and (row.item_id, row.member_id, row.commitment_id, row.dimension_id) in accepted
        (group.folded if repeat else group.rows).append(row)
        group.quotes[row.id] = row.quote
    ordered = [groups[i] for i in order if i in groups]
    return GroupedPage(ordered, next_cursor, scope, sum(len(g.folded) for g in ordered))
