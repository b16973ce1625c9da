"""The spool: updates written to a plain file while the database will not take them."""

from __future__ import annotations

import json
import os
from pathlib import Path


class Spool:
    """An append-only file of updates, emptied into the inbox once the database is back.

    While another process holds the database's write lock, an update must still be kept
    before Telegram is told it arrived; waiting for the lock would leave everyone behind it
    in the same poll unanswered. A line appended and synced to a file is as durable.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: list[tuple[int, str]] = []  # for a database in memory: nothing to lose

    def append(self, update_id: int, payload: str) -> None:
        """Keep one update; raises OSError when even the file cannot take it."""
        if self.path is None:
            self._memory.append((update_id, payload))
            return
        line = json.dumps({"id": update_id, "update": payload}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as spool:
            spool.write(line + "\n")
            spool.flush()
            os.fsync(spool.fileno())

    def read(self) -> list[tuple[int, str]]:
        """Return the spooled updates; a line cut short by a crash is left out."""
        if self.path is None:
            return list(self._memory)
        if not self.path.exists():
            return []
        kept: list[tuple[int, str]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                kept.append((int(row["id"]), str(row["update"])))
            except (ValueError, KeyError, TypeError):
                continue
        return kept

    def clear(self) -> None:
        """Forget the spooled updates, once the inbox holds them."""
        self._memory.clear()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
