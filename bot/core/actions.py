"""Every button the bot shows, as a value: encoded into button data once, decoded once.

Button data comes back from the user's device, so it may be stale (a button from before a
restart or an upgrade), garbled or forged. `decode` is the one place that reads it: what it
cannot read is None, and the caller gives one polite "this button has expired". The
encodings are the ones buttons already on users' screens carry, so an upgrade breaks none.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.ids import is_name, small_id

# Telegram refuses button data over 64 bytes: an action that would not fit is not made.
MAX_BYTES = 64
_VOTES = {"up": True, "down": False}


@dataclass(frozen=True)
class Themes:
    """Show the FAQ's themes."""


@dataclass(frozen=True)
class Theme:
    """Show the questions of one theme."""

    theme: str


@dataclass(frozen=True)
class ShowEntry:
    """Show one FAQ entry's answer."""

    entry: str


@dataclass(frozen=True)
class FaqFeedback:
    """👍/👎 under an FAQ answer."""

    entry: str
    helpful: bool


@dataclass(frozen=True)
class AskPerson:
    """Hand the question to a person."""


@dataclass(frozen=True)
class Page:
    """ "Piket inschakelen" under a crisis reply; `offer` is the kept report (None: none)."""

    offer: int | None = None


@dataclass(frozen=True)
class Forget:
    """Delete what the bot keeps about me."""


@dataclass(frozen=True)
class CloseOwn:
    """ "Mijn vraag is beantwoord": the asker closes their own ticket."""

    ticket: int


@dataclass(frozen=True)
class NotUrgent:
    """ "Geen noodgeval": withdraw the urgent ticket a weak crisis verdict opened."""

    ticket: int


@dataclass(frozen=True)
class Claim:
    """An agent takes a ticket, in the agents' group."""

    ticket: int


@dataclass(frozen=True)
class Ack:
    """A duty officer takes a page."""

    page: int


@dataclass(frozen=True)
class PassOn:
    """A duty officer passes a page to the next level."""

    page: int


@dataclass(frozen=True)
class Resolve:
    """A duty officer closes a page as handled."""

    page: int


@dataclass(frozen=True)
class PageFeedback:
    """The mayor's 👍/👎 after a page was handled."""

    page: int
    helpful: bool


@dataclass(frozen=True)
class AcceptHandover:
    """An officer accepts a shift handed over to them."""

    offer: int


@dataclass(frozen=True)
class CrisisKey:
    """The 🚨 quick reply under the message field: it sends its label as text."""


@dataclass(frozen=True)
class SharePhone:
    """The 📞 quick reply: Telegram shares the user's number as a contact."""


PagingAction = Ack | PassOn | Resolve | PageFeedback
Action = (
    Themes
    | Theme
    | ShowEntry
    | FaqFeedback
    | AskPerson
    | Page
    | Forget
    | CloseOwn
    | NotUrgent
    | Claim
    | PagingAction
    | AcceptHandover
    | CrisisKey
    | SharePhone
)

_PLAIN: dict[str, Action] = {
    "themes": Themes(),
    "human": AskPerson(),
    "page": Page(),
    "forget": Forget(),
    "crisis": CrisisKey(),
    "share_phone": SharePhone(),
}
_NUMBERED = {
    "page": Page,
    "done": CloseOwn,
    "calm": NotUrgent,
    "claim": Claim,
    "ack": Ack,
    "pass": PassOn,
    "resolve": Resolve,
    "ho": AcceptHandover,
}
_VOTED = {"fb", "escfb"}


def encode(action: Action) -> str:
    """Return the button data for an action."""
    match action:
        case Theme(theme):
            return f"theme:{theme}"
        case ShowEntry(entry):
            return f"faq:{entry}"
        case FaqFeedback(entry, helpful):
            return f"fb:{entry}:{_vote(helpful)}"
        case PageFeedback(page, helpful):
            return f"escfb:{page}:{_vote(helpful)}"
        case (
            Page(int() as n)
            | CloseOwn(n)
            | NotUrgent(n)
            | Claim(n)
            | Ack(n)
            | PassOn(n)
            | Resolve(n)
            | AcceptHandover(n)
        ):
            return f"{_kind(action)}:{n}"
    return next(data for data, plain in _PLAIN.items() if plain == action)


def decode(data: str) -> Action | None:
    """Return the action button data asks for; None when it is stale, garbled or forged."""
    if len(data.encode()) > MAX_BYTES:
        return None
    if data in _PLAIN:
        return _PLAIN[data]
    kind, _, rest = data.partition(":")
    if kind in _NUMBERED:
        number = _number(rest)
        return None if number is None else _NUMBERED[kind](number)
    if kind in ("theme", "faq"):
        if not is_name(rest):
            return None
        return Theme(rest) if kind == "theme" else ShowEntry(rest)
    if kind in _VOTED:
        return _voted(kind, rest)
    return None


def _voted(kind: str, rest: str) -> Action | None:
    subject, _, vote = rest.partition(":")
    if vote not in _VOTES:
        return None
    if kind == "fb":
        return FaqFeedback(subject, _VOTES[vote]) if is_name(subject) else None
    page = _number(subject)
    return None if page is None else PageFeedback(page, _VOTES[vote])


def _number(text: str) -> int | None:
    """A record id as the bot writes it in button data: plain digits (small_id also reads
    "#12", as people type it in a command, which no button of ours carries)."""
    return small_id(text) if text.isdigit() else None


def _vote(helpful: bool) -> str:
    return "up" if helpful else "down"


def _kind(action: Action) -> str:
    return next(kind for kind, cls in _NUMBERED.items() if isinstance(action, cls))
