"""Which member acted? Cues from the source, the publisher, agencies, officials and names.

Each cue adds to a member's score:

| cue | weight | example |
| --- | --- | --- |
| the feed's member, the publisher, the web domain | 3 | a Home Office feed; gov.uk |
| an agency or an official in office | 3 | Europol, BKA; Piantedosi, Home Secretary |
| a name or demonym next to an authority noun | 3 | "French authorities", "Government of Canada" |
| a plain name, alias or demonym | 1 each (at most 2) | "with the United Kingdom" |

Several members act together: a joint adjective ("franco-britannique", "UK-France", 日米)
makes every member it joins an actor, and a member named in one list with an actor
("Germany, France and Italy", "le Canada et la France") acts with it.

Members scoring 3 or more are actors. When no member is an actor, the best-scoring
mentioned members are used instead (a news item that names only the country). Collective
action ("G7 Interior Ministers adopted...") makes every member an actor, capped at the
rules' collective strength: a G7 statement is not each member's own strong action.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from triage.catalogue.schema import Catalogue
from triage.classify.rules.schema import RulesFile
from triage.classify.rules.terms import TermMatcher, TextIndex, term_pattern
from triage.classify.text import fold

ACTOR = 3
_GROUP = re.compile(r"(?<!\w)(?:g7|g8|g20|group of (?:seven|eight|twenty))(?!\w)")


@dataclass
class MemberHit:
    key: str
    score: int = 0
    cues: list[str] = field(default_factory=list)
    collective: bool = False  # the only actor cue is collective action

    @property
    def actor(self) -> bool:
        return self.score >= ACTOR


def _plain(folded: str) -> str:
    """Folded text with punctuation and spacing made uniform, to map a match back to its term."""
    return " ".join(re.findall(r"\w+", folded))


def _is_acronym(term: str) -> bool:
    """All-caps agency names (ICE, DHS, NCA) are matched case-sensitively: 'ice' is frozen water."""
    return term.isascii() and term == term.upper() and any(ch.isalpha() for ch in term)


def _is_code(alias: str) -> bool:
    """Short upper-case codes (US, UK, EU, U.S.) are matched case-sensitively: 'us' is a pronoun."""
    bare = alias.replace(".", "")
    return alias.isascii() and alias == alias.upper() and bare.isalpha() and len(bare) <= 3


class MemberDetector:
    def __init__(self, catalogue: Catalogue, spec: RulesFile):
        self.keys = [m.key for m in catalogue.members]
        names_by_key = {m.key: m.name for m in catalogue.members}
        ignore = {n.casefold() for n in spec.mentions.ignore_names}
        self._term_member: dict[str, str] = {}  # folded name/demonym -> member key
        codes: dict[str, str] = {}
        names: list[str] = []
        extra = {key: cues.names for key, cues in spec.members.items()}
        for m in catalogue.members:
            for n in (m.name, *m.aliases, *m.demonyms, *extra.get(m.key, [])):
                if n.casefold() in ignore:
                    continue
                if _is_code(n):
                    codes[n] = m.key
                else:
                    self._term_member.setdefault(fold(n), m.key)
                    names.append(n)
        self._names = TermMatcher(names)
        self._codes = (
            re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True)) + r")(?![\w])") if codes else None
        )
        self._code_member = codes
        self._code_name = {code: names_by_key[key] for code, key in codes.items()}
        self._mask = TermMatcher(spec.mentions.mask) if spec.mentions.mask else None
        self._authority = "|".join(f"(?:{term_pattern(a)})" for a in spec.mentions.authority) or r"(?!x)x"
        self._authority_rx: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}
        self._publishers: list[tuple[str, str]] = []  # (folded publisher name, member), longest first
        self._domains: list[tuple[str, str]] = []
        agencies: dict[str, str] = {}
        officials: dict[str, str] = {}
        for key, cues in spec.members.items():
            self._publishers += [(fold(p), key) for p in cues.publishers]
            self._domains += [(d.lower().lstrip("."), key) for d in cues.domains]
            agencies.update({a: key for a in cues.agencies})
            officials.update({o: key for o in cues.officials})
        self._publishers.sort(key=lambda pk: len(pk[0]), reverse=True)
        self._publisher_rx = [(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)"), key) for name, key in self._publishers]
        self._agencies = self._by_member(agencies)
        self._officials = self._by_member(officials)
        self._collective = TermMatcher(spec.collective.terms) if spec.collective.terms else None
        self._joint_rx, self._joint_cjk, self._form_member = self._joint_patterns(spec)
        self.collective_strength = spec.collective.strength

    def _joint_patterns(self, spec: RulesFile) -> tuple[dict[str, str], re.Pattern[str] | None, dict[str, str]]:
        """Forms that can stand on either side of a joint adjective's hyphen or slash (franco-britannique,
        united kingdom-france), and runs of one-character forms in unspaced scripts (日米)."""
        forms: dict[str, str] = dict(self._term_member)
        cjk: dict[str, str] = {}
        for key, cues in spec.members.items():
            for c in cues.combining:
                if len(c) == 1 and not c.isascii():
                    cjk[c] = key
                else:
                    forms.setdefault(fold(c), key)
        chars = "".join(cjk)
        runs = re.compile(rf"(?<![\u3400-\u9fff])[{chars}]{{2,4}}") if chars else None
        return forms, runs, cjk

    _HYPHEN = re.compile(r"([\w.']+)\s?[-/]\s?(\w+)")

    def _form(self, word: str) -> str | None:
        """The member a form names, allowing an inflected ending (franzosische -> franzosisch)."""
        for cut in range(0, min(4, len(word) - 3)):
            key = self._joint_rx.get(word[: len(word) - cut] if cut else word)
            if key is not None:
                return key
        return None

    def _joint(self, folded: str) -> list[tuple[list[str], str]]:
        """(member keys, matched text) for each joint adjective naming two or more members."""
        found = []
        for m in self._HYPHEN.finditer(folded):
            left, right = m.group(1), m.group(2)
            before = folded[max(0, m.start() - 30) : m.start()].split()
            two = f"{before[-1]} {left}" if before else left
            a = self._joint_rx.get(two) or self._joint_rx.get(left)
            b = self._form(right)
            if a and b and a != b:
                found.append((sorted({a, b}), m.group(0)))
        if self._joint_cjk is not None:
            for m in self._joint_cjk.finditer(folded):
                keys = {self._form_member[ch] for ch in m.group(0) if ch in self._form_member}
                if len(keys) >= 2:
                    found.append((sorted(keys), m.group(0)))
        return found

    _LIST_GAP = re.compile(r"^[\s,]*(?:and|et|und|e|ed|y|i|as well as|と|、|・|/)?[\s]*(?:(?:the|la|le|les|l'|el|los|das|die|der|il|lo)\s*)?$")

    def _lists(self, index: TextIndex) -> list[list[str]]:
        """Members named one after another in a list (A, B and C), in text order."""
        matches = sorted(((m.start(), m.end(), self._name_member(m.group(0))) for m in self._names.finditer(index)), key=lambda t: t[0])
        groups: list[list[str]] = []
        current: list[str] = []
        last_end = -1
        for start, end, key in matches:
            if key is None or start < last_end:
                continue
            if current and self._LIST_GAP.match(index.text[last_end:start]):
                if key not in current:
                    current.append(key)
            else:
                if len(current) > 1:
                    groups.append(current)
                current = [key]
            last_end = end
        if len(current) > 1:
            groups.append(current)
        return groups

    @staticmethod
    def _by_member(terms: dict[str, str]) -> tuple[TermMatcher, dict[str, str], re.Pattern[str] | None, dict[str, str]]:
        """One matcher for the words (on folded text) and one pattern for the acronyms (on the
        original text, case-sensitive), each with a map from what matched to the member."""
        words = {_plain(fold(t)): k for t, k in terms.items() if not _is_acronym(t)}
        acronyms = {t: k for t, k in terms.items() if _is_acronym(t)}
        acr = (
            re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(acronyms, key=len, reverse=True)) + r")(?![\w])") if acronyms else None
        )
        return TermMatcher([t for t in terms if not _is_acronym(t)]), words, acr, acronyms

    def _masked(self, folded: str) -> TextIndex:
        index = TextIndex(folded)
        if self._mask is None:
            return index
        masked = self._mask.sub(index)
        return index if masked == folded else TextIndex(masked)

    def _name_member(self, matched: str) -> str | None:
        return self._term_member.get(fold(matched).strip())

    def _authority_rxs(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """What may follow a name ('... National Police') or precede it ('Government of ...')."""
        if not self._authority_rx:
            # Words in between may qualify the noun ("French National Police") but not join two
            # countries ("British and Spanish authorities" says nothing about who led).
            between = r"(?:[^\w.;!?]+(?!(?:and|et|und|e|ed|or|ou|oder|o|with|avec|mit|con)\b)[\w'-]+){0,2}?"
            after = re.compile(rf"{between}[^\w.;!?]+(?:{self._authority})")
            # "Government of Canada", "police in Germany", and the adjective after the noun of French,
            # Italian and Spanish ("les autorites francaises", "la policia espanola").
            before = re.compile(
                rf"(?:{self._authority})(?:[^\w.;!?]+(?:of|de|du|des|der|di|del|della|dello|von|in|en)"
                rf"[^\w.;!?]+(?:(?:the|la|le|l'|l|las|los)[^\w.;!?]*)?|\s+)$"
            )
            self._authority_rx["rx"] = (after, before)
        return self._authority_rx["rx"]

    def _authorities(self, index: TextIndex) -> list[tuple[str, str]]:
        """(member key, matched text) for every name or demonym used with an authority noun."""
        after, before = self._authority_rxs()
        found = []
        text = index.text
        for m in self._names.finditer(index):
            key = self._name_member(m.group(0))
            if key is None or any(k == key for k, _ in found):
                continue  # one authority cue makes a member an actor; more change nothing but time
            tail = after.match(text, m.end())
            if tail:
                found.append((key, m.group(0) + tail.group(0)))
                continue
            head = before.search(text, max(0, m.start() - 80), m.start())
            if head:
                found.append((key, head.group(0) + m.group(0)))
        return found

    def publisher_member(self, publisher: str | None) -> str | None:
        if not publisher:
            return None
        folded = fold(publisher)
        if _GROUP.search(folded):  # "G7 Italian Presidency", "G7 Information Centre": the group's own site
            return None
        for rx, key in self._publisher_rx:
            if rx.search(folded):
                return key
        # "Italian Government", "U.S. Department of ..." : a name or demonym with an authority noun.
        expanded = self._codes.sub(lambda m: self._code_name[m.group(1)], publisher) if self._codes else publisher
        found = self._authorities(TextIndex(fold(expanded)))
        return found[0][0] if found else None

    def domain_member(self, url: str | None) -> str | None:
        if not url:
            return None
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return None
        for domain, key in self._domains:
            if host == domain or host.endswith("." + domain):
                return key
        return None

    def detect(self, *, original: str, publisher: str | None, url: str | None, source_member: str | None) -> dict[str, MemberHit]:
        hits: dict[str, MemberHit] = {}
        original = unicodedata.normalize("NFKC", original)

        def add(key: str | None, weight: int, cue: str) -> None:
            if key is None or key not in self.keys:
                return
            hit = hits.setdefault(key, MemberHit(key))
            if cue not in hit.cues:
                hit.cues.append(cue)
                hit.score += weight

        add(source_member, ACTOR, "source")
        add(self.publisher_member(publisher), ACTOR, f"publisher:{publisher}")
        add(self.domain_member(url), ACTOR, "domain")
        # Codes (UK, U.S., EU) become names so "UK authorities" reads like "United Kingdom authorities".
        mentions: dict[str, int] = {}
        expanded = original
        if self._codes:
            for m in self._codes.finditer(original):
                key = self._code_member[m.group(1)]
                mentions[key] = mentions.get(key, 0) + 1
            expanded = self._codes.sub(lambda m: self._code_name[m.group(1)], original)
        index = self._masked(fold(expanded))
        for kind, (matcher, word_member, acronyms, acronym_member) in (("agency", self._agencies), ("official", self._officials)):
            for m in matcher.finditer(index):
                add(word_member.get(_plain(m.group(0))), ACTOR, f"{kind}:{m.group(0)}")
            if acronyms is not None:
                for m in acronyms.finditer(original):
                    add(acronym_member[m.group(1)], ACTOR, f"{kind}:{m.group(1)}")
        for key, matched in self._authorities(index):
            add(key, ACTOR, f"authority:{matched}")
        for m in self._names.finditer(index):
            key = self._name_member(m.group(0))
            if key:
                mentions[key] = mentions.get(key, 0) + 1
        for key, count in mentions.items():
            hit = hits.setdefault(key, MemberHit(key))
            hit.score += min(count, 2)
            hit.cues.append(f"named x{count}")
        for keys, matched in self._joint(index.text):
            for key in keys:
                add(key, ACTOR, f"joint:{matched}")
        for group in self._lists(index):
            actors = [k for k in group if k in hits and hits[k].actor]
            for key in group:
                if actors and key not in actors:
                    add(key, ACTOR, f"joint:with {actors[0]}")
        # Collective action counts for every member unless a member is the actor: "Minister
        # Faeser at the G7 interior ministers' meeting" is Germany's action, and a G7 statement
        # on a member's own site is cited for that member (the group's own sites name no member).
        if self._collective is not None and not any(h.actor for h in hits.values()):
            found = self._collective.search(index)
            if found:
                for key in self.keys:
                    hit = hits.setdefault(key, MemberHit(key))
                    hit.collective = True
                    hit.score = max(hit.score, ACTOR)
                    hit.cues.append(f"collective:{found}")
        return hits

    def select(self, hits: dict[str, MemberHit]) -> list[MemberHit]:
        """Actors; failing that, the most-mentioned members."""
        actors = [h for h in hits.values() if h.actor]
        if actors:
            return sorted(actors, key=lambda h: self.keys.index(h.key))
        if not hits:
            return []
        best = max(h.score for h in hits.values())
        if best <= 0:
            return []
        return [h for h in sorted(hits.values(), key=lambda h: self.keys.index(h.key)) if h.score == best]
