"""Build the triage, the pager and the desk from settings: the one place where things are wired."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.core.calibration import FILE, Calibration, fingerprint
from bot.core.clock import SystemClock
from bot.core.crisis import CrisisDetector
from bot.core.desk import Desk
from bot.core.directory import Directory
from bot.core.faq import Faq, load_faq
from bot.core.faqcheck import ambiguous_phrasings
from bot.core.matcher import Matcher
from bot.core.paging import Pager
from bot.core.ports import Clock
from bot.core.replies import Replies
from bot.core.settings import HelpdeskSettings
from bot.core.text import Analyzer, Language
from bot.core.texts import Texts
from bot.core.triage import Triage
from bot.errors import FaqError
from bot.store.sqlite import Store


def build_matcher(faq: Faq) -> Matcher:
    """Index an FAQ with the bundled Dutch language data."""
    return Matcher(entries=faq.entries, analyzer=Analyzer(language=Language.bundled()))


def build_detector(faq: Faq) -> CrisisDetector:
    """Build the crisis detector; the FAQ's questions teach it what calm messages look like
    (terse searches such as "school voor kinderen uit het azc" among them)."""
    return CrisisDetector.bundled(calm=faq.questions())


def load_checked(settings: Settings) -> tuple[Faq, Matcher, Calibration | None]:
    """Load the FAQ, its index and its calibration (None when it has none); raise FaqError
    on any problem, ambiguity and a stale calibration included."""
    faq = load_faq(settings.faq_dir)
    matcher = build_matcher(faq)
    calibration = Calibration.load(settings.faq_dir)
    problems = ambiguous_phrasings(faq, matcher) + calibration_problems(
        settings.faq_dir, faq, calibration
    )
    if problems:
        raise FaqError(problems)
    return faq, matcher, calibration


def calibration_problems(folder: Path, faq: Faq, calibration: Calibration | None) -> list[str]:
    """A calibration fitted on another FAQ would decide on weights that no longer fit it."""
    if calibration is None or calibration.fingerprint == fingerprint(faq, Language.bundled()):
        return []
    return [
        f"{folder / FILE}:-: stale: the FAQ changed since it was fitted;"
        " rebuild it: python -m bot faq calibrate"
    ]


def build_triage(settings: Settings) -> Triage:
    """Build the triage on a checked FAQ, calibrated when its folder has a calibration."""
    faq, matcher, calibration = load_checked(settings)
    return triage_over(faq, matcher, settings, calibration=calibration)


def triage_over(
    faq: Faq,
    matcher: Matcher,
    settings: Settings,
    directory: Directory | None = None,
    detector: CrisisDetector | None = None,
    calibration: Calibration | None = None,
) -> Triage:
    """Build the triage over an FAQ that is already loaded and indexed."""
    replies = Replies(
        faq=faq,
        texts=Texts.bundled(),
        contacts=settings.contacts,
        zone=settings.office_hours.zone,
    )
    return Triage(
        faq=faq,
        matcher=matcher,
        replies=replies,
        detector=detector or build_detector(faq),
        directory=directory or Directory.bundled(),
        settings=settings.triage,
        calibration=calibration,
    )


def build_pager(store: Store, settings: Settings, clock: Clock | None = None) -> Pager:
    """Build the pager over a store: the bot's, the console's and the CLI's are the same."""
    return Pager(
        store=store.paging,
        clock=clock or SystemClock(),
        policy=settings.paging,
        texts=Texts.bundled(),
        contacts=settings.contacts,
    )


def build_desk(
    store: Store,
    settings: Settings,
    triage: Triage,
    clock: Clock,
    helpdesk: HelpdeskSettings | None = None,
) -> Desk:
    """Build the desk and the services under it: the bot's, the console's, the tests' and
    the benchmarks' are built here alike (`helpdesk` overrides the settings' agents' group,
    as the console does with its pretend one)."""
    return Desk(
        triage=triage,
        store=store,
        clock=clock,
        helpdesk=helpdesk or settings.helpdesk,
        pager=build_pager(store, settings, clock),
        limits=settings.limits,
    )
