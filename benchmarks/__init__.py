"""What ``make bench`` runs (``python -m benchmarks.run``): figures, printed, never asserted.

Not part of the installed package: the product never imports these modules. The tests import
a few data generators from them (``intake.disputes_file``, ``dbt_scale``) to check at small
scale what the benchmarks time at large scale.
"""
