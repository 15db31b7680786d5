"""Deployable shells: the web app, the worker, the simulator and the ``kc`` command. These are
the only composition roots: they build adapters from settings and hand them to domain services."""
