"""Crisis detection: acute reports are caught, questions about crisis topics are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.crisis import CrisisDetector, Example, bundled_data, load_model, read_examples
from bot.core.faq import load_faq
from bot.crisis_fit import fit_model, write
from bot.errors import ConfigError
from bot.wiring import build_detector
from tests.conftest import ROOT

# As the bot builds it: the FAQ's questions are calm examples too.
DETECTOR = build_detector(load_faq(ROOT / "faq"))


@pytest.mark.parametrize(
    "text",
    [
        "Er staat nu een woedende groep bij de ingang van de opvang",
        "help!!",
        "de wethouder wordt op dit moment bedreigd",
        "RELLEN bij het azc",
        "brand in de opvang",
        "kunnen jullie iemand sturen, het loopt uit de klauw",
        "er zijn vannacht ruiten ingegooid bij de burgemeester",
        "Geachte heer, op dit moment is de situatie bij de opvanglocatie onveilig.",
        "de wethouder krijgt doodsbedreigingen",  # part of a compound
        "hulp",  # a short cry for help
        "er loopt een man met een knuppel rond bij het hek",  # a report at a place
        "Our alderman is being threatened right now",
    ],
)
def test_acute_reports_are_crises(text: str) -> None:
    verdict = DETECTOR.assess(text)
    assert verdict.crisis, text
    assert verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "hoe bereiden we ons voor op een demonstratie",
        "is er een training over bedreiging van bestuurders",
        "evaluatie van de rellen van vorig jaar",
        "volgende maand een inspraakavond, hoe voorkomen we dat het uit de hand loopt",
        "wat is het gzza",
        "hallo",
        "",
        "Mag de gemeente een sporthal huren van de provincie voor de opvang?",
        "Is er een handreiking voor het omgaan met haatberichten?",  # a question, not a report
        "hulp bij het vinden van woningen voor statushouders",  # 'hulp' in a longer question
    ],
)
def test_questions_about_crisis_topics_are_not(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


def test_now_beats_a_calm_cue() -> None:
    assert DETECTOR.assess("we hadden een draaiboek maar er is nu brand!!").crisis


def test_faq_questions_themselves_are_not_crises() -> None:
    faq = load_faq(ROOT / "faq")
    flagged = [
        e.question
        for e in faq.entries
        if e.id != "noodgeval-112" and DETECTOR.assess(e.question).crisis
    ]
    assert flagged == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bij de opvang in het hotel staan mannen met bivakmutsen", "report (words lean"),
        (
            "iemand heeft brandbare vloeistof over de deur van de opvang gegoten",
            "report (words lean",
        ),
        ("de politie is bij de noodopvang", "event: politie"),
        ("ze staan bij de poort van het azc, wat moeten we doen?", "report (words lean"),
    ],
)
def test_a_report_in_plain_words_is_a_crisis(text: str, reason: str) -> None:
    verdict = DETECTOR.assess(text)
    assert verdict.crisis, text
    assert any(r.startswith(reason) or reason in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Welke afspraken zijn er met de politie over beveiliging van een azc?",
        "graag informatie over hoe asielzoekers naar de opvang komen",
        "Kan iemand mij uitleggen wat het COA doet",
        "hoeveel asielzoekers komen er dit jaar naar onze regio",
        "er staan vorige maand mensen bij de opvang, hoe evalueren we dat",
    ],
)
def test_the_same_words_in_a_question_are_not(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "Bij de ingang ligt een dood varken met tekst erop. Wat doen we?",
        "vanmiddag zijn er pamfletten gebust met het adres van de wethouder, wie kan helpen?",
        "er ligt een koffertje bij de receptie, zal ik iedereen naar buiten sturen?",
    ],
)
def test_a_report_that_ends_in_a_question_is_still_a_report(text: str) -> None:
    assert DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "Wie coördineert bij een bommelding in een opvanglocatie de ontruiming?",
        "wat moeten we doen als er ooit mensen voor de deur staan te schreeuwen?",
        "Stel: er wordt brand gesticht bij de opvang, wie regelt dan de herplaatsing?",
        "de inspraakavond van gisteren is goed verlopen, geen incidenten",
        "huisvesting vergunninghouders hulp",
        "omgaan met rellen azc",
        "De vergadering liep twee weken geleden uit de hand, inmiddels is de rust teruggekeerd",
        "Mijn aanslag hondenbelasting klopt niet en niemand belt terug",
    ],
)
def test_crisis_words_in_a_question_a_hypothetical_or_a_look_back_are_calm(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


def test_crisis_words_in_a_question_with_a_now_cue_are_a_crisis() -> None:
    assert DETECTOR.assess("Wat doen we bij een bommelding, die is er nu bij het azc?").crisis


@pytest.mark.parametrize(
    "text",
    [
        "zijn er trainingen over omgaan met bedreigingen? heeft geen spoed",
        "Het incident van gisteren in de sporthal is afgehandeld, wat moet de gemeente nog doen?",
        "the evacuation plan for the shelter needs updating, no rush",
    ],
)
def test_no_hurry_or_over_and_done_is_calm(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


def test_an_abbreviation_does_not_end_the_report() -> None:
    text = "de vrouw van de weth. krijgt mensen aan de deur die aanbellen, wat kunnen we doen"
    assert DETECTOR.assess(text).crisis


def test_the_words_decide_a_report_in_plain_words() -> None:
    text = "bij de opvang staan mannen met bivakmutsen"
    learnt = [Example("mannen met bivakmutsen", True), Example("een informatieavond", False)]
    vocabulary = bundled_data().vocabulary  # the rule alone: the model was fitted on others
    assert CrisisDetector(vocabulary, learnt).assess(text).crisis
    unlearnt = [Example(e.text, not e.crisis) for e in learnt]
    assert not CrisisDetector(vocabulary, unlearnt).assess(text).crisis


def test_context_before_a_question_is_not_a_report() -> None:
    assert not DETECTOR.assess("Er komt een azc in onze gemeente. Wat moeten we regelen?").crisis


def test_happening_at_this_moment_beats_a_hypothetical() -> None:
    text = "Wat moet ik doen als er een groep voor mijn huis staat? Dat is op dit moment zo."
    assert DETECTOR.assess(text).crisis


def test_a_question_opener_does_not_calm_what_the_message_goes_on_to_tell() -> None:
    text = "Wat is het nummer van de crisisdienst, een bewoner is bewusteloos"
    assert DETECTOR.assess(text).crisis
    assert not DETECTOR.assess("Wat is het nummer van de crisisdienst").crisis


@pytest.mark.parametrize(
    "body", ["crsis\ter staan mensen", "crisis", "calm\t", "crisis\ttwee\ttabs"]
)
def test_a_malformed_example_names_its_line(body: str) -> None:
    with pytest.raises(ValueError, match="line 3: expected 'crisis' or 'calm'"):
        read_examples(f"label\ttext\ncalm\thallo\n{body}\n")


@pytest.mark.parametrize(
    "text",
    [
        "hoe werkt de eerste opvang, een moeder is net flauwgevallen op de gang en komt niet bij",
        "Onze griffier durft het stadhuis niet uit, er staat een man bij haar auto te wachten",
        "ingang azc dichtgezet met hekken, de nachtdienst kan er niet in",
    ],
)
def test_medical_danger_and_being_shut_in_or_afraid_are_crises(text: str) -> None:
    assert DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "Op het schip is een bewoner van de loopplank in het water gevallen en ademt moeilijk",
        "kind heeft schoonmaakmiddel gedronken, we weten niet wat we moeten doen",
        "de cv-ketel van de opvang is kapot en het vriest, er zijn zieke ouderen bij",
    ],
)
def test_welfare_emergencies_are_crises(text: str) -> None:
    assert DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "Help, ik kan het formulier voor de aanvraag niet vinden op de website.",
        "het COA neemt niet op, wie kan ik bellen over de taakstelling",
        "Kunnen jullie een evaluatie sturen van de demonstraties bij informatieavonden?",
    ],
)
def test_everyday_help_and_requests_are_calm(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("terse search", "bedreiging wethouder aanpak"),
        ("over", "de brand is geblust, hoe informeren we de buurt?"),
        ("over", "het vermiste meisje is terecht"),
        ("metaphor", "we verdrinken in de aanvragen"),
        ("metaphor", "mijn inbox ontploft"),
        ("complaint", "de straatverlichting bij het gemeentehuis brandt de hele dag"),
        ("planning", "oefening ontruiming azc volgende maand"),
    ],
)
def test_searches_things_that_are_over_metaphors_and_complaints_are_calm(
    kind: str, text: str
) -> None:
    assert not DETECTOR.assess(text).crisis, kind


@pytest.mark.parametrize(
    "text",
    [
        "brand azc",
        "wethouder bedreigd",
        "rellen bij de opvang",
        "ME nodig sporthal",
        "plundering noodopvang",
        "kleuter zoek bij opvang!",
        "bewoner zakt in elkaar",
        "ze slopen de noodopvang",
    ],
)
def test_a_terse_report_in_panic_is_a_crisis(text: str) -> None:
    assert DETECTOR.assess(text).crisis


@pytest.mark.parametrize(
    "text", ["brnad azc", "rlelen bij de opvang", "blokkde toegangsweg", "meisje vermisst al uur"]
)
def test_a_crisis_word_with_swapped_or_dropped_letters_is_read_as_it(text: str) -> None:
    assert DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    # One letter from a crisis word, but another word: "bellen" is not "rellen".
    ["kunt u mij bellen over de huisvesting", "goede banden met de buurt, hoe houden we die"],
)
def test_a_word_one_letter_from_a_crisis_word_is_not_read_as_it(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "Vorige maand liep de bewonersavond uit de hand, nu willen we een evaluatie.",
        "In 2018 hadden we hier rellen bij de opening van de noodopvang, hoe voorkomen we dat?",
    ],
)
def test_the_fitted_model_calms_what_the_words_alone_would_raise(text: str) -> None:
    data = bundled_data()
    rule_only = CrisisDetector(data.vocabulary, data.examples)
    assert rule_only.model is None
    assert rule_only.assess(text).crisis, "the rule alone raises it"
    assert DETECTOR.model is not None
    assert not DETECTOR.assess(text).crisis, text


def test_the_bundled_model_is_fitted_on_the_bundled_words_and_examples() -> None:
    assert load_model(bundled_data().fingerprint) is not None


def test_a_model_fitted_on_other_examples_is_refused_with_what_to_run() -> None:
    with pytest.raises(ConfigError, match="python -m bot crisis fit"):
        load_model("0" * 16)


def test_fitting_writes_a_model_the_detector_loads_and_that_keeps_recall(
    tmp_path: Path,
) -> None:
    model, report = fit_model(load_faq(ROOT / "faq").questions())
    path = write(model, report, tmp_path / "model.toml")
    assert load_model(bundled_data().fingerprint, path) == model
    recall = next(line for line in report if line.startswith("this model"))
    assert float(recall.split("recall ")[1].split("%")[0]) >= 99.0


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("Thanks for your help, have a nice weekend!", False),
        ("bedankt voor de hulp!", False),
        ("help!", True),
        ("thanks, but we need help now! riot at the shelter", True),
    ],
)
def test_a_thank_you_for_help_is_no_cry_for_help(text: str, crisis: bool) -> None:
    assert DETECTOR.assess(text).crisis is crisis, text


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("ruik gas in de gang", True),
        ("kelder opvang loopt onder water", True),
        ("indringers op het terrein", True),
        ("iemnad wil zich ophangen", True),  # a typo, and no urgency word
        ("bewoner reageert niet meer", True),
        ("het gas is duurder geworden voor de opvang", False),
        ("de website ligt onder water", False),
        ("de gemeente reageert niet meer op mijn mails", False),
        ("we hangen posters op in het azc", False),
    ],
)
def test_gas_water_intruders_and_a_life_at_risk_are_told_from_everyday_use(
    text: str, crisis: bool
) -> None:
    assert DETECTOR.assess(text).crisis is crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "kinderen",
        "mensen",
        "jongeren azc",
        "detail nummer 2",
        "we hebben 3 locaties",
        "nog een detail erbij",
    ],
)
def test_a_few_words_without_a_crisis_cue_are_calm(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


def test_a_few_words_with_crisis_words_and_a_double_question_mark_are_a_crisis() -> None:
    assert DETECTOR.assess("gijzeling in opvang??").crisis
