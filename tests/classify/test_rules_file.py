"""The rules file: term syntax, fast matching equal to plain regexes, and located errors."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from triage.classify.prefilter import Prefilter
from triage.classify.rules.load import default_rules_path, load_rules
from triage.classify.rules.terms import TermError, TextIndex, compile_terms, term_pattern, trigger
from triage.classify.text import fold
from triage.errors import InputError

from .helpers import CATALOGUE, item


@pytest.mark.parametrize(
    "term, text, hit",
    [
        ("smuggl*", "people smugglers were arrested", True),
        ("smuggl*", "antismuggling", False),  # a stem starts a word
        ("human trafficking", "Human-Trafficking", True),  # case and hyphen
        ("anti-trafficking", "antitrafficking day", True),
        ("anti-trafficking", "anti trafficking day", True),
        ("ministère de l'Intérieur", "le MINISTERE DE L’INTERIEUR a", True),  # accents, curly apostrophe
        ("sign* .. agreement", "signed a bilateral readmission agreement", True),
        ("sign* .. agreement", "signed it. The agreement", False),  # not across a sentence
        ("sign* .. agreement", "signed one two three four five six seven agreement", False),  # too far
        ("assets .. seiz*", "assets worth EUR 1.2 million were seized", True),  # decimals do not end a sentence
        ("人身取引", "政府は人身取引対策を強化", True),  # no word boundaries in Japanese
        ("re:\\btried\\b(?!\\s+to\\b)", "he was tried in Paris", True),
        ("re:\\btried\\b(?!\\s+to\\b)", "he tried to flee", False),
    ],
)
def test_term_syntax(term, text, hit):
    assert bool(re.search(term_pattern(term), fold(text))) is hit


@pytest.mark.parametrize("bad", ["re:(unclosed", "..", ".. agreement", ""])
def test_bad_terms_are_refused(bad):
    with pytest.raises(TermError):
        term_pattern(bad)


def test_triggers_start_words():
    assert trigger("smuggl*") == "smuggl"
    assert trigger("anti-trafficking") == "anti"  # what follows a hyphen may be glued to it
    assert trigger("filiere* d'immigration") == "immigration"
    assert trigger("re:abc") is None


def test_fast_matching_finds_what_one_big_regex_finds(ruleset):
    """The trigger index is an optimisation only: on many texts it agrees with the plain alternation."""
    compiled = ruleset.commitments[19]
    spec = next(c for c in ruleset.spec.commitments if c.number == 19)
    from triage.classify.rules.load import _expand

    rnd = random.Random(7)
    vocabulary = [w for terms in spec.cues.values() for t in terms if not t.startswith(("@", "re:")) for w in t.split()]
    vocabulary += ["the", "and", "police", "1.2", "said", ".", "of", "migrants", "2024", "à", "l'", "-"]
    texts = [" ".join(rnd.choice(vocabulary) for _ in range(rnd.randint(3, 60))) for _ in range(120)]
    texts += [" ".join(rnd.choice(vocabulary) for _ in range(400))]  # long: windowed search
    for name in compiled.cues:
        plain = compile_terms(_expand(name, spec.cues))
        fast = compiled.cues[name]
        for text in texts:
            folded = fold(text)
            assert (plain.search(folded) is not None) == (fast.search(TextIndex(folded)) is not None), (name, text)


def test_shipped_rules_load_and_name_their_version(ruleset):
    assert ruleset.agent == f"rules:2024-apulia-interim@{ruleset.version}"
    assert set(ruleset.commitments) == {19}
    assert default_rules_path(CATALOGUE).name == "2024-apulia-interim.rules.yaml"


def _broken(tmp_path, change) -> str:
    data = yaml.safe_load(default_rules_path(CATALOGUE).read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["members"].update({"atlantis": {"agencies": ["Atlantean Police"]}}), "unknown member 'atlantis'"),
        (lambda d: d["commitments"][0]["rules"][0].update({"dimension": "deter"}), "has no dimension 'deter'"),
        (lambda d: d["commitments"][0]["rules"][0].update({"when": ["core", "arrests_typo"]}), "undefined cue 'arrests_typo'"),
        (lambda d: d["commitments"][0]["cues"]["arrest"].append("re:(unclosed"), "invalid regular expression"),
        (lambda d: d["commitments"][0].update({"number": 7}), "commitment 7 is incomplete"),
        (lambda d: d.update({"catalogue": "2025-kananaskis"}), "not '2024-apulia-interim'"),
        (lambda d: d["commitments"][0]["cues"]["core"].append("@nowhere"), "undefined cue '@nowhere'"),
        (lambda d: d["commitments"][0]["rules"][0].update({"strength": "medium"}), "strength"),
    ],
)
def test_rules_file_errors_name_file_and_line(tmp_path, catalogue, change, message):
    path = _broken(tmp_path, change)
    with pytest.raises(InputError) as exc:
        load_rules(path, catalogue)
    text = str(exc.value)
    assert message in text
    assert re.search(r"broken\.rules\.yaml:\d+: ", text), text


def test_prefilter_routes_by_commitment_keywords_in_five_languages(ruleset):
    pf = Prefilter(ruleset)
    for it in [
        item("Passeurs interpellés", "La police a interpellé des passeurs."),
        item("Schleuser festgenommen", ""),
        item("Tratta di esseri umani", ""),
        item("人身取引対策", ""),
        item("Drug trafficking ring", "Police seized cocaine."),  # still sent: the classifier decides
        item("Migrants arrive in Lampedusa", ""),
    ]:
        route = pf.route(it)
        assert route.commitments == [19], it.title
        assert "commitment 19" in route.reason()
    off = pf.route(item("COP29 climate finance deal", "Negotiators agreed a new finance goal."))
    assert not off.candidate and off.reason().startswith("pre-filter: no commitment's keywords (routes tried: 19: core, ")
