"""SQLAlchemy's aiosqlite driver with one trip to the connection's thread per statement, or none.

aiosqlite runs each sqlite3 call in the connection's own thread: SQLAlchemy's adapter makes a trip
there to open a cursor, one to execute, one to fetch the rows and one to close the cursor, and each
trip costs a queue hand-off, a thread switch and a wake-up of the event loop. Here a statement is one
trip: the cursor is opened, executed, read and closed in the connection's thread, and its description,
rows, row count and last row id come back together; a commit or rollback with no transaction open makes
no trip.

The runtime's own short statements (marked with the ``INLINE`` execution option: the inbox claim, the
staged writes, the relay's load and mark) and commits make no trip at all on a database in WAL mode:
they run in the event loop's thread without waiting for a lock. Should one have to wait (another
connection holds the write lock), it goes to the connection's thread instead and waits there, as every
other statement does, so the event loop never blocks on a lock.

Write transactions of one process on one database file take turns in a FIFO queue (an asyncio lock
taken before the statement that opens the transaction, released at its commit or rollback), so they
never meet at SQLite's write lock: there a waiter sleeps in SQLite's busy handler (1, 2, 5, ... up to
100 ms at a time) and may sleep on after the lock was freed. Writers of other processes still wait
there, up to the busy timeout.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sqlite3
import weakref
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]
"""A statement's description, rows, row count and last row id."""

INLINE = "werkplaats_inline"
"""Execution option: run this short statement in the event loop's thread when it need not wait."""
BUSY_TIMEOUT_MS = 30_000
"""How long a statement in the connection's thread waits for a lock."""
TURN_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000
"""How long a write transaction waits for its turn in its process's queue before it goes ahead anyway."""
INLINE_MAX_PARAMETERS = 64
"""Most parameters (or rows of ``executemany``) of a statement run inline: a larger one runs in the
connection's thread, where SQLite's work overlaps the event loop's (a burst's batches), and so does the
commit of its transaction."""
_WOULD_WAIT = object()
_LOCK_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
"""Statements before which sqlite3 opens a transaction (Python 3.11: by the first keyword)."""
_WRITE_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def write_queue(database: str) -> asyncio.Lock:
    """The queue in which this process's write transactions on the file ``database`` take turns."""
    queues = _WRITE_QUEUES.setdefault(asyncio.get_running_loop(), {})
    return queues.setdefault(database, asyncio.Lock())


def opens_write(operation: str) -> bool:
    """Whether sqlite3 opens a write transaction before ``operation`` (when none is open)."""
    return operation.lstrip()[:7].upper().startswith(_WRITES)


def _queued_file(arg: tuple[Any, ...], kw: dict[str, Any]) -> str | None:
    """The database file of a connection's arguments, or None (in memory, or a URI) for no queue."""
    database = str(arg[0] if arg else kw.get("database", ""))
    if kw.get("uri") or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return os.path.realpath(database)


def _run(connection: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> Outcome:
    """Execute one statement on ``connection`` (in its thread) and read everything it returned."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is one trip to the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount", "inline")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1
        self.inline = False
        """Set per statement from its ``INLINE`` execution option."""

    @property
    def description(self) -> Any:
        """The columns of the last statement's rows (None: it returned none)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed (-1: not known)."""
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        """The row id of the last inserted row."""
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        """Rows ``fetchmany`` returns when not told."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed in the connection's thread."""

    def close(self) -> None:
        """Drop the rows not read."""
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        queued = adapted.file is not None and adapted.turn is None and opens_write(operation)
        if queued and not connection._conn.in_transaction:
            await adapted.take_turn()
        try:
            await self._run_once(operation, parameters, many=many)
        finally:
            if adapted.turn is not None and not connection._conn.in_transaction:  # it opened none
                adapted.end_turn()

    async def _run_once(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            outcome: Any = _WOULD_WAIT
            if self.inline and adapted.wal and len(parameters or ()) <= INLINE_MAX_PARAMETERS:
                outcome = adapted.without_waiting(_run, operation, parameters, many)
            if outcome is _WOULD_WAIT:
                execute = connection._execute
                outcome = await execute(_run, connection._conn, operation, parameters, many)  # type: ignore[no-untyped-call]
                adapted.threaded = adapted.threaded or connection._conn.in_transaction  # it wrote
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        """SQLite has one result set per statement."""
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter, with one-trip cursors and no trip to end no transaction.

    A commit or rollback with no transaction open (after reads only, or the pool's reset after a
    commit) does nothing in sqlite3, so it is not sent to the connection's thread at all; in WAL mode
    the commit of a transaction whose writes all ran inline runs inline too, unless it must wait.
    """

    __slots__ = ("file", "threaded", "turn", "wal")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any, file: str | None = None) -> None:
        super().__init__(dbapi, connection)
        self.wal = False
        """Whether the database is in WAL mode (set at connect): only then do statements run inline."""
        self.threaded = False
        """Whether a write of the open transaction ran in the connection's thread (a large one)."""
        self.file = file
        """The database file whose write queue this connection's write transactions join (None: none)."""
        self.turn: asyncio.Lock | None = None
        """The write queue while this connection's write transaction holds its turn."""

    async def take_turn(self) -> None:
        """Wait for this process's earlier write transactions on the file to end (at most the busy timeout).

        Should the wait last that long (a transaction left open), the write goes ahead without its turn
        and SQLite's busy timeout decides, as for a writer of another process.
        """
        queue = write_queue(self.file or "")
        try:
            await asyncio.wait_for(queue.acquire(), TURN_TIMEOUT_S)
        except TimeoutError:
            return
        self.turn = queue

    def end_turn(self) -> None:
        """Let the next write transaction of this process go (when this one held its turn)."""
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.release()

    def _in_transaction(self) -> bool:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is None or connection._connection.in_transaction

    def without_waiting(self, work: Any, *args: Any) -> Any:
        """``work(sqlite3 connection, *args)`` in this thread, or ``_WOULD_WAIT`` if it must wait for a lock.

        A statement refused for a lock changed nothing; when it was the first of its transaction, the
        transaction it opened is rolled back, so the retry in the connection's thread starts afresh.
        """
        connection: sqlite3.Connection = self._connection._conn
        began = connection.in_transaction
        connection.execute("PRAGMA busy_timeout=0")
        try:
            return work(connection, *args)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF not in _LOCK_CODES:
                raise
            if not began and connection.in_transaction:
                connection.rollback()
            return _WOULD_WAIT
        finally:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def commit(self) -> None:
        """Commit the open transaction, if there is one: inline when all its statements ran inline."""
        threaded, self.threaded = self.threaded, False
        try:
            if not self._in_transaction():
                return
            if self.wal and not threaded and self.without_waiting(_commit) is not _WOULD_WAIT:
                return
            super().commit()
        finally:
            self._end_turn_unless_open()

    def rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
        self.threaded = False
        try:
            if self._in_transaction():
                super().rollback()
        finally:
            self._end_turn_unless_open()

    def close(self) -> None:
        """Close the connection, ending its turn in the write queue."""
        try:
            super().close()
        finally:
            self.end_turn()

    def _end_turn_unless_open(self) -> None:
        if self.turn is not None and not self._in_transaction():
            self.end_turn()


def _commit(connection: sqlite3.Connection) -> None:
    connection.commit()


def mark_inline(_: Any, cursor: Any, __: str, ___: Any, context: Any, ____: bool) -> None:
    """``before_cursor_execute`` listener: tell a one-trip cursor whether its statement may run inline."""
    if isinstance(cursor, OneTripCursor):
        cursor.inline = context is not None and bool(context.execution_options.get(INLINE))


def note_journal_mode(connection: Any, mode: str) -> None:
    """Record at connect whether ``connection``'s database is in WAL mode (inline statements need it)."""
    if isinstance(connection, OneTripConnection):
        connection.wal = mode.lower() == "wal"


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DB-API adapter whose connections make one trip per statement."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """A new connection (its aiosqlite thread a daemon, as SQLAlchemy's own)."""
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return OneTripConnection(self, await_(connection), _queued_file(arg, kw))


def one_trip_dbapi() -> OneTripDbapi:
    """The DB-API module to give ``create_async_engine(..., module=...)`` for ``sqlite+aiosqlite`` URLs."""
    return OneTripDbapi(aiosqlite, sqlite3)
