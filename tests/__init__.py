"""Test suite; a package so shared helpers such as ``tests.reference`` can be imported."""
