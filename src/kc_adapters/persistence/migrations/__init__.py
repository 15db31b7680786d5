"""Alembic migrations of the KC schema (a package so that wheels ship env.py and the versions)."""
