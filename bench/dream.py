"""Dreaming benchmark: a noisy memory corpus with ground truth, consolidated in one dream.

The corpus (default 10,000 memories) mixes unique facts anchored to code, exact and
near-identical duplicates, paraphrases over the same anchors, contradictions (an older and
a newer value for the same setting), memories about files that are then deleted (orphans)
and memories with relative dates. One dream runs with the scripted provider configured
(so the model step is exercised on whatever candidate pairs rules leave: it answers "no"
to each), or with a real model (--model; the embedded one scores its answers, and the
figures show, per kind of pair, how many it confirmed and the range of its smaller
yes-margin), and the figures are measured against the ground truth:

  duplicates merged        dup/paraphrase groups left as exactly one live memory (goal >= 95%),
                           split into near-identical copies, paraphrases sharing most words,
                           and reworded paraphrases (a quarter of them) that only a model can
                           merge; the scripted model declines, so those stay unmerged
  unique facts kept        every live fact still represented by an active memory (goal 100%)
  false merges             active memories that combine two different facts (goal 0), by
                           kind; the corpus holds adversarial distinct facts over shared
                           anchors and identifiers (different claims about one function,
                           call direction, the duplicates' frame with one word swapped, and
                           a different relation over the same identifiers in other words)
  model queue              candidate pairs rules leave for the model's yes/no, how many are
                           duplicates, and how many of those fit in one dream's budget
  rarity threshold sweep   plans only (no store): duplicates merged and false merges for a
                           few thresholds of the rarity-weighted rule (--no-sweep skips it)
  contradictions resolved  the newer value live, the older superseded (not merged)
  orphans pruned, dates fixed, index lines/bytes, wall and CPU time, model calls and tokens

Usage: python bench/dream.py [--memories 10000] [--seed 7] [--json] [--no-sweep]
                            [--model local:qwen2.5-coder-1.5b] [--dreams N] [--max-pairs N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from wakeful.agents.dream_judge import judge_pairs
from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory.anchors import anchor_from_lines
from wakeful.memory.consolidate import (
    RARITY_DUPLICATE,
    Candidate,
    ConsolidationPlan,
    plan_consolidation,
)
from wakeful.memory.dream import DreamOptions, run_dream
from wakeful.memory.store import SqliteMemoryStore
from wakeful.memory.types import MemoryRecord

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "nu",
    "pe",
    "ra",
    "si",
    "to",
    "vu",
    "xe",
    "za",
    "bo",
    "ci",
    "du",
    "fa",
    "gi",
    "ho",
    "ju",
    "ke",
]
PARAPHRASES = (
    "The {a} handler in {path} validates {b} before calling {c}.",
    "{path}: the {a} handler validates {b} and then calls {c}.",
    "Before calling {c}, the {a} handler ({path}) validates {b}.",
)
# Same fact, different words: rules cannot see these are equal; only a model can merge them.
HARD_PARAPHRASE = "Inputs reaching {c} were already checked for {b} by {a}; see {path}."
NEAR_COPIES = (
    lambda t: t,
    lambda t: t.lower(),
    lambda t: t.rstrip(".") + "!",
    lambda t: "Note: " + t,
)
# The easiest duplicates there are: a full stop, a capital, a phrase moved to the front.
TRIVIAL = "{f} in {mod} returns {n}"
TRIVIAL_VARIANTS = (
    lambda t, s: t + ".",
    lambda t, s: f"In {s['mod']}, {s['f'].capitalize()} returns {s['n']}",
    lambda t, s: f"In {s['mod']}, {s['f']} returns {s['n']}.",
)
RELATIVE = ("yesterday", "last week", "3 days ago", "today")
SWEEP = (0.5, 0.55, 0.6, RARITY_DUPLICATE)
# Distinct facts that must stay apart: 2-3 statements over one anchored span that share
# identifiers with each other (and with the duplicates' vocabulary), each a fact of its own.
#   claims     different claims about the same function and argument
#   direction  who calls whom: "{a} calls {c}" is not "{c} calls {a}" nor "{a} is called
#              by {c}" (direction is part of the fact)
#   swapped    the duplicates' own sentence frame with one word swapped (a different verb,
#              or after instead of before): every identifier shared
#   reworded   a different relation over the very same identifiers, in different words:
#              with no knowledge of word meanings this looks exactly like a reworded
#              duplicate, so it measures what a rule without semantics gets wrong
#   numbers    the trivial variants' sentence with another number ("returns 1." and
#              "returns 2"): a different value, however alike the rest
ADVERSARIAL_KINDS = ("claims", "direction", "swapped", "reworded", "numbers")
CLAIMS = (
    "{a}() returns None when {b} is missing.",
    "{a}() logs {b} errors to stderr.",
    "{a}() caches {b} for the lifetime of the process.",
)
DIRECTION_FIRST = "{a} calls {c} for each {b} event."
DIRECTION_OTHER = ("{c} calls {a} for each {b} event.", "{a} is called by {c} for each {b} event.")
SWAP_VERBS = ("validates", "decodes", "logs", "normalises", "copies")
REWORDED_OTHER = (
    "{c} retries {a} whenever {b} times out; see {path}.",
    "Failures of {c} are reported to {a} together with {b}; see {path}.",
)


def word(rng: random.Random, n: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


class Corpus:
    """Builds files and memories, remembering which fact each memory expresses."""

    def __init__(self, root: Path, total: int, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.total = total
        self.records: list[MemoryRecord] = []
        self.group: dict[str, str] = {}  # memory id -> fact id
        self.kind: dict[str, str] = {}  # fact id -> kind
        self.expect_dates: dict[str, str] = {}  # memory id -> relative phrase
        self.contradictions: list[tuple[str, str]] = []  # (older id, newer id)
        self.orphans: list[str] = []
        self.files: dict[str, list[str]] = {}
        self.used: set[str] = set()
        self.now = time.time()
        self._n = 0

    def unique_word(self) -> str:
        while True:
            w = word(self.rng, self.rng.choice((3, 4)))
            if w not in self.used:
                self.used.add(w)
                return w

    def make_files(self, count: int, prefix: str) -> list[str]:
        names = []
        for i in range(count):
            rel = f"src/{prefix}/mod_{i}.py"
            lines = [f"def {self.unique_word()}_{j}(x):  # step {j}" for j in range(40)]
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n")
            self.files[rel] = lines
            names.append(rel)
        return names

    def trivial_slots(self, path: str) -> dict[str, str]:
        return {"f": f"{self.unique_word()}{self.rng.randint(1, 9)}", "mod": path,
                "n": str(self.rng.randint(0, 99))}  # fmt: skip

    def anchor(self, rel: str) -> tuple:
        lines = self.files[rel]
        line = self.rng.randint(1, len(lines))
        return (anchor_from_lines(rel, lines, line, line, with_symbol=False),)

    def add(
        self, fact: str, text: str, anchors: tuple, created: float, mtype: str = "project"
    ) -> str:
        self._n += 1
        mid = f"m{self._n:010x}"
        self.records.append(
            MemoryRecord(id=mid, type=mtype, text=text, anchors=anchors, created=created)  # type: ignore[arg-type]
        )
        self.group[mid] = fact
        return mid

    def build(self) -> None:
        rng = self.rng
        live_files = self.make_files(300, "live")
        doomed = self.make_files(40, "gone")
        n = self.total
        quotas = {
            "dup": int(n * 0.10),  # groups of 2-3 near-identical copies
            "para": int(n * 0.08),  # groups of 2 paraphrases over one anchor
            "contra": int(n * 0.05),  # pairs: older and newer value
            "orphan": int(n * 0.07),
            "dated": int(n * 0.04),
            "adversarial": int(n * 0.03),  # groups of 2-3 distinct facts over one anchor
            "trivial": int(n * 0.04),  # groups of 2-3 trivial variants (full stop, case, order)
        }
        day = 86400.0
        f = 0

        def fact_text(path: str) -> tuple[str, dict[str, str]]:
            slots = {
                "a": self.unique_word(),
                "b": self.unique_word(),
                "c": self.unique_word(),
                "path": path,
            }
            return PARAPHRASES[0].format(**slots), slots

        for _ in range(quotas["dup"]):
            f += 1
            path = rng.choice(live_files)
            text, _ = fact_text(path)
            anchors = self.anchor(path)
            fid = f"f{f}"
            self.kind[fid] = "dup"
            copies = rng.choice((2, 2, 3))
            for k in range(copies):
                self.add(fid, NEAR_COPIES[k % len(NEAR_COPIES)](text) if k else text, anchors,
                         self.now - rng.uniform(1, 60) * day)  # fmt: skip
        for _ in range(quotas["trivial"]):
            f += 1
            fid = f"f{f}"
            self.kind[fid] = "trivial"
            slots = self.trivial_slots(rng.choice(live_files))
            anchors = self.anchor(slots["mod"]) if rng.random() < 0.5 else ()
            base = TRIVIAL.format(**slots)
            variants = rng.sample(TRIVIAL_VARIANTS, rng.choice((1, 1, 2)))
            for text in [base, *(v(base, slots) for v in variants)]:
                self.add(fid, text, anchors, self.now - rng.uniform(1, 60) * day)
        for _ in range(quotas["para"]):
            f += 1
            path = rng.choice(live_files)
            _, slots = fact_text(path)
            anchors = self.anchor(path)
            fid = f"f{f}"
            self.kind[fid] = "para"
            first, second = rng.sample(range(len(PARAPHRASES)), 2)
            texts = [PARAPHRASES[first].format(**slots), PARAPHRASES[second].format(**slots)]
            if rng.random() < 0.25:
                self.kind[fid] = "hard_para"
                texts[1] = HARD_PARAPHRASE.format(**slots)
            for text in texts:
                self.add(fid, text, anchors, self.now - rng.uniform(1, 60) * day)
        for _ in range(quotas["contra"] // 2):
            f += 1
            svc = self.unique_word()
            path = rng.choice(live_files)
            anchors = self.anchor(path)
            old_v, new_v = rng.sample((5, 10, 15, 30, 45, 60, 90, 120), 2)
            t_old = self.now - rng.uniform(20, 60) * day
            fid = f"f{f}"
            self.kind[fid] = "contra"
            older = self.add(
                fid, f"The request timeout for {svc} is {old_v} seconds", anchors, t_old
            )
            newer = self.add(fid, f"The request timeout for {svc} is {new_v} seconds", anchors,
                             t_old + rng.uniform(1, 15) * day)  # fmt: skip
            self.contradictions.append((older, newer))
        for _ in range(quotas["orphan"]):
            f += 1
            path = rng.choice(doomed)
            text, _ = fact_text(path)
            fid = f"f{f}"
            self.kind[fid] = "orphan"
            self.orphans.append(
                self.add(fid, text, self.anchor(path), self.now - rng.uniform(1, 60) * day)
            )
        for _ in range(quotas["dated"]):
            f += 1
            phrase = rng.choice(RELATIVE)
            fid = f"f{f}"
            self.kind[fid] = "dated"
            text = (
                f"We moved the {self.unique_word()} job to the {self.unique_word()} runner {phrase}"
            )
            mid = self.add(fid, text, (), self.now - rng.uniform(1, 60) * day)
            self.expect_dates[mid] = phrase
        for i in range(quotas["adversarial"]):
            path = rng.choice(live_files)
            _, slots = fact_text(path)
            anchors = self.anchor(path)
            sub = ADVERSARIAL_KINDS[i % len(ADVERSARIAL_KINDS)]
            if sub == "claims":
                texts = [t.format(**slots) for t in rng.sample(CLAIMS, rng.choice((2, 3)))]
            elif sub == "direction":
                texts = [
                    DIRECTION_FIRST.format(**slots),
                    rng.choice(DIRECTION_OTHER).format(**slots),
                ]
            elif sub == "swapped":
                v1, v2 = rng.sample(SWAP_VERBS, 2)
                frame = PARAPHRASES[0].replace("validates", "{v}")
                texts = [frame.format(v=v1, **slots), frame.format(v=v2, **slots)]
                if rng.random() < 0.5:
                    texts[1] = frame.replace("before", "after").format(v=v1, **slots)
            elif sub == "reworded":
                texts = [PARAPHRASES[0].format(**slots), rng.choice(REWORDED_OTHER).format(**slots)]
            else:
                trivial = self.trivial_slots(path)
                other = {**trivial, "n": str(int(trivial["n"]) + rng.randint(1, 9))}
                texts = [TRIVIAL.format(**trivial) + ".", TRIVIAL.format(**other)]
            for text in texts:
                f += 1
                fid = f"f{f}"
                self.kind[fid] = f"adv_{sub}"
                self.add(fid, text, anchors, self.now - rng.uniform(1, 60) * day)
        while len(self.records) < n:
            f += 1
            fid = f"f{f}"
            self.kind[fid] = "unique"
            if rng.random() < 0.8:
                path = rng.choice(live_files)
                text, _ = fact_text(path)
                anchors = self.anchor(path)
            else:
                text = (
                    f"The {self.unique_word()} team prefers {self.unique_word()} "
                    f"over {self.unique_word()} for {self.unique_word()}"
                )
                anchors = ()
            self.add(fid, text, anchors, self.now - rng.uniform(1, 60) * day,
                     "project" if anchors else rng.choice(("feedback", "project")))  # fmt: skip
        rng.shuffle(self.records)
        for rel in doomed:
            (self.root / rel).unlink()


def measure(corpus: Corpus, store: SqliteMemoryStore) -> dict[str, object]:
    records = {r.id: r for r in store.list(status=None)}
    origins: dict[str, set[str]] = {}

    def origin(mid: str) -> set[str]:
        if mid in origins:
            return origins[mid]
        out = {mid}
        for old in records[mid].supersedes:
            out |= origin(old)
        origins[mid] = out
        return out

    active = [r for r in records.values() if r.status == "active"]
    facts_of_active: dict[str, set[str]] = {}
    holders: dict[str, list[str]] = defaultdict(list)
    for r in active:
        facts = {corpus.group[o] for o in origin(r.id) if o in corpus.group}
        facts_of_active[r.id] = facts
        for fact in facts:
            holders[fact].append(r.id)
    false_merges = sum(1 for facts in facts_of_active.values() if len(facts) > 1)
    # A false merge is charged to each kind of fact it swallowed (an adversarial pair
    # merged into one memory counts once, under its kind).
    false_by_kind: dict[str, int] = defaultdict(int)
    for facts in facts_of_active.values():
        if len(facts) > 1:
            for kind in sorted({corpus.kind[fid] for fid in facts}):
                false_by_kind[kind] += 1
    adversarial = [fid for fid, k in corpus.kind.items() if k.startswith("adv_")]

    groups = [fid for fid, k in corpus.kind.items() if k in {"dup", "trivial", "para", "hard_para"}]
    merged = sum(1 for fid in groups if len(holders.get(fid, ())) == 1)
    dup_only = [fid for fid in groups if corpus.kind[fid] == "dup"]
    trivial_only = [fid for fid in groups if corpus.kind[fid] == "trivial"]
    para_only = [fid for fid in groups if corpus.kind[fid] == "para"]
    hard_only = [fid for fid in groups if corpus.kind[fid] == "hard_para"]
    live_facts = [fid for fid, k in corpus.kind.items() if k != "orphan"]
    kept = sum(1 for fid in live_facts if holders.get(fid))
    resolved = 0
    for older, newer in corpus.contradictions:
        newer_live = any(newer in origin(h) for h in holders.get(corpus.group[newer], ()))
        older_live = any(older in origin(h) for h in holders.get(corpus.group[older], ()))
        if newer_live and not older_live and records[older].status == "superseded":
            resolved += 1
    pruned = sum(1 for mid in corpus.orphans if records[mid].status == "archived")
    fixed = 0
    for mid, phrase in corpus.expect_dates.items():
        holder = holders.get(corpus.group[mid], [])
        if holder and all(phrase not in records[h].text for h in holder):
            fixed += 1

    def pct(a: int, b: int) -> float:
        return round(100.0 * a / b, 2) if b else 100.0

    return {
        "duplicates_merged_pct": pct(merged, len(groups)),
        "exact_or_near_copies_merged_pct": pct(
            sum(1 for fid in dup_only if len(holders.get(fid, ())) == 1), len(dup_only)
        ),
        "trivial_variants_merged_pct": pct(
            sum(1 for fid in trivial_only if len(holders.get(fid, ())) == 1), len(trivial_only)
        ),
        "rule_mergeable_merged_pct": pct(
            sum(
                1
                for fid in groups
                if corpus.kind[fid] != "hard_para" and len(holders.get(fid, ())) == 1
            ),
            sum(1 for fid in groups if corpus.kind[fid] != "hard_para"),
        ),
        "paraphrases_merged_pct": pct(
            sum(1 for fid in para_only if len(holders.get(fid, ())) == 1), len(para_only)
        ),
        "hard_paraphrases_merged_pct": pct(
            sum(1 for fid in hard_only if len(holders.get(fid, ())) == 1), len(hard_only)
        ),
        "unique_live_facts_kept_pct": pct(kept, len(live_facts)),
        "false_merges": false_merges,
        "false_merges_by_kind": dict(sorted(false_by_kind.items())),
        "adversarial_facts": len(adversarial),
        "adversarial_facts_kept_apart_pct": pct(
            sum(
                1
                for fid in adversarial
                if any(len(facts_of_active[h]) == 1 for h in holders.get(fid, ()))
            ),
            len(adversarial),
        ),
        "contradictions_resolved_pct": pct(resolved, len(corpus.contradictions)),
        "orphans_pruned_pct": pct(pruned, len(corpus.orphans)),
        "relative_dates_fixed_pct": pct(fixed, len(corpus.expect_dates)),
        "active_before": len(corpus.records),
        "active_after": len(active),
    }


def plan_figures(corpus: Corpus, plan: ConsolidationPlan) -> dict[str, object]:
    """Duplicate and false-merge figures straight from a plan (no store), for the sweep."""
    merge_of: dict[str, int] = {}
    for i, merge in enumerate(plan.merges):
        for r in merge.members:
            merge_of[r.id] = i
    mids: dict[str, list[str]] = defaultdict(list)
    for mid, fid in corpus.group.items():
        mids[fid].append(mid)

    def merged(fid: str) -> bool:
        where = {merge_of.get(m, -1 - k) for k, m in enumerate(mids[fid])}
        return len(where) == 1

    false = [
        {corpus.kind[corpus.group[r.id]] for r in m.members}
        for m in plan.merges
        if len({corpus.group[r.id] for r in m.members}) > 1
    ]
    groups = [fid for fid, k in corpus.kind.items() if k in {"dup", "trivial", "para", "hard_para"}]
    hard = [fid for fid in groups if corpus.kind[fid] == "hard_para"]
    return {
        "duplicates_merged_pct": round(100.0 * sum(map(merged, groups)) / len(groups), 2),
        "hard_paraphrases_merged_pct": round(100.0 * sum(map(merged, hard)) / len(hard), 2),
        "false_merges": len(false),
        "false_merges_reworded": sum(1 for kinds in false if "adv_reworded" in kinds),
    }


def model_queue(corpus: Corpus, plan: ConsolidationPlan, first: int) -> dict[str, int]:
    """Candidate pairs rules leave for the model: how many state one fact (the model should
    say yes), how many two (it must say no), and how many duplicates are among the first
    `first` pairs, the ones one dream asks about."""

    def same(c: Candidate) -> bool:
        return corpus.group[c.a.id] == corpus.group[c.b.id]

    pairs = plan.candidates
    return {
        "pairs": len(pairs),
        "pairs_same_fact": sum(map(same, pairs)),
        "pairs_distinct": sum(1 for c in pairs if not same(c)),
        "offered": min(first, len(pairs)),
        "same_fact_offered": sum(map(same, pairs[:first])),
    }


def verdict_figures(
    corpus: Corpus, asked: list[tuple[MemoryRecord, MemoryRecord, bool | None, tuple[float, ...]]]
) -> dict[str, object]:
    """What the model said per kind of pair: pairs asked, confirmed, and (for a model that
    scores its answers) the range of the smaller of the two yes-margins."""
    out: dict[str, dict[str, object]] = {}
    for a, b, verdict, margins in asked:
        fa, fb = corpus.group[a.id], corpus.group[b.id]
        kind = corpus.kind[fa] if fa == fb else "distinct:" + corpus.kind[fb]
        row = out.setdefault(kind, {"asked": 0, "confirmed": 0, "margin_min": None,
                                    "margin_max": None})  # fmt: skip
        row["asked"] = int(row["asked"]) + 1  # type: ignore[call-overload]
        row["confirmed"] = int(row["confirmed"]) + bool(verdict)  # type: ignore[call-overload]
        if margins:
            m = min(margins[:2])
            lo, hi = row["margin_min"], row["margin_max"]
            row["margin_min"] = m if lo is None else min(float(lo), m)  # type: ignore[arg-type]
            row["margin_max"] = m if hi is None else max(float(hi), m)  # type: ignore[arg-type]
    return dict(sorted(out.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--no-sweep", action="store_true", help="skip the rarity-threshold trade-off"
    )
    parser.add_argument(
        "--model",
        default=None,
        help="model for the model step (e.g. local:qwen2.5-coder-1.5b); "
        "default: a scripted model that answers no to every pair",
    )
    parser.add_argument(
        "--dreams",
        type=int,
        default=1,
        help="dreams to run before measuring (each asks the model about at most "
        "--max-pairs new pairs)",
    )
    parser.add_argument(
        "--max-pairs",
        type=int,
        default=None,
        help="candidate pairs one dream asks the model about (default: the dream.max_pairs "
        "setting)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wakeful-dream-bench-") as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        t0 = time.perf_counter()
        corpus = Corpus(root, args.memories, args.seed)
        corpus.build()
        paths = Paths.for_workspace(root, {"HOME": str(Path(tmp) / "home")})
        paths.ensure()
        store = SqliteMemoryStore(paths.memory_db)
        store.add_many(corpus.records)
        store.close()
        build_s = time.perf_counter() - t0

        # Planning is pure: measure the rarity threshold's trade-off and the order in
        # which clusters reach the model without touching the store.
        sweep: dict[str, dict[str, object]] = {}
        if not args.no_sweep:
            for threshold in SWEEP:
                plan = plan_consolidation(corpus.records, rarity_threshold=threshold)
                sweep[f"{threshold:.2f}"] = plan_figures(corpus, plan)
        config = Config()
        max_pairs = config.settings.dream.max_pairs if args.max_pairs is None else args.max_pairs
        queue = model_queue(corpus, plan_consolidation(corpus.records), max_pairs)

        dreams = max(1, args.dreams)
        script = Path(tmp) / "dreamer.json"
        script.write_text(json.dumps({"turns": [{"text": "no"}] * (max_pairs * dreams + 1)}))
        log = Path(tmp) / "requests.jsonl"
        config = Config(env={"WAKEFUL_REQUEST_LOG": str(log)})
        config.set("model", value=args.model or f"scripted:{script}")
        config.set("memory", "user_store", value=False)

        t1 = time.perf_counter()
        cpu1 = time.process_time()
        model_calls = 0
        model_wall = model_cpu = 0.0
        pairs_asked = pairs_same = 0
        asked_log: list[tuple[MemoryRecord, MemoryRecord, bool | None, tuple[float, ...]]] = []

        async def judge(pairs: list, *, provider: object) -> object:
            """judge_pairs, keeping each pair's verdict and margins for the figures."""
            result = await judge_pairs(pairs, provider=provider)
            margins = result.margins or [()] * len(pairs)
            for (a, b), verdict, m in zip(pairs, result.verdicts, margins, strict=True):
                asked_log.append((a, b, verdict, m))
            return result

        for _ in range(dreams):
            options = DreamOptions(force=True, judge=judge, max_pairs=max_pairs)
            report = run_dream(paths, config, options)
            if report.skipped:
                print(f"dream skipped: {report.skipped}", file=sys.stderr)
                return 1
            model_calls += int(report.model.get("calls") or 0)
            model_wall += float(report.model.get("seconds") or 0.0)
            model_cpu += float(report.model.get("cpu_seconds") or 0.0)
            asked = next(p for p in report.phases if p.name == "consolidate").details["model"]
            pairs_asked += int(asked.get("pairs") or 0)
            pairs_same += int(asked.get("same_fact") or 0)
        wall = time.perf_counter() - t1
        verdicts = verdict_figures(corpus, asked_log)
        cpu = time.process_time() - cpu1
        store = SqliteMemoryStore(paths.memory_db)
        figures = measure(corpus, store)
        store.close()
        index = (paths.memory_dir / "MEMORY.md").read_bytes()
        logged = len(log.read_text().splitlines()) if log.exists() else 0
        t2 = time.perf_counter()
        idle = run_dream(paths, config, DreamOptions(force=True, judge=judge_pairs))
        idle_s = time.perf_counter() - t2
        logged_after_idle = len(log.read_text().splitlines()) if log.exists() else 0

    result = {
        "memories": args.memories,
        "seed": args.seed,
        **figures,
        "counts": report.counts,
        "index_lines": len(index.decode().splitlines()),
        "index_bytes": len(index),
        "model": args.model or "scripted (answers no)",
        "dreams": dreams,
        "max_pairs": max_pairs,
        "pairs_asked": pairs_asked,
        "pairs_same_fact": pairs_same,
        "model_calls": model_calls,
        "model_wall_seconds": round(model_wall, 3),
        "model_cpu_seconds": round(model_cpu, 3),
        "model_tokens": report.model.get("tokens", {}),
        "requests_logged": logged,
        "phase_seconds": {p.name: round(p.seconds, 3) for p in report.phases},
        "dream_wall_seconds": round(wall, 3),
        "dream_cpu_seconds": round(cpu, 3),
        "corpus_build_seconds": round(build_s, 3),
        "model_queue": queue,
        "model_verdicts": verdicts,
        "rarity_threshold": RARITY_DUPLICATE,
        "rarity_sweep": sweep,
        "idle_dream": {
            "skipped": idle.skipped,
            "seconds": round(idle_s, 4),
            "new_requests": logged_after_idle - logged,
        },
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"dream benchmark: {args.memories} memories (seed {args.seed}); "
        f"model {result['model']}, {result['dreams']} dream(s)"
    )
    rows = [
        ("duplicates merged", f"{result['duplicates_merged_pct']}%  (goal >= 95%)"),
        ("  all but reworded", f"{result['rule_mergeable_merged_pct']}%"),
        ("  near-identical copies", f"{result['exact_or_near_copies_merged_pct']}%"),
        ("  trivial variants", f"{result['trivial_variants_merged_pct']}%"),
        ("  paraphrases, same anchors", f"{result['paraphrases_merged_pct']}%"),
        ("  reworded (model's job)", f"{result['hard_paraphrases_merged_pct']}%"),
        ("unique live facts kept", f"{result['unique_live_facts_kept_pct']}%  (goal 100%)"),
        ("false merges", f"{result['false_merges']}  (goal 0)"),
        ("  by kind", json.dumps(result["false_merges_by_kind"])),
        (
            "distinct facts kept apart",
            f"{result['adversarial_facts_kept_apart_pct']}% of "
            f"{result['adversarial_facts']} adversarial facts",
        ),
        ("contradictions resolved", f"{result['contradictions_resolved_pct']}%"),
        ("orphans pruned", f"{result['orphans_pruned_pct']}%"),
        ("relative dates fixed", f"{result['relative_dates_fixed_pct']}%"),
        ("active memories", f"{result['active_before']} -> {result['active_after']}"),
        ("MEMORY.md", f"{result['index_lines']} lines, {result['index_bytes']} bytes"),
        (
            "model pairs asked",
            f"{result['pairs_asked']} (answered the same fact: {result['pairs_same_fact']})",
        ),
        ("model calls / tokens", f"{result['model_calls']} / {result['model_tokens']}"),
        (
            "model step",
            f"{result['model_wall_seconds']} s wall, {result['model_cpu_seconds']} s CPU",
        ),
        ("phases (s)", json.dumps(result["phase_seconds"])),
        (
            "dream wall / CPU time",
            f"{result['dream_wall_seconds']} s / {result['dream_cpu_seconds']} s",
        ),
        (
            "idle dream",
            f"{result['idle_dream']['seconds']} s, "
            f"{result['idle_dream']['new_requests']} model requests",
        ),  # fmt: skip
    ]
    q = result["model_queue"]
    rows.insert(
        -5,
        (
            "model queue",
            f"{q['pairs']} candidate pairs ({q['pairs_same_fact']} one fact, "
            f"{q['pairs_distinct']} two); the first {q['offered']} hold "
            f"{q['same_fact_offered']} duplicates",
        ),
    )
    for name, value in rows:
        print(f"  {name:<28} {value}")
    for kind, row in result["model_verdicts"].items():
        margin = (
            f"; smaller yes-margin {row['margin_min']} .. {row['margin_max']}"
            if row["margin_min"] is not None
            else ""
        )
        print(f"    model on {kind}: {row['confirmed']} of {row['asked']} confirmed{margin}")
    if sweep:
        print(f"  rarity threshold trade-off (default {RARITY_DUPLICATE}; plans only):")
        for threshold, fig in sweep.items():
            print(
                f"    >= {threshold}: duplicates merged {fig['duplicates_merged_pct']}%, "
                f"reworded {fig['hard_paraphrases_merged_pct']}%, false merges "
                f"{fig['false_merges']} ({fig['false_merges_reworded']} reworded relations)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
