"""Alerts people receive by e-mail, each once per cause.

- :mod:`~reportflow.alerts.ledger`: the ledger's ``alerts`` table and the once-per-cause rule.
- :mod:`~reportflow.alerts.mail`: rendering and sending through Airflow's ``SmtpNotifier``.
- :mod:`~reportflow.alerts.failure`: task failures to the data engineers (DAG callbacks).
- :mod:`~reportflow.alerts.reminders`: missing forms after the deadline, to each county's contacts.
- :mod:`~reportflow.alerts.late`: a bulletin not published by its due time, to engineers and office.

Who receives them is data (``engineers``, ``office``, ``contacts`` in ``recipients.yaml``, see
:mod:`reportflow.delivery.recipients`).
"""
