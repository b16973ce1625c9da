"""Who may do what: one table of every command and button against the roles that may use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.models import Member, Role


class Act(StrEnum):
    """Everything a user can ask the bot to do, by command, text or button."""

    START = "start"  # /start, with or without an invite code
    HELP = "help"  # /help
    BROWSE = "browse"  # /themas and the theme and question buttons
    ASK = "ask"  # a question typed in the private chat
    CRISIS = "crisis"  # /crisis, the 🚨 button, or a text that reads as a crisis
    FEEDBACK = "feedback"  # 👍/👎 under an FAQ answer
    ASK_PERSON = "ask_person"  # "Stel mijn vraag aan een medewerker"
    CLOSE_OWN = "close_own"  # "Mijn vraag is beantwoord" under a reply about an open ticket
    NOT_URGENT = "not_urgent"  # "Geen noodgeval, alleen een vraag" under a weak crisis reply
    MY_DATA = "my_data"  # /mijngegevens
    FORGET = "forget"  # /verwijderen and its confirmation button
    SHARE_PHONE = "share_phone"  # a shared contact
    PAGE = "page"  # "Piket inschakelen" under a crisis reply
    PAGE_FEEDBACK = "page_feedback"  # 👍/👎 after a page was handled
    ACK = "ack"  # [Aannemen] on a page
    PASS = "pass"  # [Doorzetten] on a page, and /doorzetten N reden
    RESOLVE = "resolve"  # [Afgehandeld] on a page, and /afgehandeld
    CANCEL = "cancel"  # /annuleer N
    RELAY = "relay"  # an officer's text to the mayor whose page they hold
    ON_DUTY = "on_duty"  # /piket
    HANDOVER = "handover"  # /overdracht @collega
    ACCEPT_HANDOVER = "accept_handover"  # [Overnemen] on a hand-over offer
    TEST_PAGE = "test_page"  # /testpiket
    CLAIM = "claim"  # [Oppakken] on a ticket in the agents' group
    AGENT_REPLY = "agent_reply"  # an agent's message in a ticket's topic or as a reply
    CLOSE = "close"  # /sluit in the agents' group


@dataclass(frozen=True)
class Rule:
    """The roles that may use an action, and the state it also needs on the server."""

    roles: frozenset[Role]
    needs: str = ""


EVERYONE = frozenset(Role)
REGISTERED = EVERYONE - {Role.GUEST}
MAYORS = frozenset({Role.MAYOR, Role.DEPUTY_MAYOR})
OFFICERS = frozenset({Role.DUTY_OFFICER, Role.ADMIN})
AGENTS = frozenset({Role.AGENT, Role.ADMIN})

# A revoked user is looked up as nobody, so they count as a guest everywhere.
RULES: Mapping[Act, Rule] = {
    Act.START: Rule(EVERYONE, "an invite code: unused, unexpired, not locked out"),
    Act.HELP: Rule(EVERYONE),
    Act.BROWSE: Rule(EVERYONE),
    Act.ASK: Rule(EVERYONE, "a ticket only for the registered; within the limits"),
    Act.CRISIS: Rule(EVERYONE, "crisis tickets within the limits (the first always)"),
    Act.FEEDBACK: Rule(EVERYONE, "counted once per user and answer"),
    Act.ASK_PERSON: Rule(REGISTERED, "a question kept; within the limits"),
    Act.CLOSE_OWN: Rule(REGISTERED, "their own open ticket"),
    Act.NOT_URGENT: Rule(EVERYONE, "their own open urgent ticket"),
    Act.MY_DATA: Rule(EVERYONE),
    Act.FORGET: Rule(EVERYONE),
    Act.SHARE_PHONE: Rule(MAYORS, "their own number"),
    Act.PAGE: Rule(MAYORS, "the crisis reply's offer, unused; no page of theirs open"),
    Act.PAGE_FEEDBACK: Rule(MAYORS, "their own handled page, once"),
    Act.ACK: Rule(OFFICERS, "paged for this open page"),
    Act.PASS: Rule(OFFICERS, "paged for this open page; its holder once taken"),
    Act.RESOLVE: Rule(OFFICERS, "paged for this open page; its holder once taken"),
    Act.CANCEL: Rule(OFFICERS, "paged for this open page, or an administrator"),
    Act.RELAY: Rule(OFFICERS, "holding exactly one page, or replying to its message"),
    Act.ON_DUTY: Rule(frozenset({Role.DUTY_OFFICER, Role.AGENT, Role.ADMIN})),
    Act.HANDOVER: Rule(OFFICERS, "on shift now; to a duty officer"),
    Act.ACCEPT_HANDOVER: Rule(OFFICERS, "the offer's taker, within the hour, once"),
    Act.TEST_PAGE: Rule(OFFICERS, "no test page of theirs open"),
    Act.CLAIM: Rule(AGENTS, "an open ticket nobody else claimed"),
    Act.AGENT_REPLY: Rule(AGENTS, "an open ticket"),
    Act.CLOSE: Rule(AGENTS, "an open ticket"),
}


def role_of(member: Member | None) -> Role:
    """Return a user's role: nobody (unregistered or revoked) is a guest."""
    return member.role if member is not None else Role.GUEST


def may(member: Member | None, act: Act) -> bool:
    """Tell whether a user's role allows an action; its state is checked where it acts."""
    return role_of(member) in RULES[act].roles
