"""A throwaway PostgreSQL cluster for the tests and the benchmarks: its own data folder, port and socket.

``Cluster.start()`` runs ``initdb`` into a new temporary folder and starts the server on a free port
of 127.0.0.1 (its unix socket in that folder too), with durability switched off (fsync, synchronous
commit and full-page writes: a test database need not survive a power cut); ``Cluster(bin_dir,
durable=True)`` keeps PostgreSQL's own defaults (all three on), as a council's server runs, for the
benchmark that measures a load both ways. ``stop()`` stops it and deletes the
folder. Nothing outside the folder is touched: a developer's own PostgreSQL keeps running untouched.
A run that was killed before it could stop its cluster leaves the folder behind with the id of the
process that owned it (``owner.pid``); the next ``start()`` stops such orphans and deletes their folders.

PostgreSQL refuses to run as root, so as root (CI) the server runs as the ``postgres`` user that
Debian's package creates; as anyone else it runs as that user.

The binaries are found in ``HARROW_DASH_PG_BIN`` (a folder), on ``PATH`` (``pg_ctl``) or in Debian's
``/usr/lib/postgresql/<version>/bin``. ``find_bin_dir()`` is None when there are none: the PostgreSQL
tests then skip on a developer machine (and fail under ``CI=true``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
FOLDER_PREFIX = "harrow-pg-"
OWNER_FILE = "owner.pid"


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None."""
    override = os.environ.get("HARROW_DASH_PG_BIN", "").strip()
    if override:
        return Path(override)
    on_path = shutil.which("pg_ctl")
    if on_path and (Path(on_path).parent / "initdb").exists():
        return Path(on_path).parent

    def version(p: Path) -> float:
        try:
            return float(p.parent.name)
        except ValueError:
            return 0.0

    found = sorted((p for p in Path("/").glob(DEBIAN_GLOB.lstrip("/"))), key=version, reverse=True)
    for folder in found:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def driver_available() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Cluster:
    """One PostgreSQL server for a test session (or a benchmark run)."""

    def __init__(self, bin_dir: Path, durable: bool = False):
        self.bin_dir = bin_dir
        self.durable = durable
        self.folder: Path | None = None
        self.port = 0
        self._names = itertools.count(1)
        self._run_as: dict[str, Any] = {}

    # -- life cycle ---------------------------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 120) -> None:
        assert self.folder is not None
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
            **self._run_as,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{tail}"
            )

    def start(self) -> Cluster:
        self.stop_orphans()
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        (self.folder / OWNER_FILE).write_text(str(os.getpid()))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")  # KeyError: install Debian's postgresql package
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        self._run(
            "initdb",
            "-D",
            "data",
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.port = _free_port()
        self._start_server()
        return self

    def _start_server(self) -> None:
        durability = (
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
            if self.durable
            else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 {durability} "
            "-c max_connections=200"
        )
        self._run("pg_ctl", "-D", "data", "-o", options, "-l", "server.log", "-w", "start")

    def pause(self) -> None:
        """Stop the server as a crash would (connections cut), keeping its data: ``resume`` starts
        it again on the same port. Only for a cluster of a test's own, not the session's."""
        self._run("pg_ctl", "-D", "data", "-m", "immediate", "-w", "stop", timeout=60)

    def resume(self) -> None:
        self._start_server()

    def stop(self) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", "data", "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def stop_orphans(self) -> list[Path]:
        """Stop the clusters of earlier runs whose owning process is gone; returns their folders."""
        stopped = []
        for folder in Path(tempfile.gettempdir()).glob(FOLDER_PREFIX + "*"):
            try:
                owner = int((folder / OWNER_FILE).read_text().strip())
            except (OSError, ValueError):
                continue  # not one of ours, or still being set up
            if _alive(owner):
                continue
            orphan = Cluster(self.bin_dir)
            orphan.folder = folder
            if os.geteuid() == 0:
                user = pwd.getpwnam("postgres")
                orphan._run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            orphan.stop()
            stopped.append(folder)
        return stopped

    # -- databases ----------------------------------------------------------------------------------
    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE / DROP DATABASE) on the ``postgres`` db."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new empty database (or a copy of ``template``, which nobody may be connected to);
        returns its SQLAlchemy URL."""
        name = name or f"t{os.getpid()}_{next(self._names)}"
        copy = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
