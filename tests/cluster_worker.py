"""The host name a worker of the test cluster records on its task instances.

Two Celery workers on one machine share its host name, so ``task_instance.hostname`` could not
tell which ran a task. The cluster (``tests/airflow_cluster.py``) sets ``[core]
hostname_callable`` of each worker to :func:`worker_hostname` and the variable below to the
worker's Celery hostname. Kept apart from the harness because every task process imports it.
"""

from __future__ import annotations

import os
import socket

#: The variable that carries a worker's Celery hostname (``worker1@host``) into its tasks.
WORKER_NAME_ENV = "REPORTFLOW_CELERY_HOSTNAME"


def worker_hostname() -> str:
    """The worker's Celery hostname, or the machine's name outside the cluster."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()
