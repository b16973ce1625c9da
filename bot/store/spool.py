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
        # For a database in memory there is nothing to lose: the spool is a list.
        self._memory: list[tuple[int, str]] = []
        self._moving: list[tuple[int, str]] = []

    def append(self, update_id: int, payload: str) -> None:
        """Keep one update; raises OSError when even the file cannot take it."""
        if self.path is None:
            self._memory.append((update_id, payload))
            return
        line = json.dumps({"id": update_id, "update": payload}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as spool:
            # The break comes first: a line cut short by a crash cannot swallow this one.
            spool.write("\n" + line)
            spool.flush()
            os.fsync(spool.fileno())

    def read(self) -> list[tuple[int, str]]:
        """Take the spooled updates aside and return them; a line cut short is left out.

        Taken aside (renamed) first, so that an update spooled while these are moved to the
        inbox goes to a new file, which `clear` leaves alone.
        """
        if self.path is None:
            self._moving += self._memory
            self._memory = []
            return list(self._moving)
        taken = self._taken
        if not taken.exists():
            if not self.path.exists():
                return []
            self.path.rename(taken)
        kept: list[tuple[int, str]] = []
        for line in taken.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                kept.append((int(row["id"]), str(row["update"])))
            except (ValueError, KeyError, TypeError):
                continue
        return kept

    def clear(self) -> None:
        """Forget the updates `read` returned, once the inbox holds them."""
        self._moving = []
        if self.path is not None:
            self._taken.unlink(missing_ok=True)

    @property
    def _taken(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".moving")
