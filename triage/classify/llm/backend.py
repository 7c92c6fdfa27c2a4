"""The LLM backend: prompt, call, validate (one repair), cache, and turn the answer into proposals.

`classify` never raises for a bad answer or a failed call: the item's Classification carries
the error and the requests made, and the service marks the item failed (retried next run).
It raises only `BudgetExhausted` (before any call: the item stays pending) and
`LLMFatalError` (the endpoint refuses us: the run stops).
"""

from __future__ import annotations

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from triage.catalogue.schema import Catalogue
from triage.classify.base import CallRecord, Classification, ItemInput, LLMFatalError, ProposalOut
from triage.classify.injection import injection_signals
from triage.classify.llm.budget import Budget
from triage.classify.llm.cache import MemoryCache, cache_key
from triage.classify.llm.client import LLMCallError, LLMClient
from triage.classify.llm.dialects import DialectSpec, dialect
from triage.classify.llm.prompt import Prompt, Template
from triage.classify.llm.schema import Answer, AnswerSchema, InvalidAnswer, parse_answer
from triage.config import Settings
from triage.errors import ConfigError
from triage.suggestions import Proposal
from triage.vocab import LLMOutcome

# Timeouts in a row after which the run stops: the model is too slow for the setting, and
# every further item would only wait for the timeout too.
TIMEOUTS_TO_STOP = 2


class LLMClassifier:
    kind = "llm"
    remote = True

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        *,
        cache=None,
        budget: Budget | None = None,
        template: Template | None = None,
        http_client=None,
        write_cache: bool = True,
        server: DialectSpec | None = None,
        usage_trusted: bool = True,
        speed: float | None = None,
    ):
        self.settings = settings
        profile = settings.model_profile()
        self.schema = AnswerSchema.build(catalogue, profile.max_suggestions, profile.max_text_chars)
        self.prompt = Prompt(catalogue, template or Template.load(profile.prompt or settings.llm_prompt), self.schema.schema)
        if server is None:
            server = dialect("json_object" if profile.output_mode == "auto" else profile.output_mode)
        self.client = LLMClient(
            settings,
            prompt_version=self.prompt.version,
            schema=self.schema,
            dialect=server,
            usage_trusted=usage_trusted,
            speed=speed,
            http_client=http_client,
        )
        self._timeouts = 0
        self.model = settings.llm_model
        self.agent = f"llm:{self.model}@{self.prompt.template.id}"
        self.cache = cache if cache is not None else MemoryCache()
        self.budget = budget or Budget()
        self._refused: str | None = None  # once the endpoint refuses us, no further request this run
        # The service writes cache rows in the transaction that stores the item's suggestions
        # (one commit instead of two per item); stand-alone use writes them here at once.
        self.write_cache = write_cache

    def cache_key(self, item: ItemInput) -> str:
        return cache_key(item.hash, self.prompt.version, self.model)

    def classify(self, item: ItemInput) -> Classification:
        key = self.cache_key(item)
        cached = self.cache.get(key)
        if cached is not None:
            result = self._result(item, Answer.model_validate(cached), [])
            result.cached = True
            return result
        if self._refused is not None:
            raise LLMFatalError(self._refused, [])
        self.budget.check()
        records: list[CallRecord] = []
        try:
            answer = self._ask(item, records)
        except LLMFatalError as exc:
            self._refused = str(exc)
            raise
        except InvalidAnswer as exc:
            return Classification(agent=self.agent, calls=records, error=f"invalid answer after one repair: {exc}")
        except LLMCallError as exc:
            if exc.timed_out:
                self._timeouts += 1
                if self._timeouts >= TIMEOUTS_TO_STOP:
                    self._refused = f"{self._timeouts} requests in a row {exc}"
            else:
                self._timeouts = 0
            return Classification(agent=self.agent, calls=records, error=f"LLM call failed: {exc}")
        except Exception as exc:  # a bug must not lose the requests made: they are logged and budgeted
            return Classification(agent=self.agent, calls=records, error=f"internal error: {exc!r}")
        finally:
            self.budget.charge(sum(r.tokens_in + r.tokens_out for r in records), sum(r.cost_usd for r in records))
        self._timeouts = 0
        result = self._result(item, answer, records)
        if self.write_cache:
            self.cache.put(key, item.hash, self.prompt.version, self.model, result.raw)
        return result

    def _ask(self, item: ItemInput, records: list[CallRecord]) -> Answer:
        """Ask; if the answer is invalid, ask once more showing the validation error."""
        messages = self.prompt.messages(item)
        last: dict[str, InvalidAnswer] = {}

        def attempt() -> Answer:
            turn = messages if not last else messages + Prompt.repair(last["error"].text, str(last["error"]))
            completion = self.client.complete(turn, records)
            try:
                answer = parse_answer(completion.text, self.schema)
            except InvalidAnswer as exc:
                records[-1].outcome = LLMOutcome.INVALID
                records[-1].error = str(exc)[:500]
                last["error"] = exc
                raise
            if last:
                records[-1].outcome = LLMOutcome.REPAIRED
            return answer

        repairs = Retrying(stop=stop_after_attempt(2), retry=retry_if_exception_type(InvalidAnswer), reraise=True)
        return repairs(attempt)

    def _result(self, item: ItemInput, answer: Answer, records: list[CallRecord]) -> Classification:
        signals = injection_signals(item.full_text)
        result = Classification(
            agent=self.agent,
            calls=records,
            injection_suspected=answer.injection_suspected or bool(signals),
            injection_reasons=signals + (["model"] if answer.injection_suspected else []),
            gist_en=(answer.gist_en or None) if (item.language or "").lower() not in ("en",) else None,
            raw=answer.model_dump(mode="json"),
        )
        for s in answer.suggestions:
            result.proposals.append(
                ProposalOut(
                    Proposal(
                        member=s.member,
                        commitment=s.commitment,
                        dimension=s.dimension,
                        strength=s.strength,
                        contradictory=s.contradictory,
                        confidence=s.confidence,
                        rationale=s.rationale,
                        quote=s.quote,
                        action_date=s.action_date,
                    )
                )
            )
        return result


def build_llm_classifier(
    settings: Settings, catalogue: Catalogue, database_url: str | None, *, cache, budget: Budget, write_cache: bool
) -> LLMClassifier:
    """The classifier with its server dialect: the model profile's, else the stored probe's, else a probe now.

    Usage figures are trusted unless a probe found them implausible; a probe run here is
    stored, and its requests logged, so the next run does not probe again."""
    from triage import db
    from triage.classify.llm import probe as probing
    from triage.classify.llm.log import write_calls

    profile = settings.model_profile()
    base_url = str(make_base_url(settings))
    found = None
    if database_url:
        with db.session_scope(database_url) as session:
            row = probing.latest(session, base_url, settings.llm_model)
            if row is not None:
                found = (row.dialect, row.usage_reported, row.usage_plausible, row.tokens_per_second)
    if found is None and profile.output_mode == "auto":
        result = probing.probe(settings)
        budget.charge(sum(r.tokens_in + r.tokens_out for r in result.calls), 0.0)
        if database_url:
            write_calls(database_url, [(None, result.calls)])
            with db.session_scope(database_url) as session:
                probing.store(session, result)
        found = (result.dialect, result.usage_reported, result.usage_plausible, result.tokens_per_second)
    name = profile.output_mode
    if name == "auto":
        if found is None or found[0] is None:
            raise ConfigError(f"the LLM endpoint {base_url} answered no probe: see `triage llm check`")
        name = found[0]
    usage_trusted = found is None or not found[1] or found[2]
    speed = found[3] if found is not None else None
    return LLMClassifier(
        settings, catalogue, cache=cache, budget=budget, write_cache=write_cache, server=dialect(name), usage_trusted=usage_trusted, speed=speed
    )


def make_base_url(settings: Settings) -> str:
    from triage.classify.llm.client import make_openai

    return str(make_openai(settings, 1.0).base_url)
