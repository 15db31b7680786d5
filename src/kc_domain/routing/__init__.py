"""The ACD: agents and calls as state machines, routing policies, and the engine that matches them.

Everything here is deterministic: the same events at the same clock readings give the same
decisions, which is what makes simulation, replay and ``kc explain`` possible.
"""
