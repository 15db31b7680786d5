"""In-memory adapters shared by the tests, the simulator and quick experiments."""
