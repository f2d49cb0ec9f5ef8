"""The outcome of one message: :class:`Signals`, and :func:`combine`, which turns the rules'
findings and the learned model's scores into the grade and the person signal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..safety_model import Scores

# Messages shorter than this many words are graded by the rules alone (see combine()).
MIN_WORDS = 3
# Rules that identify someone whatever the model says: explicit patterns (a plate, a name the
# scrubber replaced) and the person rules that were right for at least
# 96 % of the messages they fired on across the independent authors (issue 19): a colour with a
# garment or a vehicle, a title or relation before a capitalised word, plates of a country, a
# flat number, "han som bor…", "the guy with…", a registration number, a look beside a word for
# a man or woman ("a tall bald guy"), someone else's handle ("his nick is …": 12 of 13).
_EXPLICIT_PERSON = frozenset(
    {
        "identifies.plate",
        "identifies.label",
        "identifies.clothing",
        "identifies.vehicle",
        "identifies.title",
        "identifies.plates_country",
        "identifies.flat",
        "identifies.person",
        "identifies.registration",
        "identifies.looks",
        "identifies.name",
        "identifies.handle",
    }
)
# A sign that the writer jokes or says it is no emergency ("lol", 😂, "inte akut", "no danger"):
# never the 112 answer first, whatever the rules or the model say (at most the 112 line). Not a
# feature of the model (bench/train_safety_model.py leaves it out): a real emergency written
# with a "lol" must still get the 112 line.
CALM = "list.calm"
# Something dangerous found, not used ("I found a knife this morning"): [urgent.found].
FOUND = "list.found"
_CAPS = (CALM, FOUND)
ACUTE = "urgent.acute"
# A film, a series or a game, or a hypothetical ("in the movie he took all the pills", "what do
# I do if my child swallows a battery"), without an explicit sign of now: never the 112 answer
# first, whatever the model says (the rules already lower an acute sign there; urg6).
_NOT_REAL = ("urgent.fiction", "urgent.hypothetical")
_NOW = "urgent.now"


def capped(rule_names: Sequence[str]) -> bool:
    """The writer jokes, says it is no emergency, or found something: the message gets the 112
    line at most, unless the rules see an acute sign (``urgent.acute``: not breathing, not
    waking up, bleeding heavily…): "my friend is not breathing lol" keeps the 112 answer first,
    understating is how many people write an emergency; "det brinner i köket nu lol, pizzan är
    förstörd" does not get it. A film or a hypothetical without an explicit "now" caps even an
    acute sign (:data:`_NOT_REAL`)."""
    if any(n in rule_names for n in _NOT_REAL) and _NOW not in rule_names:
        return True
    return ACUTE not in rule_names and any(c in rule_names for c in _CAPS)


# Nobody in particular, from the person cues alone (issue 19; the SPEC: "groups in general …
# identify nobody"; the project's rule: "a place named after its owner ('grannens grill', 'the
# neighbour's window', 'dom sąsiada') does not"): neighbours as a group ("grannarna",
# "neighbourhood watch", "komšijska straža"), people in general, and a neighbour word beside a
# dwelling word. A message whose only person features are these identifies nobody.
_GROUP_CUE = "cue.group"
_OWNED_PLACE = frozenset({"cue.owned_place", "cue.owned_place_of"})
_NOBODY_IN_PARTICULAR = frozenset({_GROUP_CUE, "cue.people", *_OWNED_PLACE})
# the neighbour word of "the neighbour's window" is the owner of the place
_OWNER = frozenset({*_NOBODY_IN_PARTICULAR, "cue.neighbour"})
_PERSON_FEATURES = ("cue.", "found.", "identifies.")
# A relative or friend who helped the writer ("my granddaughter set this up for me", "بنتي
# علمتني كيف بكتب هون"), or in a message that opens with thanks ("tack för hjälpen, pappa är
# hemma nu": ``nobody.thanks``), is mentioned in passing: with no other person feature, nobody.
_HELPER_CUE = "cue.helper"
_THANKS = "nobody.thanks"
_CALM_GRADE = "grade.none"  # the rules found no danger word (a feature, see rule_findings)
_HELPER = frozenset({_HELPER_CUE, "cue.kin", "cue.family", "cue.close", "cue.people"})

# Nobody to report (issue 19, ``nobody.*`` rules of signals.toml): these overrule the model, so
# that only an explicit description, plate, number or flat (``_HARD_PERSON``) still identifies:
# a statue, a prophet or a player is named with a name, so a name does not count against them.
_NOBODY_STRONG = frozenset({"nobody.named_after", "nobody.sport"})
# … and these overrule the model but not a name or a title ("Kuba fell", "grannen Ali"):
_NOBODY = frozenset(
    {
        "nobody.owner_place",
        "nobody.place_of",
        "nobody.figurative",
        "nobody.idiom",
        "nobody.address",
        "nobody.backstab",
        "nobody.game",
    }
)
# ``nobody.victim_kin`` (a relative or friend who is only the victim, the patient or the one
# afraid: "my mum fell", "my friend isn't waking up") is a feature of the model only and
# overrules nothing: the SPEC counts a specific relative as identifying ("my neighbour", "my
# ex"), and most authors label these so (overruling took leave-one-author-out recall to 0.88;
# docs/safety_text.md).
_HARD_PERSON = _EXPLICIT_PERSON - {"identifies.name", "identifies.title"}


# … and these only where none of the given features is there: no relative, friend or
# neighbour ("call me on …" beside "my dad fell" is about the father); for a group, no
# relative, friend or someone's handle (a neighbour is not checked: "all the neighbours" is the
# group itself).
_CLOSE_ONES = frozenset({"cue.kin", "cue.close", "cue.family"})
_NOBODY_ALONE = {
    "nobody.own_contact": _CLOSE_ONES | {"cue.neighbour"},
    "nobody.stranger_victim": _CLOSE_ONES | {"cue.neighbour"},
    "nobody.body_colour": _CLOSE_ONES | {"cue.neighbour"},
    "nobody.group": _CLOSE_ONES | {"cue.other_handle", "identifies.handle"},
}


# Seventh round (issue 19, person6): nobody to report where a name, a colour or a number
# belongs to what the message is about, not to a person: a pet ("our cat Sigge, black with a
# white paw"), a character or a public figure on a screen ("Mario", "Dr. Phil said on TV"), the
# writer's own home ("our door code …, flat 47") or account ("I made an account @…"), a payment
# asked about ("is it safe to pay the deposit to this account"), and a relative in a question
# for support or a service ("my son overdosed last year, is there a support group?"). Each
# overrules the model, and a name, unless one of its blockers is there: a description, a plate,
# a flat, a title, a person word (a relative, friend, neighbour, a look, someone's handle).
# (a look or a garment word, a door, a title, someone's handle)
_LOOKS = frozenset({"cue.looks", "identifies.door", "identifies.title", "cue.other_handle"})
_SOMEONE = _HARD_PERSON | _LOOKS | _CLOSE_ONES | {"cue.neighbour", "identifies.handle"}
# … the same without the look words ("kilka lat temu": "years" is one of them)
_DESCRIBED = _HARD_PERSON | (_LOOKS - {"cue.looks"}) | {"identifies.handle"}
_NAMED = frozenset({"identifies.name"})
_WRITER = frozenset({"not_people"})  # the writer's own name given ("jag heter …"), among others
# "the neighbours' dog", "the dog from the 2nd floor"
_PET_OWNER = frozenset({"cue.group", "cue.floor"})
_NOBODY_UNLESS = {
    # the name right after a pet ("a tabby called Biscuit") and a character's name are no
    # person's; the owner of the pet still identifies
    "nobody.pet": _SOMEONE | _NAMED | _PET_OWNER,
    "nobody.pet_named": (_SOMEONE | _PET_OWNER) - {"cue.other_handle"},
    "nobody.pet_lost": _SOMEONE | _NAMED | _PET_OWNER,
    "nobody.fiction": _SOMEONE,
    "nobody.own_home": (_SOMEONE | _NAMED) - {"identifies.flat", "identifies.door"},
    "nobody.own_handle": (_SOMEONE | _NAMED | _WRITER) - {"cue.other_handle"},
    # the landlord, the association or the neighbour collected for is who is paid
    "nobody.payment": _DESCRIBED | _NAMED | {"cue.kin", "cue.family"},
    "nobody.support": _DESCRIBED | _NAMED | {"cue.neighbour"},
    # the writer's own number (given, asked for; not someone else's beside it, and not when the
    # writer gives their name too: "Olen Aila Virtanen, henkilötunnukseni …" is mostly labelled
    # identifying)
    "own_id.personnummer": _SOMEONE | _NAMED | _WRITER | {"identifies.personnummer"},
}
# … a pet only in a calm message, a named or a lost one also where "missing" makes the rules
# grade it possibly urgent ("a big black dog is biting a girl" describes a dog to find);
# support only when the rules found nothing urgent ("my son took pills and isn't breathing"
# is about the son now) and only beside a relative or a friend ("I work at the pharmacy, an
# old man buys …" is about the man).
_ONLY_IF_NOT = {
    "nobody.pet": frozenset({"grade.urgent", "grade.possible"}),
    "nobody.pet_named": frozenset({"grade.urgent"}),
    "nobody.pet_lost": frozenset({"grade.urgent"}),
    "nobody.support": frozenset({"grade.urgent"}),
}
_ONLY_BESIDE = {"nobody.support": _CLOSE_ONES, "nobody.pet_lost": frozenset({"nobody.pet"})}


def _nobody_unless(names: set[str]) -> bool:
    """A class of :data:`_NOBODY_UNLESS` with none of its blockers."""
    for rule, blockers in _NOBODY_UNLESS.items():
        if rule not in names or names & blockers:
            continue
        if names & _ONLY_IF_NOT.get(rule, frozenset()):
            continue
        if rule in _ONLY_BESIDE and not names & _ONLY_BESIDE[rule]:
            continue
        return True
    return False


def _cues_say_nobody(names: set[str]) -> bool:
    """The only person features are a group, people in general, a place named after its
    owner, or a relative who helped the writer or is mentioned after thanks (then no
    ``identifies.*`` rule fired either)."""
    person = {n for n in names if n.startswith(_PERSON_FEATURES)}
    # thanks, then a danger word ("thanks, but my husband is hitting me again"): not in passing
    if _HELPER_CUE in names or (_THANKS in names and _CALM_GRADE in names):
        return person <= _HELPER
    if person & _OWNED_PLACE:
        return person <= _OWNER
    return _GROUP_CUE in person and person <= _NOBODY_IN_PARTICULAR


def nobody(rule_names: Sequence[str]) -> bool:
    """Nobody in particular is named: a ``nobody.*`` finding overrules the person signal (see
    :data:`_NOBODY`), and so do person cues that only point at a group, a place or a helper
    (:func:`_cues_say_nobody`)."""
    names = set(rule_names)
    if names & _NOBODY_STRONG:
        return not names & _HARD_PERSON
    if _nobody_unless(names):
        return True
    if names & _EXPLICIT_PERSON:
        return False
    if names & _NOBODY or _cues_say_nobody(names):
        return True
    return any(rule in names and not names & kin for rule, kin in _NOBODY_ALONE.items())


@dataclass(frozen=True)
class Signals:
    """What :meth:`SignalDetector.detect` found in one message."""

    urgent: bool
    identifies: bool
    child_concern: bool
    matched: tuple[str, ...]
    possibly_urgent: bool = False


def combine(
    rule_grade: str,
    rule_names: Sequence[str],
    scores: Scores,
    thresholds: Mapping[str, float],
    words: int,
) -> tuple[str, bool]:
    """The grade and person signal from the rules' findings and the model's scores (the
    model already saw the rules' findings as features). Chosen for recall: the model's
    ``urgent`` above its threshold is clearly urgent (unless the writer jokes, says it is no
    emergency or found something, and the rules see no acute sign: :func:`capped`); its
    ``alarm`` above its threshold, or the rules calling it clearly urgent, is at least possibly
    urgent. A message of fewer than :data:`MIN_WORDS` words ("nu", "7", "Hjälp!") is graded by
    the rules alone: the model has too little to go on. A plate, a name the scrubber already
    replaced and the person rules of :data:`_EXPLICIT_PERSON` always identify someone (explicit
    patterns are what rules do best); a finding of nobody to report, or person cues that only
    point at a group or a place named after its owner, overrule the rest (:func:`nobody`)."""
    explicit = any(n in _EXPLICIT_PERSON for n in rule_names)
    if words < MIN_WORDS:
        grade = rule_grade
        person = explicit or any(n.startswith("identifies.") for n in rule_names)
    else:
        if scores.urgent >= thresholds["urgent"]:
            grade = "possible" if capped(rule_names) else "urgent"
        elif scores.alarm >= thresholds["alarm"] or rule_grade == "urgent":
            grade = "possible"
        else:
            grade = "none"
        person = explicit or scores.identifies >= thresholds["identifies"]
    return grade, person and not nobody(rule_names)
