"""A real PostgreSQL server for the class-store tests: Debian's `postgresql` package, started in a temporary
folder on a Unix socket only (no port opened to the network), stopped when the tests end."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and postgres (Debian keeps them out of PATH), or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """initdb + postgres in a temporary folder, run as the `postgres` user when the tests run as root."""

    def __init__(self, binaries: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="genai-tests-postgres-"))
        self.data = self.folder / "data"
        self.port = 54_000 + os.getpid() % 1_000
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"  # /usr/sbin may be missing from a clean PATH
        self._as_user = [runuser, "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_user:
            shutil.chown(self.folder, "postgres")
        self._run([str(binaries / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        self.process = subprocess.Popen(
            [*self._as_user, str(binaries / "postgres"), "-D", str(self.data), "-k", str(self.folder),
             "-p", str(self.port), "-c", "listen_addresses=", "-c", "fsync=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (self.folder / f".s.PGSQL.{self.port}").exists():
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.1)

    def _run(self, command: list[str]) -> None:
        subprocess.run([*self._as_user, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def new_database(self, name: str) -> str:
        """A fresh database on the server; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@/{name}?host={self.folder}&port={self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
