"""SQL persistence (SQLAlchemy 2, SQLite or PostgreSQL): the kc_ports.persistence unit of work.

Build a ``Database`` from a URL (``sqlite:///var/kc.sqlite3`` or ``postgresql://kc@db/kc``), call
``upgrade()`` to migrate it to the newest schema, then hand ``uow_factory()`` to the services.
"""

from .audit import SqlAuditStore
from .database import Database, normalise_url
from .mapping import start_mappers
from .repository import SqlRepository
from .uow import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "Database",
    "SqlAuditStore",
    "SqlRepository",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "normalise_url",
    "start_mappers",
]
