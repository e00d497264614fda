"""The project's exception tree, in one place.

    MonitorError                 every error the monitor raises on purpose
    ├── ConfigError              settings.toml is unreadable or invalid (file, key, problem)
    ├── StorageError             the database refused or could not be reached
    └── MirrorError              a snapshot directory or mirror URL is unusable

Channel delivery never raises: a channel reports a classified failure instead
(see ``alerts.channels.base.SendResult``). Query syntax errors are ``ValueError``
subclasses owned by ``alerts.rules`` and are wrapped in ``ConfigError`` at start-up.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""


class ConfigError(MonitorError):
    """The configuration file is unreadable or invalid.

    ``file``, ``key`` and ``problem`` are kept apart so the command line can
    print one precise line and exit 2.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class StorageError(MonitorError):
    """The database could not be opened, migrated or written."""


class MirrorError(MonitorError):
    """A mirror URL or snapshot directory cannot be used."""
