"""Workforce staffing: queueing formulas (Erlang B, C and A) that size agent teams for a service level."""

from kc_domain.staffing.erlang import ErlangA, ErlangC, agents_for_service_level, erlang_a, erlang_b, erlang_c

__all__ = ["ErlangA", "ErlangC", "agents_for_service_level", "erlang_a", "erlang_b", "erlang_c"]
