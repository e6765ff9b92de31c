"""Keyset pages: a list that costs the same at page 1 and at page 3,600.

A page is asked for by the position of a row, not by a number: "the 25
after (Jordan Reyes, 1234)". The database then reads 26 rows from an index
on the sort's columns, wherever the page is; OFFSET would read and throw
away every row before it. The total is counted up to a cap ("1,000+"): an
exact COUNT(*) of a large business is as slow as the OFFSET it replaces.

A cursor is the sort key of a row, base64 JSON. It is not a secret: a
made-up cursor only shows another position of the same list. A malformed
one shows the first page.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet

COUNT_CAP = 1000


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None
    total: int
    # True when there are more than ``total`` rows (the count stopped at its cap).
    total_is_floor: bool

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def encode_cursor(values: tuple) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, types: tuple[type, ...]) -> tuple | None:
    """The key a cursor holds, or None when it is not one of ``types``
    (``str``, ``int``, or an aware ``datetime``)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(types):
            return None
        values = [
            _aware(value) if kind is datetime else value
            for value, kind in zip(values, types, strict=True)
        ]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not all(type(value) is kind for value, kind in zip(values, types, strict=True)):
        return None
    return tuple(values)


def _aware(text) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return moment


def _beyond(keys: tuple[str, ...], values: tuple, *, forward: bool) -> Q:
    """Rows after (``forward``) or before ``values`` in the order of ``keys``
    ("-name" descending): (a > x) or (a = x and b > y) ..."""
    condition = Q()
    for depth, key in enumerate(keys):
        field = key.removeprefix("-")
        ascending = not key.startswith("-")
        lookup = "gt" if ascending == forward else "lt"
        equal = {
            earlier.removeprefix("-"): value
            for earlier, value in zip(keys[:depth], values[:depth], strict=True)
        }
        condition |= Q(**equal, **{f"{field}__{lookup}": values[depth]})
    return condition


def _reversed(keys: tuple[str, ...]) -> list[str]:
    return [key.removeprefix("-") if key.startswith("-") else f"-{key}" for key in keys]


def keyset_page(
    queryset: QuerySet,
    *,
    keys: tuple[str, ...],
    types: tuple[type, ...],
    size: int,
    after: str = "",
    before: str = "",
    count_cap: int | None = None,
    total: int | None = None,
) -> KeysetPage:
    """One page of ``queryset`` in the order of ``keys`` ("-at" for
    descending; the last one unique, such as ``pk``): the first page, the
    one ``after`` a cursor, or the one ``before`` it. Three queries at most:
    the capped count (none when the caller already knows the ``total``),
    the rows, and whatever the queryset prefetches."""

    def key_of(row) -> tuple:
        return tuple(getattr(row, key.removeprefix("-")) for key in keys)

    if total is not None:
        count_cap = total
    else:
        count_cap = COUNT_CAP if count_cap is None else count_cap
        total = queryset.order_by()[: count_cap + 1].count()
    after_key = decode_cursor(after, types=types)
    before_key = None if after_key else decode_cursor(before, types=types)
    if before_key is not None:
        found = queryset.filter(_beyond(keys, before_key, forward=False)).order_by(*_reversed(keys))
    else:
        found = queryset.order_by(*keys)
        if after_key is not None:
            found = found.filter(_beyond(keys, after_key, forward=True))
    return _page(
        list(found[: size + 1]),
        size=size,
        backwards=before_key is not None,
        after_key=after_key,
        key_of=key_of,
        total=total,
        count_cap=count_cap,
    )


def _page(
    found: list, *, size: int, backwards: bool, after_key, key_of, total: int, count_cap: int
) -> KeysetPage:
    """A page from the ``size`` + 1 rows read beyond a position (in
    reverse order when ``backwards``): the extra row says there is more."""
    if backwards:
        items = found[:size][::-1]
        previous_cursor = encode_cursor(key_of(items[0])) if len(found) > size else None
        next_cursor = encode_cursor(key_of(items[-1])) if items else None
    else:
        items = found[:size]
        next_cursor = encode_cursor(key_of(items[-1])) if len(found) > size else None
        previous_cursor = encode_cursor(key_of(items[0])) if after_key and items else None
    return KeysetPage(
        items=items,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        total=min(total, count_cap),
        total_is_floor=total > count_cap,
    )


def keyset_page_union(
    union: QuerySet,
    *,
    keys: tuple[str, ...],
    types: tuple[type, ...],
    size: int,
    after: str = "",
    before: str = "",
    count_cap: int | None = None,
) -> KeysetPage:
    """keyset_page for rows that several SELECTs find, such as a search
    over several columns each with its own index: ``union`` is their UNION,
    selecting the keys (``values_list``) and nothing else. It is read once:
    one query counts the matches (a window over all of them) and returns
    the page after (or before) the position, so that no index is lost to an
    OR and nothing outside the matches is read. The keys are plain column
    names, all ascending (``("name", "id")``); the items are tuples of their
    values, for the caller to fetch its rows by."""
    if any(key.startswith("-") for key in keys):
        raise ValueError("keyset_page_union pages by ascending keys only.")
    count_cap = COUNT_CAP if count_cap is None else count_cap
    after_key = decode_cursor(after, types=types)
    before_key = None if after_key else decode_cursor(before, types=types)
    backwards = before_key is not None
    found, total = _union_rows(
        union,
        keys,
        position=before_key if backwards else after_key,
        backwards=backwards,
        limit=size + 1,
    )
    return _page(
        found,
        size=size,
        backwards=backwards,
        after_key=after_key,
        key_of=tuple,
        total=total,
        count_cap=count_cap,
    )


def _union_rows(
    union: QuerySet,
    keys: tuple[str, ...],
    *,
    position: tuple | None,
    backwards: bool,
    limit: int,
) -> tuple[list[tuple], int]:
    """The ``limit`` rows of ``union`` after (or, ``backwards``,
    before) ``position`` in the order of ``keys``, and how many rows the
    UNION has in all: one statement. The ORM can't put a window over a
    UNION, so the UNION's own SQL is wrapped here."""
    inner, params = union.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(key) for key in keys)
    where = ""
    if position is not None:
        marks = ", ".join(["%s"] * len(keys))
        where = f"WHERE ({columns}) {'<' if backwards else '>'} ({marks})"
        params = (*params, *position)
    direction = "DESC" if backwards else "ASC"
    order = ", ".join(f"{quote(key)} {direction}" for key in keys)
    sql = (
        f"SELECT {columns}, matches_in_all FROM ("
        f"SELECT {columns}, COUNT(*) OVER () AS matches_in_all FROM ({inner}) AS matches"
        f") AS counted {where} ORDER BY {order} LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total = rows[0][-1] if rows else 0
    return [tuple(row[:-1]) for row in rows], total
