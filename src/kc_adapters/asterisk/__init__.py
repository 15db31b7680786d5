"""Asterisk: KC's AMI client (the CallControl adapter over it comes next)."""
