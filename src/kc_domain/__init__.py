"""KC's pure domain: models, policies and use-case services.

Only the standard library and attrs are imported here; the clock and every outside system
come in through ports (see kc_ports). import-linter enforces this in the test suite.
"""
