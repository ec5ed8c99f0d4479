"""The few statements every update runs, compiled once per dialect and run on the session's own DBAPI cursor.

Around a cached statement SQLAlchemy's execution costs four times the statement itself on SQLite (about
60 µs against 15 on the bench machine); a report step runs five or six of them. These take the short way,
and stay SQLAlchemy Core all the same: built from the models' tables, compiled by SQLAlchemy for the
dialect, their values converted by the columns' own types (enums, JSON, datetimes) both ways, run in the
session's transaction, seen by the engine's cursor events (the tests count statements with them), and a
driver error raised as SQLAlchemy's (IntegrityError, OperationalError…).

    _MARK = Prepared(update(Thing).where(col(Thing.id) == bindparam("thing_id")).values(done=bindparam("done")))
    _MARK.run(session, {"thing_id": 5, "done": True})
    rows = _READ.rows(session, {"channel": channel})   # SELECT or … RETURNING: tuples, values converted
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session

Processor = Callable[[Any], Any] | None
# In a session's info: the connection its transaction runs on, when fixed (storage.database.Database.run on
# SQLite): asking the session for it costs more than a statement here.
CONNECTION = "nqbot.connection"


def connection_of(session: Session | Connection) -> Connection:
    """The connection a session's transaction runs on (the one it was given, when still in that transaction,
    else asked of the session, which begins one), or the connection itself."""
    if isinstance(session, Connection):
        return session
    held = session.info.get(CONNECTION)
    return held if held is not None and held.in_transaction() else session.connection()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the order the statement takes them
    defaults: dict[str, Any]  # values bound in the statement itself (a status it sets, a NULL)
    binds: tuple[Processor, ...]  # each parameter's conversion to the driver's value, or None
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, its conversion) where the driver's value needs one
    positional: bool


class Prepared:
    """A Core statement run without SQLAlchemy's execution machinery (see the module's docstring).

    `keys`: for an INSERT whose values come with the parameters, the columns it sets (its compiled form
    names only those)."""

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.keys = list(keys) if keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def run(self, session: Session | Connection, params: Mapping[str, Any]) -> Any:
        """Execute with `params` in the session's transaction (or the connection's: Database.run_core); the
        DBAPI cursor (rows not read yet)."""
        return self._execute(connection_of(session), params)[0]

    def rows(self, session: Session | Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with `params`; every row, its values converted by the columns' types."""
        cursor, compiled = self._execute(connection_of(session), params)
        found = cursor.fetchall()
        cursor.close()
        if not compiled.results:
            return [tuple(row) for row in found]
        return [_converted(compiled.results, row) for row in found]

    def _execute(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        compiled = self._compiled(connection.dialect)
        values = _values(compiled, params)
        cursor = connection.connection.cursor()
        events = connection._has_events or connection.engine._has_events
        if events:
            connection.dispatch.before_cursor_execute(connection, cursor, compiled.sql, values, None, False)
        try:
            cursor.execute(compiled.sql, values)
        except connection.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                compiled.sql, values, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
            ) from error
        if events:
            connection.dispatch.after_cursor_execute(connection, cursor, compiled.sql, values, None, False)
        return cursor, compiled

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _compile(self.statement, dialect, self.keys)
        return compiled


def _compile(statement: ClauseElement, dialect: Dialect, keys: list[str] | None) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=keys)
    processors = compiled._bind_processors
    positional = compiled.positiontup is not None
    names = tuple(compiled.positiontup) if positional else tuple(compiled.bind_names.values())
    columns = getattr(compiled, "_result_columns", [])
    conversions = [column[3]._cached_result_processor(dialect, None) for column in columns]
    results = tuple((index, convert) for index, convert in enumerate(conversions) if convert is not None)
    return _Compiled(
        sql=str(compiled),
        names=names,
        defaults={name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required},
        binds=tuple(processors.get(name) for name in names),
        results=results,
        positional=positional,
    )


def _converted(results: tuple[tuple[int, Callable[[Any], Any]], ...], row: Sequence[Any]) -> tuple[Any, ...]:
    values = list(row)
    for index, convert in results:
        if values[index] is not None:
            values[index] = convert(values[index])
    return tuple(values)


def _values(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    """The parameters as the driver takes them: a tuple (SQLite) or a dict by name (psycopg)."""
    defaults = compiled.defaults
    converted = []
    for name, convert in zip(compiled.names, compiled.binds, strict=True):
        value = params[name] if name in params else defaults[name]
        converted.append(value if convert is None or value is None else convert(value))
    return tuple(converted) if compiled.positional else dict(zip(compiled.names, converted, strict=True))
