"""Sign-off and e-mail delivery of the bulletins, per role, once per reader and period.

- :mod:`~reportflow.delivery.recipients`: who gets which edition (``recipients.yaml``).
- :mod:`~reportflow.delivery.approval`: draft previews (草稿) and freezing what was approved.
- :mod:`~reportflow.delivery.ledger`: approvals and every message (SQLite in the data home).
- :mod:`~reportflow.delivery.message`: the e-mail itself (Date, Message-ID, PDF attachment).
- :mod:`~reportflow.delivery.send`: once-only sending, crash-safe, and deliberate resends.
- :mod:`~reportflow.delivery.smtp`: the Airflow Connection ``reportflow_smtp`` as a transport.
- :mod:`~reportflow.delivery.signoff`: the publish DAG's ApprovalOperator (imports Airflow).
"""
