"""The tamper-evident audit log (SEC-03)."""
