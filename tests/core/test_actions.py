"""Button data: every action survives the round trip; stale, garbled or forged data does not."""

from __future__ import annotations

import pytest

from bot.core import actions
from bot.core.actions import (
    MAX_BYTES,
    AcceptHandover,
    Ack,
    Action,
    AskPerson,
    Claim,
    CloseOwn,
    CrisisKey,
    FaqFeedback,
    Forget,
    NotUrgent,
    Page,
    PageFeedback,
    PassOn,
    Resolve,
    SharePhone,
    ShowEntry,
    Theme,
    Themes,
    decode,
    encode,
)

EVERY: list[Action] = [
    Themes(),
    Theme("crisis"),
    ShowEntry("accountmanager-regio"),
    FaqFeedback("gzza", helpful=True),
    FaqFeedback("gzza", helpful=False),
    AskPerson(),
    Page(),
    Page(12),
    Forget(),
    CloseOwn(3),
    NotUrgent(4),
    Claim(5),
    Ack(6),
    PassOn(7),
    Resolve(8),
    PageFeedback(9, helpful=True),
    PageFeedback(9, helpful=False),
    AcceptHandover(10),
    CrisisKey(),
    SharePhone(),
]


@pytest.mark.parametrize("action", EVERY, ids=repr)
def test_every_action_survives_the_round_trip_within_telegrams_limit(action: Action) -> None:
    data = encode(action)
    assert decode(data) == action
    assert len(data.encode()) <= MAX_BYTES


def test_every_kind_of_action_is_in_the_round_trip() -> None:
    kinds = set(getattr(actions.Action, "__args__", ()))
    flat = {k for kind in kinds for k in getattr(kind, "__args__", (kind,))}
    assert flat == {type(a) for a in EVERY}


def test_buttons_already_on_users_screens_still_read() -> None:
    """The data of buttons sent before actions were types: an upgrade breaks none."""
    assert decode("ack:17") == Ack(17)
    assert decode("escfb:3:down") == PageFeedback(3, helpful=False)
    assert decode("fb:gzza:up") == FaqFeedback("gzza", helpful=True)
    assert decode("ho:2") == AcceptHandover(2)
    assert decode("page") == Page()
    assert decode("human") == AskPerson()


@pytest.mark.parametrize(
    "data",
    [
        "",
        ":",
        "ack",
        "ack:",
        "ack:0",
        "ack:-1",
        "ack:1.5",
        "ack:١٢",  # digits, but not ASCII ones
        "ack:99999999999999999999",
        "ack:1:2",
        "claim:#1",
        "fb:gzza",
        "fb:gzza:maybe",
        "fb::up",
        "fb:GZZA:up",
        "escfb:x:up",
        "faq:../etc",
        "theme:",
        "theme:a b",
        "themes:x",
        "human:1",
        "forget ",
        "unknown:1",
        "x" * 65,
        "faq:" + "a" * 61,
        "💥",
    ],
)
def test_stale_garbled_or_forged_data_reads_as_nothing(data: str) -> None:
    assert decode(data) is None
