"""The project's exception tree; user mistakes carry a reason they can act on.

HelpdeskError
 ├── ConfigError     a config file or value is wrong (names file and key)
 ├── FaqError        the FAQ content is invalid (lists file:entry: reason lines)
 ├── UsageError      a command-line argument is wrong (says what is expected)
 └── StoreError      the database cannot be opened, migrated, read or written (its
      │              faults, translated where statements run: store/connection.py)
      └── StoreBusy  another process holds the database's write lock: try again soon

A write outside `store.transaction()` is a bug, not a database fault: RuntimeError; so is
a broken constraint, which stays sqlite3's IntegrityError (it would fail again).
"""


class HelpdeskError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(HelpdeskError):
    """A config file or value is wrong; the message names the file and the key."""


class FaqError(HelpdeskError):
    """The FAQ content is invalid; `problems` holds one `file:entry: reason` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class UsageError(HelpdeskError):
    """A command-line argument is wrong; the message says what is expected."""


class StoreError(HelpdeskError):
    """The database cannot be opened, migrated, read or written."""


class StoreBusy(StoreError):
    """Another process holds the database's write lock; the same write may succeed soon."""
