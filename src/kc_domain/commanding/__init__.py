"""One path for every command a person gives the engine: checked against the domain's rules, audited,
sent through the ``EngineCommands`` port, answered with a typed reply (docs/architecture.md, Commands)."""
