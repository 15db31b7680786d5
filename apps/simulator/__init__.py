"""The call-traffic simulator (``kc simulate``): Poisson callers and robot agents against the
simulated PBX. It is built with the ACD engine (issue 3); this package is its home."""
