"""Administration use cases: create, change and delete configured objects, audited."""
