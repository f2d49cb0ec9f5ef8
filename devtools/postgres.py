"""A throwaway PostgreSQL cluster for a benchmark's or test's Synapse (development tooling).

`LocalPostgres` runs the PostgreSQL server binaries found on the machine (``postgres`` on
PATH, else the newest ``/usr/lib/postgresql/<version>/bin``): ``initdb`` into a fresh
temporary folder, ``postgres`` as a child process listening on 127.0.0.1:`port` and on a
unix socket inside that folder, then one database created the way Synapse requires
(``ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0``). `stop()` ends the
server and deletes the folder. Hand `synapse_database()` to `LocalSynapse(database=...)`.

PostgreSQL refuses to run as root. As root the cluster is owned by, and every server
binary runs as, an unprivileged account: ``postgres`` where it exists (Debian's package
creates it), else ``nobody``; the child switches user itself (no sudo or runuser needed).

Server settings are PostgreSQL 15's defaults (``fsync``, ``synchronous_commit`` and
``full_page_writes`` on; ``shared_buffers`` 128 MB), so a figure measured on it is one a
real deployment on the same disk could see; only where it listens is set. Synapse logs in
over TCP with a random password (scram-sha-256); the unix socket, in a folder only the
owner can enter, trusts local users and is used to create the database.

Needs nothing from Python beyond the standard library; Synapse itself needs ``psycopg2``
(the dev extra brings ``psycopg2-binary``).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from devtools.childproc import ChildServer, launch, stop_child, wait_until_ready

__all__ = ["LocalPostgres", "PostgresError", "postgres_bin_dir"]

_SUPERUSER = "tryggbot"


class PostgresError(Exception):
    """The cluster could not be created, started or prepared; the message says why."""


def postgres_bin_dir() -> Path | None:
    """The folder holding ``initdb``, ``postgres`` and ``psql``, or None if there is none."""
    found = shutil.which("postgres")
    candidates = [Path(found).resolve().parent] if found else []

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit())

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)][
        ::-1
    ]
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "postgres", "psql")):
            return folder
    return None


class LocalPostgres(ChildServer):
    """One throwaway cluster with one database, on 127.0.0.1:`port`.

    Contract: `start()` creates everything (a no-op while running) and raises
    `PostgresError` with the tail of the server's log if it cannot; `stop()` ends the server
    (fast shutdown, SIGKILL after `grace` seconds) and removes the folder, and is idempotent.
    `start()` and `stop()` must run on the same event loop. Nothing is kept between runs.
    """

    def __init__(self, *, port: int, database: str = "synapse") -> None:
        if not 0 < port < 65536:
            raise ValueError(f"port must be in 1..65535, got {port}")
        self.port = port
        self.database = database
        self.password = secrets.token_urlsafe(24)
        self.folder: Path | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._log_file: IO[bytes] | None = None
        self._account: pwd.struct_passwd | None = None
        self._bin: Path | None = None
        self.server_version = "PostgreSQL"
        """What ``postgres --version`` said, once started."""

    # ------------------------------------------------------------------------ describe

    @property
    def run_as(self) -> str:
        """The account the server runs as (the current one unless we are root)."""
        return (self._account or pwd.getpwuid(os.getuid())).pw_name

    @property
    def socket_dir(self) -> Path:
        assert self.folder is not None, "not started"
        return self.folder / "run"

    @property
    def log_path(self) -> Path:
        assert self.folder is not None, "not started"
        return self.folder / "postgres.log"

    def synapse_database(self) -> dict[str, Any]:
        """The ``database`` section of Synapse's homeserver.yaml for this cluster."""
        return {
            "name": "psycopg2",
            "args": {
                "user": _SUPERUSER,
                "password": self.password,
                "dbname": self.database,
                "host": "127.0.0.1",
                "port": self.port,
                # Synapse's defaults: a connection pool of 5 to 10.
                "cp_min": 5,
                "cp_max": 10,
            },
        }

    def describe(self) -> str:
        """E.g. ``PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on 127.0.0.1:5433, as postgres``."""
        return f"{self.server_version} on 127.0.0.1:{self.port}, as {self.run_as}"

    # -------------------------------------------------------------------- start / stop

    async def start(self, timeout: float = 60) -> None:  # noqa: ASYNC109
        if self.is_running():
            return
        began = time.monotonic()
        self._bin = postgres_bin_dir()
        if self._bin is None:
            raise PostgresError(
                "no PostgreSQL server binaries (initdb, postgres, psql) on PATH or in "
                "/usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql)"
            )
        self._account = _unprivileged_account() if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="tryggbot-pg-"))
        if self._account is not None:
            os.chown(self.folder, self._account.pw_uid, self._account.pw_gid)
        try:
            said = await self._output("postgres", "--version")
            self.server_version = said.replace("postgres (PostgreSQL)", "PostgreSQL").strip()
            await self._create_cluster()
            await self._launch()
            await self._wait_ready(deadline=began + timeout)
            await self._psql(
                f"CREATE DATABASE {self.database} ENCODING 'UTF8' LC_COLLATE 'C' "
                "LC_CTYPE 'C' TEMPLATE template0"
            )
        except BaseException:
            await self.stop()
            raise

    async def _create_cluster(self) -> None:
        assert self.folder is not None
        self.socket_dir.mkdir(mode=0o700)
        pwfile = self.folder / "pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.password + "\n")
        if self._account is not None:
            for path in (self.socket_dir, pwfile):
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
        try:
            await self._run(
                "initdb",
                "--pgdata",
                str(self.folder / "data"),
                "--username",
                _SUPERUSER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            )
        finally:
            pwfile.unlink(missing_ok=True)

    async def _launch(self) -> None:
        assert self.folder is not None and self._bin is not None
        self._log_file = self.log_path.open("ab")
        self._process = await launch(  # a Ctrl-C reaches only the parent, which calls stop()
            [
                str(self._bin / "postgres"),
                "-D",
                str(self.folder / "data"),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={self.port}",
                "-c",
                f"unix_socket_directories={self.socket_dir}",
            ],
            output=self._log_file,
            **self._as_account(),
        )

    async def _wait_ready(self, *, deadline: float) -> None:
        process = self._process
        assert process is not None

        async def answers() -> bool:
            ready = await self._run(
                "pg_isready", "-q", "-h", str(self.socket_dir), "-p", str(self.port), check=False
            )
            return ready == 0

        async def log_tail() -> str:
            return self.log_tail()

        await wait_until_ready(
            process,
            answers,
            name="postgres",
            deadline=deadline,
            late="did not get ready in time",
            error=PostgresError,
            log_tail=log_tail,
        )

    async def _psql(self, sql: str) -> None:
        await self._run(
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            _SUPERUSER,
            "-d",
            "postgres",
            "-c",
            sql,
        )

    async def _run(self, program: str, *args: str, check: bool = True) -> int:
        """Run one server binary as the cluster's account; its output only on failure."""
        code, _ = await self._exec(program, *args, check=check)
        return code

    async def _output(self, program: str, *args: str) -> str:
        return (await self._exec(program, *args, check=True))[1]

    async def _exec(self, program: str, *args: str, check: bool) -> tuple[int, str]:
        assert self._bin is not None and self.folder is not None
        proc = await asyncio.create_subprocess_exec(
            str(self._bin / program),
            *args,
            cwd=self.folder,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            **self._as_account(),
        )
        out, _ = await proc.communicate()
        code = proc.returncode
        assert code is not None
        text = out.decode("utf-8", errors="replace").strip()
        if check and code != 0:
            raise PostgresError(f"{program} failed with code {code} (as {self.run_as}):\n{text}")
        return code, text

    def _as_account(self) -> dict[str, Any]:
        if self._account is None:
            return {}
        return {
            "user": self._account.pw_uid,
            "group": self._account.pw_gid,
            "extra_groups": [],
            "env": {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LC_ALL": "C",
                "HOME": str(self.folder),
            },
        }

    async def stop(self, grace: float = 15) -> None:
        """Fast shutdown (SIGINT), SIGKILL after `grace` s; then delete the folder."""
        process, self._process = self._process, None
        if process is not None:
            await stop_child(process, signum=signal.SIGINT, grace=grace, whole_group=True)
        log_file, self._log_file = self._log_file, None
        if log_file is not None:
            log_file.close()
        folder, self.folder = self.folder, None
        if folder is not None:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except (OSError, AssertionError):
            return "(no server log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"


def _unprivileged_account() -> pwd.struct_passwd:
    """As root: the account to run PostgreSQL as (``postgres``, else ``nobody``)."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            account = pwd.getpwnam(name)
            if account.pw_uid != 0:
                return account
    raise PostgresError(
        "running as root, and neither a 'postgres' nor a 'nobody' account exists to run "
        "PostgreSQL as (it refuses root): create one, e.g. useradd --system postgres"
    )
