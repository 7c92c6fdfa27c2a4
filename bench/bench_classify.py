"""Classification speed: the LLM backend against a fake server with latency, and the rules backend.

    ./scripts/bench classify

1. 2,000 items through `classify_pending` with the LLM backend, against the fake
   OpenAI-compatible server (real HTTP on loopback) answering after 200 ms, at
   concurrency 16. The ideal is concurrency / latency = 80 items/s; the ratio to it is
   the measure (target >= 0.8). Everything else is real: claiming, pre-filter, prompt,
   openai client, validation, storing suggestions and call rows in SQLite.
2. The rules backend (pre-filter + rules) on one core, on the labeled items (the dev file
   when it is found, and tests/data/c19_extra.jsonl): items/s (target >= 500). Longer
   press-release-sized texts and the whole stage with the database are shown beside it.
3. The learned model: training (features, cross-validation, calibration, final fit) on
   10,000 labels made from the labeled items (target: under a minute on one core), and the
   rules plus the learned stage per item.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bench.common import Row, console, report
from triage import db
from triage.bootstrap import initialise
from triage.classify.base import ItemInput
from triage.classify.eval import read_gold
from triage.classify.prefilter import Prefilter
from triage.classify.rules.backend import RulesClassifier
from triage.classify.service import classify_pending, load_ruleset
from triage.config import Settings
from triage.items import ItemDraft, store_item
from triage.testing.fake_openai import FakeOpenAIProcess

ROOT = Path(__file__).resolve().parents[1]
N_ITEMS, LATENCY, CONCURRENCY = 2000, 0.2, 16
PERIOD = (dt.date(2024, 6, 15), dt.date(2024, 12, 20))


def gold_files() -> list[Path]:
    found = [ROOT / "tests" / "data" / "c19_extra.jsonl", ROOT / "tests" / "data" / "c19_unseen.jsonl"]
    for base in (os.environ.get("TRIAGE_GOLD_DIR"), ROOT.parent / "shared" / "gold", Path("/work/shared/gold")):
        if base and (Path(base) / "c19_dev.jsonl").exists():
            found.insert(0, Path(base) / "c19_dev.jsonl")
            break
    return found


def one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to one core"
    return "not pinned"


def synthetic_items(n: int) -> list[ItemDraft]:
    """Distinct items that all pass the pre-filter, as a busy day of smuggling news would."""
    rnd = random.Random(19)
    places = ["Calais", "Lampedusa", "Dover", "Passau", "Trieste", "Sofia", "Ceuta", "Rotterdam", "Bari", "Lille"]
    items = []
    for i in range(n):
        place = rnd.choice(places)
        items.append(
            ItemDraft(
                title=f"Migrant smuggling network disrupted near {place} ({i})",
                text=(
                    f"Police in {place} arrested {rnd.randint(2, 30)} suspected members of a migrant smuggling network "
                    f"on {rnd.randint(1, 28)} October 2024. Investigators seized {rnd.randint(2, 9)} vehicles and "
                    f"EUR {rnd.randint(10, 900)} 000 in cash. Case reference {i}-{rnd.randint(1000, 9999)}."
                ),
                publisher="Europol",
                published_at=dt.datetime(2024, 10, 1, tzinfo=dt.UTC),
            )
        )
    return items


def fresh_database(tmp: Path, name: str, items: list[ItemDraft]) -> Settings:
    settings = Settings(database_url=f"sqlite:///{tmp / name}.db")
    initialise(settings)
    with db.session_scope(settings.database_url) as s:
        for d in items:
            store_item(s, d, PERIOD)
    return settings


def bench_llm(tmp: Path) -> list[Row]:
    settings = fresh_database(tmp, "llm", synthetic_items(N_ITEMS))
    # The server runs in its own process, as a model server would: it must not compete with
    # Triage for the interpreter, or the benchmark would measure the fake server too.
    with FakeOpenAIProcess(latency=LATENCY) as server:
        settings = settings.model_copy(
            update={
                "llm_base_url": server.base_url,
                "llm_model": "gpt-4o-mini",
                "llm_timeout_seconds": 30.0,
                "llm_api_key": SecretStr("sk-bench"),
            }
        )
        started = time.perf_counter()
        summary = classify_pending(settings, backend="llm", concurrency=CONCURRENCY)
        elapsed = time.perf_counter() - started
        in_flight = server.stats()["max_in_flight"]
    throughput = summary.classified / elapsed
    ideal = CONCURRENCY / LATENCY
    ok_all = summary.classified == N_ITEMS and summary.failed == 0
    return [
        Row(
            f"LLM backend: {N_ITEMS} items, {LATENCY * 1000:.0f} ms latency, concurrency {CONCURRENCY}", throughput, "items/s", f"ideal {ideal:.0f}/s"
        ),
        Row("  throughput / ideal (concurrency / latency)", throughput / ideal, "", ">= 0.8", throughput / ideal >= 0.8),
        Row("  items classified (all, none failed)", summary.classified, "", f"= {N_ITEMS}", ok_all),
        Row("  most requests in flight at once", in_flight, "", f"<= {CONCURRENCY}", in_flight <= CONCURRENCY),
        Row("  wall time", elapsed, "s"),
    ]


def bench_rules(tmp: Path) -> list[Row]:
    pinned = one_core()
    settings = Settings()
    catalogue, ruleset = load_ruleset(settings)
    rules, prefilter = RulesClassifier(ruleset), Prefilter(ruleset)
    items: list[ItemInput] = [g.item for path in gold_files() for g in read_gold(path, catalogue)]
    long_items = [ItemInput(title=i.title, text=" ".join([i.text] * 8), publisher=i.publisher, url=i.url) for i in items]

    def rate(batch: list[ItemInput], rounds: int, clock=time.process_time) -> float:
        best = float("inf")
        for _ in range(rounds):
            started = clock()
            for it in batch:
                route = prefilter.route(it)
                if route.candidate:
                    rules.classify(it, route.commitments)
            best = min(best, clock() - started)
        return len(batch) / best

    rate(items, 1)  # warm up
    # Per core means CPU seconds of this process: on a shared machine, wall time also counts the
    # neighbours' work. The wall-clock figure is shown beside it.
    labeled = rate(items * 10, 3)
    wall = rate(items * 10, 1, time.perf_counter)
    long = rate(long_items * 2, 3)
    settings = fresh_database(tmp, "rules", synthetic_items(N_ITEMS))
    started = time.perf_counter()
    summary = classify_pending(settings, backend="rules")
    stage = summary.items / (time.perf_counter() - started)
    avg = sum(len(i.text) for i in items) / len(items)
    return [
        Row(
            f"Rules backend, labeled items (avg {avg:.0f} chars, {len(items)} items x10; {pinned}, CPU time)",
            labeled,
            "items/s",
            ">= 500",
            labeled >= 500,
        ),
        Row("  the same, wall clock (counts other processes on a shared machine)", wall, "items/s"),
        Row(f"  press-release length (avg {avg * 8:.0f} chars)", long, "items/s"),
        Row(f"  whole stage with SQLite ({N_ITEMS} items: claim, classify, store)", stage, "items/s"),
    ]


N_LABELS = 10_000


def bench_learned() -> list[Row]:
    """Training on 10,000 labels, as many decisions would give; kept apart from the LLM figures."""
    from triage.classify.learned.labels import from_gold
    from triage.classify.learned.model import Example, train
    from triage.classify.learned.stage import LearnedStage

    settings = Settings()
    catalogue, ruleset = load_ruleset(settings)
    base = from_gold(gold_files(), catalogue, [19])
    rnd = random.Random(11)
    examples = []
    for i in range(N_LABELS):  # distinct texts: each label a different item, as decisions are
        e = base[i % len(base)]
        text = f"{e.item.text} Ref {i}-{rnd.randint(1000, 9999)}."
        examples.append(Example(ItemInput(title=e.item.title, text=text, publisher=e.item.publisher, url=e.item.url), 19, e.relevant, e.dimensions))
    started = time.perf_counter()
    model = train(examples, ruleset, min_per_class=settings.learned_min_per_class, threshold=settings.learned_rescue_threshold)
    seconds = time.perf_counter() - started
    stage = LearnedStage(model, ruleset, settings.learned_rescue_threshold)
    rules, prefilter = RulesClassifier(ruleset), Prefilter(ruleset)
    items = [e.item for e in base]
    started = time.perf_counter()
    for it in items * 3:
        route = prefilter.route(it)
        if route.candidate:
            stage.apply(it, rules.classify(it, route.commitments), route.commitments)
    per_item = len(items) * 3 / (time.perf_counter() - started)
    ece = model.metrics["commitments"]["19"]["relevance"]["ece"]
    return [
        Row(f"Learned model: train on {N_LABELS:,} labels (features, 5-fold CV, calibration, fit)", seconds, "s", "< 60", seconds < 60),
        Row("  held-out expected calibration error", ece, ""),
        Row("  rules + learned stage on labeled items", per_item, "items/s"),
    ]


# gpt-4o-mini list prices (USD per million tokens): input, cached input, output. OpenAI caches
# a prompt prefix of 1,024 tokens or more, in steps of 128, at half the input price.
GPT4O_MINI = (0.15, 0.075, 0.60)


def made_up_catalogue(base, n: int = 20):
    """A catalogue of n complete commitments, made up for the benchmark from a shipped complete one."""
    model = next(c for c in base.commitments if c.complete)
    made = []
    for i in range(1, n + 1):
        dims = [d.model_copy(update={"description": f"{d.description} (made-up commitment {i})"}) for d in model.dimensions]
        made.append(model.model_copy(update={"number": i, "title": f"Made-up commitment {i}: {model.title}", "dimensions": dims}))
    return base.model_copy(update={"commitments": made})


def bench_llm_prompt() -> list[Row]:
    """Prompt size in tokens per item (local estimate) for the shipped and a 20-commitment catalogue,
    and the cost of 1,000 items at gpt-4o-mini prices with the static prefix cached."""
    import json

    from triage.catalogue import load_catalogue
    from triage.classify.llm.prompt import Prompt, Template
    from triage.classify.llm.schema import AnswerSchema
    from triage.classify.llm.tokens import estimate_tokens

    shipped = load_catalogue(Settings().catalogue)
    items = [g.item for path in gold_files() for g in read_gold(path, shipped)][:300]
    answer = {"suggestions": [{"member": "France", "commitment": 19, "dimension": "dismantle", "strength": "strong", "contradictory": False,
                               "confidence": 0.8, "rationale": "Police arrested members of a smuggling network.", "action_date": "2024-08-21",
                               "quote": "Police arrested eight suspected members of a migrant smuggling ring on Tuesday."}],
              "injection_suspected": False, "gist_en": None}  # fmt: skip
    out_tokens = estimate_tokens(json.dumps(answer))  # an answer with one suggestion, a typical evidence item
    price_in, price_cached, price_out = GPT4O_MINI
    rows = []
    for label, cat in (("shipped catalogue", shipped), ("20-commitment catalogue (made up)", made_up_catalogue(shipped))):
        for template in ("classify-v1", "classify-v1-compact"):
            prompt = Prompt(cat, Template.load(template), AnswerSchema.build(cat).schema)
            prefix = estimate_tokens([{"role": "system", "content": prompt.system}])
            per_item = sum(estimate_tokens(prompt.messages(it)) for it in items) / len(items)
            cached = (prefix // 128) * 128 if prefix >= 1024 else 0
            cost = 1000 * ((per_item - cached) * price_in + cached * price_cached + out_tokens * price_out) / 1e6
            uncached = 1000 * (per_item * price_in + out_tokens * price_out) / 1e6
            rows += [
                Row(f"{label}, {template}: prompt tokens per item (prefix {prefix:,})", per_item, "tokens"),
                Row(f"  cost per 1,000 items, gpt-4o-mini, prefix cached ({cached:,} tokens; uncached ${uncached:.3f})", cost, "USD"),
            ]
    rows.append(Row(f"  (output assumed {out_tokens} tokens per item: one suggestion; {len(items)} labeled items)", out_tokens, "tokens"))
    return rows


def main() -> None:
    rows = bench_llm_prompt()
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench_llm(Path(tmp))
        db.dispose_engines()
        rows += bench_rules(Path(tmp))
        db.dispose_engines()
        rows += bench_learned()
    report("bench_classify", rows)
    console.print("[dim]Ratios compare across machines; items/s depend on the CPU.[/]")


if __name__ == "__main__":
    main()
