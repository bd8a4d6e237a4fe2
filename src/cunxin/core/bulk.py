"""Writing many rows at once, for the jobs that move a county's month in one run.

Django's ``bulk_create`` prepares every value of every row through its field machinery (and on
PostgreSQL its client-side binding parses each statement's thousands of placeholders), and
``bulk_update`` builds one CASE WHEN per row and field (quadratic in the batch on SQLite); for
tens of thousands of rows both cost far more than the database does. These helpers write rows
whose values are already in database form: on PostgreSQL by COPY and by UPDATE … FROM
unnest(arrays); on SQLite by multi-row INSERT (… RETURNING) and UPDATE … FROM (VALUES …), which
need SQLite 3.35+ (as Django's own bulk_create does to return primary keys). Constraints and
triggers apply as to any insert or update.

Only for plain columns: a row written here skips ``save()``, signals, ``auto_now``/``auto_now_add``
(``insert_objects`` fills those with one timestamp per call) and field validation, so callers
pass values the model would have accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

ROWS_PER_STATEMENT = 1000
# Fields whose Python values are already what the database driver takes.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT the rows (values in column order, in database form); with ``returning``, the
    named columns of each inserted row, in the rows' order (SQLite only: on PostgreSQL draw
    the ids first with ``next_ids``)."""
    if connection.vendor == "postgresql":
        if returning:
            raise ValueError("on PostgreSQL, draw ids with next_ids and insert them")
        copy_rows(model, columns, rows)
        return []
    return _values_insert(model, columns, rows, returning)


def insert_objects(objs: Sequence[models.Model], *, set_pk: bool = False) -> None:
    """INSERT unsaved model instances of one model, every concrete field but the primary key;
    ``auto_now``/``auto_now_add`` fields get the time of this call. With ``set_pk``, each
    instance gets its new primary key."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    prepared: dict[tuple[str, Any], Any] = {}  # one conversion per distinct value

    def value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
        raw = now if field.attname in stamped else getattr(obj, field.attname)
        if raw is None or isinstance(field, _AS_IS):
            return raw
        try:
            key = (field.attname, raw)
            if key not in prepared:
                prepared[key] = field.get_db_prep_save(raw, connection)
            return prepared[key]
        except TypeError:  # an unhashable value (a JSON document): converted each time
            return field.get_db_prep_save(raw, connection)

    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    columns = [f.column for f in fields]
    rows = [[value(obj, f) for f in fields] for obj in objs]
    if not set_pk:
        insert_rows(model, columns, rows)
    elif connection.vendor == "postgresql":
        ids = next_ids(model, len(rows))
        copy_rows(
            model, [meta.pk.column, *columns], [[i, *r] for i, r in zip(ids, rows, strict=True)]
        )
    else:
        ids = [row[0] for row in _values_insert(model, columns, rows, (meta.pk.column,))]
    if set_pk:
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Set columns of rows given as (primary key, *values) (values in database form), and
    the ``constants`` columns to one value for all of them, each row written once."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    fixed = list((constants or {}).items())
    sets = ", ".join(
        [*(f"{qn(c)} = v.{qn(c)}" for c in columns), *(f"{qn(c)} = %s" for c, _v in fixed)]
    )
    fixed_values = [v for _c, v in fixed]
    names = ", ".join(qn(c) for c in ("pk", *columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            by_column = {f.column: f for f in model._meta.concrete_fields}
            types = [by_column[c].db_type(connection) for c in (model._meta.pk.column, *columns)]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
                f"WHERE {table}.{pk} = v.{qn('pk')}",
                [*fixed_values, *(list(column) for column in zip(*rows, strict=True))],
            )
            return
        one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        size = _rows_per_statement(len(columns) + 1, reserved=len(fixed))
        for i in range(0, len(rows), size):
            chunk = rows[i : i + size]
            cursor.execute(
                f"WITH v({names}) AS (VALUES {', '.join([one] * len(chunk))}) "  # noqa: S608
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{pk} = v.{qn('pk')}",
                [*(value for row in chunk for value in row), *fixed_values],
            )


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence (PostgreSQL), ascending."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """PostgreSQL's COPY … FROM STDIN."""
    qn = connection.ops.quote_name
    statement = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _rows_per_statement(columns: int, reserved: int = 0) -> int:
    limit = (connection.features.max_query_params or 65_535) - reserved
    return max(1, min(ROWS_PER_STATEMENT, limit // columns))


def _values_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
    tail = f" RETURNING {', '.join(qn(c) for c in returning)}" if returning else ""
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = _rows_per_statement(len(columns))
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for i in range(0, len(rows), size):
            chunk = rows[i : i + size]
            cursor.execute(
                head + ", ".join([one] * len(chunk)) + tail,
                [value for row in chunk for value in row],
            )
            if returning:
                found.extend(cursor.fetchall())
    return found
