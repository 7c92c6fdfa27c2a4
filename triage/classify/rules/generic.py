"""Generic cues: rules-based suggestions for complete commitments nobody has written rules for.

Built from the catalogue alone: the commitment's topic (its defined terms and the content
words of its title), each dimension's name and the leading words of its examples, and a
shared list of words that signal strong action (adopted, signed, arrested, funded, in the
catalogue's source languages). A dimension's cue with the topic is weak action; with a
strong-action word in the same item it is strong. The rules are written in the ordinary
rules format and loaded through `load_rules`, so they are checked and compiled like
hand-written ones; the agent says `generic` so reviewers (and the learned model) can tell.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path

import yaml

from triage.catalogue.schema import Catalogue, Commitment
from triage.classify.rules.load import RuleSet, load_rules
from triage.classify.rules.schema import RulesFile
from triage.classify.text import fold

# Words too common to say what a commitment or a dimension is about.
_STOP = """a an and are as at be by for from in into is it its of on or that the their these this those to with without
    other others such any all more most less new take taken taking action actions actions measure measures make making
    prevent preventing counter strengthen strengthening promote promoting support supporting ensure ensuring continue
    commitment commitments member members g7 g20 including include includes effort efforts work working way ways
    global international national domestic public policy policies programme programmes program programs"""
STOPWORDS = set(_STOP.split())
STRONG_WORDS = [
    "adopt*", "enact*", "sign*", "ratif*", "launch*", "fund*", "allocat*", "invest*", "arrest*", "seiz*", "convict*",
    "prosecut*", "law", "laws", "legislation", "regulation*", "agreement*", "entered into force", "million", "billion",
    "adopte*", "signe*", "lance*", "loi", "accord*", "millions", "milliard*",
    "verabschied*", "unterzeichn*", "gesetz*", "abkommen", "millionen", "milliarden",
    "approvat*", "firmat*", "legge", "accordo", "milioni", "miliardi",
    "署名", "採択", "法律", "協定", "億",
]  # fmt: skip
GENERIC_MARK = "generic"


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[^\W\d_][\w'-]*", fold(text))
    return [w for w in words if len(w) > 3 and w not in STOPWORDS]


def _stem(word: str) -> str:
    """'smuggling' -> 'smuggl*': a stem so that the word's forms match."""
    for suffix in ("ing", "ers", "er", "es", "s", "ed", "ion", "ions"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            return word[: -len(suffix)] + "*"
    return word


def _unique(terms: list[str]) -> list[str]:
    out: list[str] = []
    for t in terms:
        if t and t not in out:
            out.append(t)
    return out


def topic_terms(c: Commitment) -> list[str]:
    terms = [fold(k) for k in c.definitions if len(_content_words(k)) >= 2 or _content_words(k) and _content_words(k)[0] in fold(c.title)]
    terms += [_stem(w) for w in _content_words(c.title)]
    return _unique([t for t in terms if _content_words(t.replace("*", ""))])


def dimension_terms(c: Commitment, key: str) -> list[str]:
    d = c.dimension(key)
    if d is None:
        return []
    terms = [_stem(w) for w in _content_words(d.name)]
    for example in (*d.strong, *d.weak):
        words = _content_words(example)[:2]
        if len(words) == 2:
            terms.append(f"{_stem(words[0])} .. {_stem(words[1])}")
        elif words:
            terms.append(_stem(words[0]))
    return _unique(terms)


def generic_spec(catalogue: Catalogue, numbers: list[int], base: RulesFile | None = None) -> RulesFile | None:
    """The rules for `numbers` (complete commitments without rules), or None if none can be built."""
    commitments = []
    for number in numbers:
        c = catalogue.commitment(number)
        if c is None or not c.complete:
            continue
        topic = topic_terms(c)
        if not topic:
            continue
        cues: dict[str, list[str]] = {"topic": topic, "strong_action": list(STRONG_WORDS)}
        rules: list[dict[str, object]] = []
        for d in c.dimensions:
            terms = dimension_terms(c, d.key)
            when = ["topic"]
            if terms and len(c.dimensions) > 1:
                cues[f"dim_{d.key}"] = terms
                when.append(f"dim_{d.key}")
            rules.append({"id": f"generic.{d.key}.strong", "dimension": d.key, "strength": "strong", "when": [*when, "strong_action"]})
            rules.append({"id": f"generic.{d.key}.weak", "dimension": d.key, "strength": "weak", "when": when, "confidence": 0.3})
        commitments.append({"number": c.number, "route": ["topic"], "cues": cues, "rules": rules})
    if not commitments:
        return None
    digest = hashlib.sha256(json.dumps(commitments, sort_keys=True).encode()).hexdigest()[:8]
    data = {"format": 1, "catalogue": catalogue.id, "version": f"{GENERIC_MARK}-{digest}", "commitments": commitments}
    if base is not None:  # who the members are does not depend on the commitment: reuse it
        data.update(base.model_dump(mode="json", include={"members", "mentions", "collective"}))
    return RulesFile.model_validate(data)


def generic_ruleset(catalogue: Catalogue, covered: set[int], base: RulesFile | None = None) -> RuleSet | None:
    """Generic rules for every complete commitment not in `covered`, checked and compiled by `load_rules`."""
    missing = [c.number for c in catalogue.commitments if c.complete and c.number not in covered]
    spec = generic_spec(catalogue, missing, base)
    if spec is None:
        return None
    with tempfile.TemporaryDirectory(prefix="triage-generic-") as tmp:
        path = Path(tmp) / f"{catalogue.id}.generic.rules.yaml"
        path.write_text(yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False), encoding="utf-8")
        ruleset = load_rules(path, catalogue)
    ruleset.path = Path(f"<generic rules for {catalogue.id}>")
    return ruleset
