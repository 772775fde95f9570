"""Storage: SQLAlchemy models, repositories, the unit of work and Alembic migrations.

``Database`` is the entry point: ``Database(url).upgrade()`` migrates the schema and
``Database(url).unit_of_work()`` gives a ``SqlUnitOfWork`` implementing
``bot.services.ports.UnitOfWork``.
"""

from storage.database import Database
from storage.unit_of_work import SqlUnitOfWork

__all__ = ["Database", "SqlUnitOfWork"]
