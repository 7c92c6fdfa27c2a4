"""The review queue: suggestions filtered, sorted, counted and paged.

Paging is by keyset (the sort value and the suggestion id of the last row seen), never by
offset, so page 2,000 costs what page 1 costs. Counts per filter come from one grouped
query (a small "cube" of status x commitment x member x dimension x strength x verified x
flagged) from which every facet is summed in Python, instead of one query per facet.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from sqlalchemy import String, and_, case, cast, exists, func, or_, select, tuple_
from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.models import SUGGESTION_STATES, Assignment, Item, Sighting, Suggestion

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


def _number(params: Mapping[str, str], name: str, kind=float, low=None, high=None):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise InputError(f"{name}: {raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{name}: {raw} is outside {low}..{high}")
    return value


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{name}: {raw!r} is not a date (YYYY-MM-DD)") from None


def _choice(params: Mapping[str, str], name: str, choices, default):
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise InputError(f"{name}: {raw!r} is not one of {', '.join(choices)}")
    return raw


def parse_filter(params: Mapping[str, str], index: CatalogueIndex) -> QueueFilter:
    """Read a filter from query parameters; anything malformed is an InputError naming the field."""
    commitment = _number(params, "commitment", int)
    if commitment is not None and index.commitment(commitment) is None:
        raise InputError(f"commitment: there is no commitment {commitment}")
    member = (params.get("member") or "").strip() or None
    if member is not None:
        row = index.member(member)
        if row is None:
            raise InputError(f"member: unknown member {member!r}")
        member = row.key
    dimension = (params.get("dimension") or "").strip() or None
    if dimension is not None and not any(d.key == dimension for d in index.dimensions):
        raise InputError(f"dimension: unknown dimension {dimension!r}")
    verified, flagged = (params.get("verified") or "").strip(), (params.get("flagged") or "").strip()
    for name, raw in (("verified", verified), ("flagged", flagged)):
        if raw not in YES_NO:
            raise InputError(f"{name}: use yes or no")
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
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def assignment_scope(session: Session, user_id: int):
    """A condition matching the user's (commitment, member) assignments, or None if they have none."""
    rows = session.execute(select(Assignment.commitment_id, Assignment.member_id).where(Assignment.user_id == user_id)).all()
    if not rows:
        return None
    terms = [
        Suggestion.commitment_id == c if m is None else and_(Suggestion.commitment_id == c, Suggestion.member_id == m)
        for c, m in rows
    ]
    return or_(*terms)


@dataclass
class Scope:
    """The resolved row conditions of a filter, split by whether the count cube can group by them."""

    row: list = field(default_factory=list)  # conditions applied to every count
    cube: dict = field(default_factory=dict)  # facet -> condition (skipped when counting that facet)
    needs_item: bool = False
    assigned: bool | None = None  # None: scope 'all'; False: mine asked but no assignments


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
    if f.scope == "mine" and user_id is not None:
        condition = assignment_scope(session, user_id)
        s.assigned = condition is not None
        if condition is not None:
            s.row.append(condition)
    return s


def _sort_column(f: QueueFilter):
    return Suggestion.confidence if f.sort == "confidence" else Item.published_at


def _order_by(f: QueueFilter, reverse: bool = False):
    col = _sort_column(f)
    descending = (f.order == "desc") != reverse
    if descending:
        return [col.desc().nulls_last(), Suggestion.id.desc()]
    return [col.asc().nulls_first(), Suggestion.id.asc()]


def _after(f: QueueFilter, value, sid: int, reverse: bool = False):
    """Rows strictly after (value, sid) in the filter's order (before, when reverse)."""
    col = _sort_column(f)
    descending = (f.order == "desc") != reverse
    if value is None:  # nulls sort last when descending, first when ascending
        if descending:
            return and_(col.is_(None), Suggestion.id < sid)
        return or_(and_(col.is_(None), Suggestion.id > sid), col.is_not(None))
    if descending:
        return or_(tuple_(col, Suggestion.id) < tuple_(value, sid), col.is_(None))
    return tuple_(col, Suggestion.id) > tuple_(value, sid)


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(f: QueueFilter, value, sid: int) -> str:
    if value is None:
        raw = "null"
    elif isinstance(value, dt.datetime):
        raw = value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        raw = repr(float(value))
    return f"{raw}~{sid}"


def decode_cursor(f: QueueFilter, cursor: str):
    try:
        raw, sid = cursor.rsplit("~", 1)
        sid = int(sid)
        if raw == "null":
            return None, sid
        if f.sort == "confidence":
            return float(raw), sid
        return dt.datetime.fromisoformat(raw).replace(tzinfo=dt.timezone.utc), sid
    except ValueError:
        raise InputError(f"after: {cursor!r} is not a queue position") from None


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


def page(
    session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, after: str | None = None, limit: int = 50
) -> QueuePage:
    scope = resolve(session, index, f, user_id)
    q = _base(scope)
    if after:
        value, sid = decode_cursor(f, after)
        q = q.where(_after(f, value, sid))
    rows = session.execute(q.order_by(*_order_by(f)).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(f, _sort_value(f, last), last.id)
    return QueuePage(rows, next_cursor, scope)


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
    value = _sort_value(f, here)
    scope = resolve(session, index, f, user_id)
    out = []
    for reverse in (True, False):
        q = _base(scope, (Suggestion.id,)).where(_after(f, value, suggestion_id, reverse=reverse))
        out.append(session.execute(q.order_by(*_order_by(f, reverse=reverse)).limit(1)).scalar())
    return out[0], out[1]


FACETS = ("status", "commitment", "member", "dimension", "strength", "verified", "flagged")


@dataclass
class Counts:
    total: int
    facets: dict[str, Counter]


def counts(session: Session, index: CatalogueIndex, f: QueueFilter, user_id: int | None, scope: Scope | None = None) -> Counts:
    """How many suggestions match the filter, and per facet value how many would match if that
    facet were set to that value (the other filters kept)."""
    scope = scope or resolve(session, index, f, user_id)
    flagged = case((FLAGGED, 1), else_=0).label("flagged")
    keys = (Suggestion.status, Suggestion.commitment_id, Suggestion.member_id, Suggestion.dimension_id, Suggestion.strength, Suggestion.quote_verified)
    q = select(*keys, flagged, func.count().label("n")).select_from(Suggestion)
    if scope.needs_item:
        q = q.join(Item, Item.id == Suggestion.item_id)
    if scope.row:
        q = q.where(*scope.row)
    q = q.group_by(*keys, flagged)
    cube = session.execute(q).all()

    commitments = {c.id: c.number for c in index.commitments}
    members = {m.id: m.key for m in index.members}
    dimensions = {d.id: d.key for d in index.dimensions}

    def value_of(row, facet):
        return {
            "status": row.status,
            "commitment": commitments.get(row.commitment_id),
            "member": members.get(row.member_id),
            "dimension": dimensions.get(row.dimension_id),
            "strength": row.strength,
            "verified": bool(row.quote_verified),
            "flagged": bool(row.flagged),
        }[facet]

    wanted = {
        "status": None if f.status == "all" else f.status,
        "commitment": f.commitment,
        "member": f.member,
        "dimension": f.dimension,
        "strength": f.strength,
        "verified": f.verified,
        "flagged": f.flagged,
    }
    active = {k: v for k, v in wanted.items() if v is not None}
    facets = {k: Counter() for k in FACETS}
    total = 0
    for row in cube:
        values = {k: value_of(row, k) for k in FACETS}
        misses = [k for k, v in active.items() if values[k] != v]
        if not misses:
            total += row.n
            for k in FACETS:
                facets[k][values[k]] += row.n
        elif len(misses) == 1:
            facets[misses[0]][values[misses[0]]] += row.n
    return Counts(total, facets)

