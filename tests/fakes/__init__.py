"""Fakes of the ports for fast use-case tests: an in-memory unit of work with the database's
rules (``memory``), a chat gateway that records every call (``chat``), and a
``ServiceContext`` built on them (``context``)."""
