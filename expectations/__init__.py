"""Great Expectations suites as code, one module per warehouse layer."""
