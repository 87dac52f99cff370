"""The Airflow glue: what the DAG files wire together, and the embedded Airflow they run in.

* :mod:`~reportflow.orchestration.wiring`: Assets, the writer pool, default args (retries,
  timeouts, alerts), the tasks that must not retry, the settings check every task starts with;
* :mod:`~reportflow.orchestration.dbt_group`: the dbt project as a Cosmos task group;
* :mod:`~reportflow.orchestration.local`: the local Airflow's environment and its one set-up
  command (``reportflow airflow-setup``: metadata database and pool).

This file imports nothing on purpose: importing ``airflow`` reads its configuration once, from
``AIRFLOW_HOME`` as it is at that moment, so ``local`` must be importable (by the CLI, the demo
and the test set-up, which set that variable) without pulling Airflow in.
"""
