"""Outbound campaigns: contacts, attempts, outcomes and call scripts (OUT-01 to OUT-18, REP-10)."""
