"""Values the core passes around: users, inquiries, routes, decisions and replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.actions import Action


class Role(StrEnum):
    """What a user is to the helpdesk; decides routes and permissions."""

    MAYOR = "mayor"
    DEPUTY_MAYOR = "deputy_mayor"
    STAFF = "staff"
    DUTY_OFFICER = "duty_officer"
    AGENT = "agent"
    ADMIN = "admin"
    GUEST = "guest"


class Route(StrEnum):
    """Where a message goes, as the routing table names it."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    SMALLTALK = "smalltalk"
    HANDOFF = "handoff"
    CRISIS_OFFICE = "crisis_office"
    CRISIS_AFTER_HOURS_MAYOR = "crisis_after_hours_mayor"
    CRISIS_AFTER_HOURS_STAFF = "crisis_after_hours_staff"


@dataclass(frozen=True)
class User:
    """Who is asking: role, municipality, whether an invite verified them, and language."""

    role: Role = Role.GUEST
    municipality: str | None = None
    verified: bool = False
    language: str = "nl"

    @property
    def is_mayor(self) -> bool:
        """Tell whether this is a verified (loco-)mayor."""
        return self.verified and self.role in (Role.MAYOR, Role.DEPUTY_MAYOR)

    @property
    def faq_only(self) -> bool:
        """Tell whether only the FAQ serves this user (a guest, without an invite): a routine
        question opens no ticket. A crisis report still reaches the agents."""
        return self.role is Role.GUEST


@dataclass(frozen=True)
class Inquiry:
    """One message to the desk; `crisis` is set by the crisis button or /crisis."""

    text: str
    user: User
    at: datetime
    crisis: bool = False


@dataclass(frozen=True)
class Candidate:
    """An FAQ entry with how well it matches a question (0–100), and the two parts of that
    score: how much of the question it covers and how well its best phrasing fits (0–1)."""

    entry_id: str
    score: float
    coverage: float = 0.0
    fit: float = 0.0


@dataclass(frozen=True)
class Decision:
    """What the routing rules decided for one inquiry."""

    route: Route
    entry_id: str | None = None
    alternatives: tuple[str, ...] = ()
    score: float = 0.0
    # How likely the first entry is right (0–1), where the FAQ is calibrated.
    confidence: float = 0.0
    # An answer that is likely but not sure: shown with "Bedoelde je iets anders?" and the
    # next candidates, one tap from the right one.
    others: tuple[str, ...] = ()
    # A crisis on crisis words alone, that the FAQ likely answers: shown both ways.
    likely: str | None = None
    crisis: bool = False
    crisis_reasons: tuple[str, ...] = ()
    next_opening: datetime | None = None


@dataclass(frozen=True)
class Button:
    """A choice offered under a reply; `action` is what pressing it asks the desk."""

    label: str
    action: Action


@dataclass(frozen=True)
class Reply:
    """A message for the user, transport-neutral; `keyboard` offers persistent quick replies."""

    text: str
    buttons: tuple[Button, ...] = field(default=())
    # Persistent quick-reply buttons; action "crisis" sends the label, "share_phone" a contact.
    keyboard: tuple[Button, ...] = ()
    # Delivered before anything routine: a crisis reply, or what paging says.
    urgent: bool = False


@dataclass(frozen=True)
class Member:
    """A Telegram user the bot knows: registered by invite, or a guest who opened a ticket."""

    user_id: int
    chat_id: int
    role: Role
    municipality: str | None = None
    name: str | None = None
    username: str | None = None
    language: str = "nl"

    def as_user(self, language: str | None = None) -> User:
        """Return the routing view of this member; an invited role counts as verified."""
        return User(
            role=self.role,
            municipality=self.municipality,
            verified=self.role is not Role.GUEST,
            language=language or self.language,
        )

    @property
    def label(self) -> str:
        """Name this member for colleagues: the invite's name, else the role."""
        return self.name or self.role.value


@dataclass(frozen=True)
class Ticket:
    """A question handed to the human helpdesk."""

    id: int
    user_id: int
    chat_id: int
    question: str
    language: str
    urgent: bool
    status: str
    created_at: datetime
    agent_id: int | None = None
    agent_name: str | None = None
    group_message_id: int | None = None
    thread_id: int | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the ticket still takes messages."""
        return self.status == "open"


class Purpose(StrEnum):
    """What an outbox message is, for what to record once it is delivered (and with `ref`,
    whose it is: a ticket's or a page's)."""

    NONE = ""
    TICKET = "ticket"  # a ticket's post in the agents' group; ref: the ticket
    FOLLOWUP = "followup"  # a line added to a ticket, posted where the ticket is; ref: ticket
    RELAY_USER = "relay_user"  # an agent's answer to the asker; ref: the ticket
    PAGE = "page"  # a page to a duty officer; ref: the escalation
    ESCALATION = "escalation"  # any other message of a page; ref: the escalation
    RELAY = "relay"  # a message between mayor and officer; ref: the escalation
    CLOSE_TOPIC = "close_topic"  # closes its forum topic instead of posting text
    LEAVE_CHAT = "leave_chat"  # makes the bot leave its chat (a group it does not belong in)


@dataclass(frozen=True)
class Outgoing:
    """A message delivered through the outbox: a reply, a relay, a page or a ticket post."""

    chat_id: int
    text: str
    dedupe_key: str
    buttons: tuple[Button, ...] = ()
    thread_id: int | None = None
    reply_to: int | None = None
    urgent: bool = False
    # What to record once Telegram accepted it, e.g. TICKET with ref 12: ticket 12's post.
    purpose: Purpose = Purpose.NONE
    ref: int | None = None
    # The ticket line (tickets' messages row) a FOLLOWUP posts.
    line: int | None = None
    # In a forum group: open a topic with this title first and post into it.
    topic: str | None = None
    # Persistent quick replies under the message (see Reply.keyboard).
    keyboard: tuple[Button, ...] = ()
    # Messages of one batch still queued together go as one (a burst of follow-ups).
    batch: str | None = None
    # The private chat of whoever caused this message: told when it cannot be delivered.
    origin: int | None = None


@dataclass(frozen=True)
class Grant:
    """What a redeemed invite grants."""

    role: Role
    municipality: str | None
    name: str | None


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as the transport tells it."""

    user_id: int
    chat_id: int
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Pressed:
    """What a button press gives: replies, a short toast, an edit of the pressed message."""

    replies: tuple[Reply, ...] = ()
    toast: str | None = None
    edit: Reply | None = None
