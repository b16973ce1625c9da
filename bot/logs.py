"""Logging for the running bot: one line per Telegram hiccup, and never the token."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken, NetworkError


class _Tidy(logging.Filter):
    """Redact the token, and shorten expected network trouble to its message."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken | NetworkError):
            # Telegram unreachable or the token refused: the message says it all, and the
            # traceback of the library's retry loop would bury it.
            record.msg = f"{record.getMessage()}: {record.exc_info[1]}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        if self.token:
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = None
        return True


def configure(token: str) -> None:
    """Log INFO and up to stderr, tidied, with httpx's per-request lines left out."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Tidy(token))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("httpx").setLevel(logging.WARNING)
