"""Database faults for the hardening tests: a TCP relay in front of PostgreSQL that the
test can cut (`stop()`: every connection closed, new ones refused) or partition
(`pause()`: connections stay open and accepted, nothing is forwarded, like a network
that drops packets), and a throw-away PostgreSQL schema behind it."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from qa_engine.db import DbTimeouts
from qa_engine.records import Records
from qa_engine.records.migrate import upgrade

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_URL = os.environ.get("STYLESPRINT_TEST_PG_URL",
                        f"postgresql+psycopg2://postgres@{PG_HOST}:{PG_PORT}/test")


class Relay:
    """A TCP relay 127.0.0.1:<port> -> PostgreSQL; `stop()` cuts every connection."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()

    def pause(self) -> None:
        """Partition: keep every connection open (and accept new ones), forward nothing."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def start(self) -> Relay:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:  # stopped while accept() was blocked
                client.close()
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:  # close() alone does not wake a thread blocked in accept() on Linux
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:  # a pump shut it down already
                pass
            finally:
                s.close()


@contextlib.contextmanager
def relayed_pg_records(timeouts: DbTimeouts | None = None) -> Iterator[tuple[Records, Relay]]:
    """Records in a fresh schema of the test PostgreSQL, reached through a `Relay`;
    skips the test (with the reason) when no PostgreSQL answers."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.connect():
            pass
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    relay = Relay((PG_HOST, PG_PORT)).start()
    schema = f"stylesprint_fault_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(admin, schema)  # the deploy step (`stylesprint db upgrade`)
    records = Records(PG_URL.replace(f":{PG_PORT}/", f":{relay.port}/"), schema=schema,
                      timeouts=timeouts)
    records.warm_up()
    try:
        yield records, relay
    finally:
        relay.resume()
        relay.stop()
        records.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
