"""The call-traffic simulator (``kc simulate``): Poisson callers and robot agents against the real ACD
engine, through the simulated PBX, on a virtual clock.

    scenario = load_scenario("scenarios/ozp-day.toml")   # ScenarioError lists every problem
    sim = simulate(scenario, record_events=True)        # a Simulation: engine, pbx, traces...
    figures = sim.kpis()                                  # JSON-ready KPIs (see kpis.py)

Modules: scenario/parse/checks (the TOML file), loop (the event heap and the clock), world (callers
and robots), run (one run), kpis (the figures and their definitions).
"""
