"""Async SQLAlchemy storage: SQLite embedded by default, PostgreSQL when a URL is configured."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ARRAY, BigInteger, Dialect, Integer, LargeBinary, Table, TextClause, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

from werkplaats.sqlite_driver import BUSY_TIMEOUT_MS, mark_inline, note_journal_mode, one_trip_dbapi

# An auto-incrementing 64-bit key; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Blob(LargeBinary):
    """Bytes handed to the driver as they are (sqlite3 and asyncpg take ``bytes``): no wrapper per value."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        """No conversion: the value is already ``bytes``."""
        return None


if TYPE_CHECKING:
    from werkplaats.unit_of_work import SqlUnitOfWork

U = TypeVar("U", bound="SqlUnitOfWork")
K = TypeVar("K")
V = TypeVar("V")

CHUNK = 500
"""Keys per ``IN (...)`` list: bounded statements on every database."""


async def load_in_chunks(
    keys: Iterable[K], load: Callable[[list[K]], Awaitable[Iterable[tuple[K, V]]]], *, size: int = CHUNK
) -> dict[K, V | None]:
    """Every key of ``keys`` with what ``load`` found for it (None: nothing), ``size`` keys per query."""
    wanted: list[K] = sorted(set(keys))  # type: ignore[type-var]
    loaded: dict[K, V | None] = {}
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        found = dict(await load(chunk))
        loaded.update({key: found.get(key) for key in chunk})
    return loaded


async def insert_new(session: AsyncSession, table: Any, values: dict[str, Any]) -> bool:
    """Insert ``values`` into ``table`` unless a row with its key is there; True when this call inserted it.

    Two transactions racing for one key insert once: the loser waits for the winner, then inserts nothing.
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(insert(table).values(values).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class ArrayStatement:
    """Rows written to a PostgreSQL table by one statement: each column one array, ``unnest``ed.

    The statement's text is the same however many rows it carries, so it is prepared once per
    connection; its parameters are a handful of arrays, which asyncpg encodes in binary. An insert
    adds rows in the order given (an identity or serial key grows with it).
    """

    statement: TextClause
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: tuple[tuple[str, Any], ...]
    """Columns the rows leave out that have a fixed default of the application's: one value for all."""

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """The statement's arrays for ``rows`` (every row has the same columns), as the driver takes them."""
        arrays: dict[str, list[Any]] = {}
        for index, (name, process) in enumerate(zip(self.columns, self.processors, strict=True)):
            values = [row[name] for row in rows]
            arrays[f"c{index}"] = values if process is None else [process(value) for value in values]
        for index, (_, value) in enumerate(self.constants, len(self.columns)):
            arrays[f"c{index}"] = [value] * len(rows)
        return arrays


def array_insert(
    table: Table, columns: Sequence[str], dialect: Dialect, *, on_conflict: str = ""
) -> ArrayStatement | None:
    """The set-based insert of ``columns`` into ``table`` on PostgreSQL; None where it does not apply.

    It does not apply on other databases, to array columns, or when a left-out column has a default
    computed by the application per row (``executemany`` computes it). ``on_conflict`` is appended as is.
    """
    if dialect.name != "postgresql":
        return None
    return _array_insert(table, tuple(columns), dialect, on_conflict)


@functools.lru_cache(maxsize=256)
def _array_insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect, on_conflict: str
) -> ArrayStatement | None:
    constants: list[tuple[str, Any]] = []
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        constants.append((column.name, column.default.arg))  # type: ignore[attr-defined]
    names = (*columns, *(name for name, _ in constants))
    types = [table.c[name].type for name in names]
    if any(isinstance(type_, ARRAY) for type_ in types):
        return None
    quote = dialect.identifier_preparer.quote
    aliases = [f"c{index}" for index in range(len(names))]
    arrays = ", ".join(
        f"CAST(:{alias} AS {type_.compile(dialect=dialect)}[])"
        for alias, type_ in zip(aliases, types, strict=True)
    )
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, names))}) "
        f"SELECT {', '.join(f'u.{alias}' for alias in aliases)} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({', '.join(aliases)}, n) ORDER BY u.n {on_conflict}"
    )
    return ArrayStatement(text(sql.strip()), columns, _processors(table, columns, dialect), tuple(constants))


def array_delete(table: Table, dialect: Dialect) -> ArrayStatement | None:
    """The set-based delete of rows of ``table`` by primary key on PostgreSQL; None elsewhere."""
    return _array_delete(table, dialect) if dialect.name == "postgresql" else None


@functools.lru_cache(maxsize=256)
def _array_delete(table: Table, dialect: Dialect) -> ArrayStatement | None:
    keys = tuple(column.name for column in table.primary_key.columns)
    types = [table.c[name].type for name in keys]
    if any(isinstance(type_, ARRAY) for type_ in types):
        return None
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(
        f"CAST(:c{index} AS {type_.compile(dialect=dialect)}[])" for index, type_ in enumerate(types)
    )
    sql = (
        f"DELETE FROM {dialect.identifier_preparer.format_table(table)} "
        f"WHERE ({', '.join(map(quote, keys))}) IN (SELECT * FROM unnest({arrays}))"
    )
    return ArrayStatement(text(sql), keys, _processors(table, keys, dialect), ())


def _processors(
    table: Table, columns: Sequence[str], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's conversion of a value for the driver (None: none), as ``executemany`` applies it."""
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns)


def json_dumps(value: Any) -> str:
    """JSON text of a column value; an empty object (most outbox headers) without the encoder."""
    return "{}" if value == {} else json.dumps(value)


def json_loads(text: str) -> Any:
    """A column's JSON text decoded; an empty object without the decoder."""
    return {} if text == "{}" else json.loads(text)


class Base(DeclarativeBase):
    """Declarative base of the runtime's own tables (outbox, inbox)."""


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    (mode,) = cursor.fetchone()
    for pragma in ("synchronous=NORMAL", f"busy_timeout={BUSY_TIMEOUT_MS}", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    note_journal_mode(dbapi_connection, str(mode))


def _replace_closed(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """Replace a pooled PostgreSQL connection the server has closed, without a round trip to ask.

    The driver notices a closed socket (a restarted server, a terminated backend) as soon as the event
    loop reads it; a connection that dies while in use fails its transaction instead, and its user retries.
    """
    if record.driver_connection is None or record.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


class Database:
    """One service's database: the engine, sessions, and a signal that outbox rows were committed."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            _prepare_sqlite(url)
            one_trip = make_url(url).get_driver_name() == "aiosqlite"
            driver = {"module": one_trip_dbapi()} if one_trip else {}
            self.engine: AsyncEngine = create_async_engine(
                url,
                echo=echo,
                **driver,
                hide_parameters=True,
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": not one_trip},
                json_serializer=json_dumps,
                json_deserializer=json_loads,
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            if one_trip:  # the runtime's short statements run in the event loop's thread
                event.listen(self.engine.sync_engine, "before_cursor_execute", mark_inline)
        else:
            self.engine = create_async_engine(
                url,
                echo=echo,
                hide_parameters=True,
                pool_size=10,
                max_overflow=10,
                json_serializer=json_dumps,
                json_deserializer=json_loads,
            )
            # No pre-ping: it cost three round trips (BEGIN, a query, ROLLBACK) per transaction.
            event.listen(self.engine.sync_engine, "checkout", _replace_closed)
        # hide_parameters: logged statements and database errors never carry values (personal data)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_committed = asyncio.Event()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on error (no staged work, no events)."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def unit_of_work(self, factory: Callable[[AsyncSession], U]) -> AsyncIterator[U]:
        """A unit of work made by ``factory``: committed on success, rolled back on error.

        Its staged rows and events are written just before the commit; after the commit the outbox
        relay wakes (when events were staged) and the unit of work's after-commit callbacks run.
        """
        async with self.sessions() as session:
            async with session.begin():
                unit = factory(session)
                yield unit
                await unit.flush_staged()
            published = bool(unit.events)
        if published:
            self.outbox_committed.set()
        unit.committed()

    async def create_all(self, *metadatas: Any) -> None:
        """Create the tables of ``metadatas`` that do not exist (tests and tools; services migrate)."""
        async with self.engine.begin() as connection:
            for metadata in (Base.metadata, *metadatas):
                await connection.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        """Whether the database answers."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
