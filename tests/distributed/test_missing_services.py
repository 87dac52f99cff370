"""Without PostgreSQL or Redis the distributed tests fail, saying which is missing."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from tests.airflow_cluster import (
    AirflowCluster,
    ServiceMissing,
    Services,
    airflow_cluster,
    free_port,
)


def test_missing_postgres_is_named(tmp_path: Path) -> None:
    nothing_listens = Services(postgres_port=free_port())
    with (
        pytest.raises(ServiceMissing, match=r"PostgreSQL is not reachable at 127\.0\.0\.1:"),
        airflow_cluster(tmp_path, nothing_listens),
    ):
        pytest.fail("the cluster started without PostgreSQL")


def test_missing_redis_is_named_and_the_database_is_dropped(tmp_path: Path) -> None:
    cluster = AirflowCluster(tmp_path, Services(redis_port=free_port()))
    with pytest.raises(ServiceMissing, match=r"Redis is not reachable at 127\.0\.0\.1:"):
        cluster.start()
    cluster.stop()
    with closing(Services().postgres()) as connection, connection.cursor() as cursor:
        cursor.execute("select 1 from pg_database where datname = %s", (cluster.database,))
        assert cursor.fetchall() == []
