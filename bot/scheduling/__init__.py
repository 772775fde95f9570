"""The scheduler adapter: APScheduler 3 with a persistent job store in the bot's database.

The only package that imports ``apscheduler``. Services plan sends through the
``JobScheduler`` port; this package stores them as date jobs (module-level functions with
string IDs as arguments) and runs them in the one process that holds the scheduler lease.
"""

from bot.scheduling.pacing import PacedChat, Pacer
from bot.scheduling.runner import ShienScheduler

__all__ = ["PacedChat", "Pacer", "ShienScheduler"]
