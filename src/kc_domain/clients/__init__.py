"""The customer database: clients, their configurable card and the caller identification."""
