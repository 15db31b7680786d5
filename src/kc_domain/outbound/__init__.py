"""Outbound campaigns: calling lists, dialling modes and the predictive dialler's pacing."""
