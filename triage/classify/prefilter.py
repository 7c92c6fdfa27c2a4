"""The pre-filter: cheap routing before any classifier, so the LLM sees only candidates.

Each commitment's rules name the cues that route an item to it (`route:`). An item is a
candidate for every commitment whose route matches; an item that matches none is
`not_candidate` and costs nothing. Routes are written for recall: losing evidence here
cannot be undone later, sending an extra item to the classifier only costs a call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.classify.base import ItemInput
from triage.classify.rules.backend import CueContext
from triage.classify.rules.load import RuleSet
from triage.classify.rules.terms import TextIndex
from triage.classify.text import fold


@dataclass
class Route:
    commitments: list[int] = field(default_factory=list)
    matched: dict[int, str] = field(default_factory=dict)  # commitment -> the term that routed it

    @property
    def candidate(self) -> bool:
        return bool(self.commitments)

    checked: list[str] = field(default_factory=list)  # the routes tried, for the reason of an item passed over

    def reason(self) -> str:
        if not self.commitments:
            return "pre-filter: no commitment's keywords" + (f" (routes tried: {'; '.join(self.checked)})" if self.checked else "")
        return "pre-filter: " + "; ".join(f"commitment {n} ({self.matched[n]!r})" for n in self.commitments)


class Prefilter:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset

    def route(self, item: ItemInput) -> Route:
        index = TextIndex(fold(item.full_text))
        route = Route()
        for number, compiled in self.ruleset.commitments.items():
            # Routes ignore the commitment's mask on purpose: "drug trafficking" is not evidence,
            # but an item that says it may still be, so the classifier should look.
            ctx = CueContext(index, compiled)
            route.checked.append(f"{number}: {', '.join('|'.join(n) for n in compiled.route)}")
            for names in compiled.route:
                found = ctx.expr(names)
                if found is not None:
                    route.commitments.append(number)
                    route.matched[number] = found
                    break
        return route
