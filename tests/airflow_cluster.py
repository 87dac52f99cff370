"""A real distributed Airflow on this machine: the components of docker-compose as processes.

Why: there is no Docker engine here, yet the distributed deployment (CeleryExecutor, PostgreSQL
metadata, Redis broker, several workers) must be proven by running it. :class:`AirflowCluster`
starts exactly the components that ``docker-compose.yml`` declares (:data:`COMPONENTS`, which
the compose test compares with the file) against the machine's PostgreSQL and Redis, in its own
database, Redis db number, Airflow home and data home, and takes all of it down again.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg2
import redis

from reportflow.config import PROJECT_ROOT, Settings
from reportflow.orchestration.local import Distributed, airflow_environment
from reportflow.transform import parse_manifest
from tests.cluster_worker import WORKER_NAME_ENV, worker_hostname

#: Marks the Redis db number a cluster claimed, so two clusters never share one.
REDIS_CLAIM_KEY = "reportflow:airflow-cluster"


@dataclass(frozen=True)
class Component:
    """One long-running Airflow process kind: its compose service and its ``airflow`` command."""

    service: str
    command: tuple[str, ...]
    replicas: int = 1


#: The distributed deployment: docker-compose's services and this harness's processes.
COMPONENTS = (
    Component("airflow-apiserver", ("api-server",)),
    Component("airflow-scheduler", ("scheduler",)),
    Component("airflow-dag-processor", ("dag-processor",)),
    Component("airflow-triggerer", ("triggerer",)),
    Component("airflow-worker", ("celery", "worker"), replicas=2),
)

#: Short loops so that a test waits seconds, not minutes, between steps of the chain.
FAST_LOOPS = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
}


class ServiceMissing(RuntimeError):
    """PostgreSQL or Redis is not there: the distributed test fails, naming which."""


def free_port() -> int:
    """A TCP port nobody listens on now (the components must not clash with other installs)."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Services:
    """Where the machine's PostgreSQL (trust authentication) and Redis listen."""

    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379

    def postgres(self, dbname: str = "postgres"):
        """An autocommit connection to ``dbname``, or :class:`ServiceMissing`."""
        try:
            connection = psycopg2.connect(
                host=self.postgres_host,
                port=self.postgres_port,
                user=self.postgres_user,
                dbname=dbname,
                connect_timeout=10,
            )
        except psycopg2.OperationalError as error:
            raise ServiceMissing(
                f"PostgreSQL is not reachable at {self.postgres_host}:{self.postgres_port} as "
                f"user {self.postgres_user}: the distributed test needs it ({error})"
            ) from error
        connection.autocommit = True
        return connection

    def database_url(self, dbname: str) -> str:
        host = f"{self.postgres_host}:{self.postgres_port}"
        return f"postgresql+psycopg2://{self.postgres_user}@{host}/{dbname}"

    def redis(self, number: int) -> redis.Redis:
        return redis.Redis(host=self.redis_host, port=self.redis_port, db=number)

    def broker_url(self, number: int) -> str:
        return f"redis://{self.redis_host}:{self.redis_port}/{number}"

    def claim_redis_db(self, token: str) -> int:
        """The first empty Redis db number (1-15; 0 is left to others), marked as ours."""
        for number in range(1, 16):
            client = self.redis(number)
            try:
                claimed = client.set(REDIS_CLAIM_KEY, token, nx=True)
            except redis.ConnectionError as error:
                raise ServiceMissing(
                    f"Redis is not reachable at {self.redis_host}:{self.redis_port}: the "
                    f"distributed test needs it ({error})"
                ) from error
            if claimed and client.dbsize() == 1:
                return number
            if claimed:
                client.delete(REDIS_CLAIM_KEY)
        raise ServiceMissing(f"Redis at {self.redis_host}:{self.redis_port} has no empty db left")


class AirflowCluster:
    """The distributed Airflow of docker-compose, as local processes with private state."""

    def __init__(self, root: Path, services: Services | None = None) -> None:
        self.root = root
        self.services = services or Services()
        self.settings = Settings(home=root / "home", stable_seconds=0)
        self.logs = root / "logs"
        token = secrets.token_hex(4)
        self.database = f"reportflow_cluster_{token}"
        self.api_url = f"http://127.0.0.1:{free_port()}"
        self._token = token
        self._redis_db: int | None = None
        self._processes: dict[str, subprocess.Popen] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Create the database, claim a Redis db, set Airflow up and start every component."""
        self.settings.home.mkdir(parents=True)
        self.logs.mkdir()
        with closing(self.services.postgres()) as connection, connection.cursor() as cursor:
            cursor.execute(f'create database "{self.database}"')
        self._redis_db = self.services.claim_redis_db(self._token)
        self.run("reportflow", "init")
        parse_manifest(self.settings)  # the DAG processor renders the dbt task group from it
        self.run("reportflow", "airflow-setup", "--configured")
        for component in COMPONENTS:
            for replica in range(1, component.replicas + 1):
                self._start(component, replica)
        self.wait_for(self._api_is_healthy, "the API server to answer", timeout=180)

    def stop(self) -> None:
        """Stop every process (and any child it left), drop the database, flush the Redis db."""
        for process in self._processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self._processes.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)
            process.wait()
        for stray in self.stray_processes():
            stray.kill()
        with closing(self.services.postgres()) as connection, connection.cursor() as cursor:
            cursor.execute(f'drop database if exists "{self.database}" with (force)')
        if self._redis_db is not None:
            self.services.redis(self._redis_db).flushdb()

    def stray_processes(self) -> list[psutil.Process]:
        """Processes still running with this cluster's Airflow home (none after :meth:`stop`)."""
        marker = str(self.settings.airflow_home)
        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get("AIRFLOW_HOME") == marker:
                    found.append(process)
            except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
        return found

    # ------------------------------------------------------------------ environment

    def environment(self, **extra: str) -> dict[str, str]:
        """The one Airflow environment of every component and command of this cluster."""
        distributed = Distributed(
            database_url=self.services.database_url(self.database),
            broker_url=self.services.broker_url(self._redis_db),
            api_url=self.api_url,
            jwt_secret=self._token * 8,
        )
        return {
            **airflow_environment(self.settings, distributed),
            **FAST_LOOPS,
            "AIRFLOW__API__PORT": self.api_url.rsplit(":", 1)[1],
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "REPORTFLOW_STABLE_SECONDS": "0",
            "REPORTFLOW_AUTO_APPROVE": "1",
            "PYTHONPATH": str(PROJECT_ROOT),
            **extra,
        }

    def _start(self, component: Component, replica: int) -> None:
        name = component.service if component.replicas == 1 else f"worker{replica}"
        extra: dict[str, str] = {}
        arguments = list(component.command)
        if component.replicas > 1:  # one host: each worker needs its own name and log port
            celery_hostname = f"{name}@{socket.gethostname()}"
            arguments += ["--celery-hostname", celery_hostname]
            extra = {
                WORKER_NAME_ENV: celery_hostname,
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{worker_hostname.__module__}.worker_hostname",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            }
        log = (self.logs / f"{name}.log").open("w", encoding="utf-8")
        self._processes[name] = subprocess.Popen(
            [_bin("airflow"), *arguments],
            env=self.environment(**extra),
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends it with its children
        )
        log.close()

    # ------------------------------------------------------------------ using it

    def run(self, command: str, *args: str) -> str:
        """Run ``reportflow`` or ``airflow`` against this cluster; its output, or fail loudly."""
        completed = subprocess.run(
            [_bin(command), *args],
            env=self.environment(),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if completed.returncode != 0:
            raise AssertionError(
                f"{command} {' '.join(args)} exited {completed.returncode}:\n"
                f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
            )
        return completed.stdout

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows from the cluster's metadata database."""
        with closing(self.services.postgres(self.database)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def wait_for(self, condition: Callable[[], bool], what: str, *, timeout: float) -> None:
        """Poll ``condition`` until true; fail naming ``what`` if a component died or time ran out.

        The timeout only bounds a hung run; nothing is asserted about how long it took.
        """
        deadline = time.monotonic() + timeout
        while not condition():
            dead = {n: p.returncode for n, p in self._processes.items() if p.poll() is not None}
            if dead or time.monotonic() > deadline:
                reason = f"components exited: {dead}" if dead else f"no result in {timeout:.0f} s"
                raise AssertionError(f"waiting for {what}: {reason}\n{self.log_tails()}")
            time.sleep(2)

    def dag_run_states(self, dag_id: str) -> list[str]:
        return [state for (state,) in self.query(_RUN_STATES, (dag_id,))]

    def log_tails(self, lines: int = 25) -> str:
        """The end of every component's log, for the message of a failed wait."""
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    def _api_is_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5):
                return True
        except OSError:
            return False


_RUN_STATES = "select state from dag_run where dag_id = %s order by id"


def _bin(command: str) -> str:
    return str(Path(sys.executable).parent / command)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


@contextmanager
def airflow_cluster(root: Path, services: Services | None = None) -> Iterator[AirflowCluster]:
    """A started cluster, stopped and cleaned up on the way out, also when the body fails."""
    cluster = AirflowCluster(root, services)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
