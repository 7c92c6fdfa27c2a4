"""Features that work across the six languages of the sources.

Two kinds, side by side in one sparse row per (item, commitment):

- character n-grams (2 to 4 characters inside word boundaries) of the folded title, text
  and publisher, hashed into a fixed space. They need no tokenizer, stemmer or word list
  per language: "schleus", "passeur", "traffick" and "密航" are all n-grams, word
  endings ("arrestati", "arrested", "arrestations") share their stems, and unspaced
  Japanese works as well as Spanish. Hashing keeps the model's size fixed whatever the
  corpus, and a model trained on one set of items applies to any other.
- the rules' own knowledge as binary features: every cue of the commitment that matched
  (each is a curated multilingual term list: arrests, smuggling described without the
  word, agreements...), every rule and exclusion that fired, and whether a member actor
  was found. These carry the analysts' vocabulary to languages and phrasings that few
  labeled items show, and let the model learn how much each rule is worth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from triage.classify.base import ItemInput
from triage.classify.rules.backend import CueContext, commitment_text
from triage.classify.rules.load import RuleSet
from triage.classify.rules.members import MemberDetector
from triage.classify.rules.terms import TextIndex
from triage.classify.text import fold

N_FEATURES = 2**18
MAX_CHARS = 4000  # the opening of long items says what they are about; the rest costs time
CUE_WEIGHT = 0.5  # a binary cue counts about as much as a strong n-gram of an l2-normed row


def feature_names(ruleset: RuleSet, number: int) -> list[str]:
    """The names of the dense features of one commitment, in column order (stored with the model)."""
    compiled = ruleset.commitments[number]
    return (
        [f"cue:{name}" for name in sorted(compiled.cues)]
        + [f"rule:{rule.id}" for rule, _, _ in compiled.rules]
        + [f"exclusion:{ex.id}" for ex, _, _ in compiled.exclusions]
        + ["member:actor", "member:any"]
    )


class Featurizer:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.members = MemberDetector(ruleset.catalogue, ruleset.spec)
        self.hasher = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=N_FEATURES, alternate_sign=False, lowercase=False)

    def text(self, item: ItemInput) -> str:
        return fold(f"{item.publisher or ''}\n{item.full_text}"[:MAX_CHARS])

    def dense(self, item: ItemInput, number: int, names: Sequence[str]) -> np.ndarray:
        compiled = self.ruleset.commitments[number]
        folded = fold(item.full_text)
        ctx = CueContext(commitment_text(folded, compiled, TextIndex(folded)), compiled)
        on: set[str] = {f"cue:{n}" for n in compiled.cues if ctx.cue(n) is not None}
        # The same cue matches decide the rules and exclusions (memoised in ctx): no second pass.
        on.update(f"exclusion:{ex.id}" for ex, when, unless in compiled.exclusions if ctx.holds(when, unless) is not None)
        fired = [rule.id for rule, when, unless in compiled.rules if ctx.holds(when, unless) is not None]
        on.update(f"rule:{r}" for r in fired)
        if fired:  # members matter only where a rule fired, as in the rules backend
            hits = self.members.detect(original=item.full_text, publisher=item.publisher, url=item.url, source_member=item.source_member)
            chosen = self.members.select(hits)
            if chosen:
                on.add("member:any")
                if any(not h.collective for h in chosen):
                    on.add("member:actor")
        return np.array([CUE_WEIGHT if n in on else 0.0 for n in names], dtype=np.float64)

    def matrix(self, items: Sequence[ItemInput], number: int, names: Sequence[str]) -> sparse.csr_matrix:
        grams = self.hasher.transform([self.text(i) for i in items])
        dense = sparse.csr_matrix(np.vstack([self.dense(i, number, names) for i in items])) if items else sparse.csr_matrix((0, len(names)))
        return sparse.hstack([grams, dense], format="csr")
