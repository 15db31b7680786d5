"""Adapters: implementations of kc_ports for real systems and in-memory fakes."""
