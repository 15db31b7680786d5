"""Outbound work: campaigns, their contact lists, dialling and call scripts (OUT-*)."""
