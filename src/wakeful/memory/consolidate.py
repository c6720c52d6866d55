"""Deterministic consolidation: a plan of merges, supersessions and date fixes, no model.

This module is pure: it reads records and returns a `ConsolidationPlan`; dreaming applies
the plan to the store. It must scale to tens of thousands of memories, so nothing here
compares all pairs. Candidate pairs come from blocking:

- records with the same anchors (path and content hash) share a bucket;
- records whose word sets could reach the near-duplicate threshold share a token in their
  *prefix* (their rarest words first), the classic prefix filter for set-similarity joins,
  which finds every pair above the threshold without false negatives;
- records that state something about the same subject, over the same files, share a
  subject bucket, where contradictions are looked for.

Contradictions are decided narrowly (different numbers, a negation, or a swapped value in
the same sentence frame), newer evidence wins, and the loser is superseded, not deleted.

Duplicates are merged when their words mostly coincide (anywhere), when they are close
over the same anchors, or, over the same anchors, when they name exactly the same things
(words rare in the store or written like names) and the rarity-weighted overlap of their
words is high: a shared identifier says far more than a shared common word. A merge is
refused when anything says the records state different facts: another number, a negation,
a contradiction, another direction ("X calls Y" against "Y calls X" or "X is called by
Y"), or the same sentence frame with one word swapped. A group only grows when no member
of one side is evidently distinct from any member of the other, so chains of close pairs
cannot join two different facts.

What no rule here can do is read meaning: a reworded duplicate and a different relation
between the same named things, written in other words, look alike to word statistics. The
rarity threshold is therefore set high, and what it leaves over the same anchors goes to
the model as clusters, ranked so that the likeliest duplicates are seen first.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from wakeful.memory.types import Anchor, MemoryRecord

NEAR_DUPLICATE = 0.8  # word-set Jaccard for records that share no anchors
SAME_ANCHOR_DUPLICATE = 0.5  # lower bar when the records point at the same code
RARITY_DUPLICATE = 0.75  # rarity-weighted overlap, same anchors and the same named things
FRAME_SHARE = 0.5  # share of a sentence two statements must have in common to be one frame
MAX_BUCKET = 200  # larger buckets are compared in time order windows, not all pairs
CANDIDATE_OVERLAP = 0.25  # rarity-weighted overlap at which a pair is worth a model's question


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN_RE = re.compile(r"[a-z0-9_]+(?:[./\-][a-z0-9_]+)*")
# A number, also one that ends a sentence ("returns 1."), but not part of a name or a
# version ("f1", "m1.py", "v1.2", "1.2.3").
_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\w)")
STOPWORDS = _words(
    "a an the and or of to in on at for by with from into onto as is are was were be been "
    "being it its this that these those there here we our us you your i me my they them "
    "their he she his her which who whom what when where why how so such then than also "
    "just very really quite some any all each every both either neither can could would "
    "should will shall may might must do does did done have has had having about over under "
    "again further once only own same too now up down out off per via"
)
NEGATIONS = _words(
    "not never no longer don't doesn't isn't aren't wasn't weren't won't can't cannot "
    "shouldn't mustn't without dont doesnt isnt arent wasnt werent wont cant shouldnt"
)
# Verbs that split a statement into subject and value ("X is Y", "X uses Y").
_FRAME_RE = re.compile(
    r"\b(?:is set to|are set to|defaults to|default to|should be|must be|should use|"
    r"must use|runs on|run on|lives in|live in|listens on|listen on|points to|prefers?|"
    r"likes?|wants?|uses?|is|are|was|were|equals|means)\b|(?<!\S)(?:=|->)(?!\S)"
)
_VALUE_LIKE_RE = re.compile(r"[\d./_\-]|[A-Z]")
_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude suffix strip so that 'retries'/'retry' and 'uses'/'use' compare equal."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("i"):
        word = word[:-1] + "y"
    return word


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower().replace("'", ""))


def content_words(text: str) -> frozenset[str]:
    return frozenset(stem(t) for t in tokens(text) if t not in STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def normalised_text(text: str) -> str:
    return " ".join(tokens(text))


@dataclass(frozen=True)
class Features:
    """What consolidation needs from a record, computed once."""

    record: MemoryRecord
    words: frozenset[str]
    numbers: tuple[str, ...]
    negated: bool
    subject: tuple[str, ...] | None
    value: tuple[str, ...]
    value_raw: tuple[str, ...]
    anchor_key: frozenset[tuple[str, str]]
    anchor_paths: frozenset[str]
    sequence: tuple[str, ...] = ()  # content words in order
    named: frozenset[str] = frozenset()  # words written like names: f(), None, a_b, x.py, v2
    passive: frozenset[str] = frozenset()  # verbs used in the passive ("called by")

    @property
    def id(self) -> str:
        return self.record.id


def features(record: MemoryRecord) -> Features:
    text = " ".join(record.text.split())
    lowered = text.lower()
    toks = tokens(text)
    negated = any(t in NEGATIONS for t in toks) or "no longer" in lowered or "n't" in lowered
    subject: tuple[str, ...] | None = None
    value: tuple[str, ...] = ()
    value_raw: tuple[str, ...] = ()
    first_clause = re.split(r"[;,](?:\s|$)|\.\s|\s-\s", text, maxsplit=1)[0]
    match = _FRAME_RE.search(first_clause.lower())
    if match:
        subj = tuple(
            stem(t)
            for t in tokens(first_clause[: match.start()])
            if t not in STOPWORDS and t not in NEGATIONS and t != "longer"
        )
        if subj:
            verb = _verb(match.group(0).split()[0])
            subject = (*subj, "|", verb)
            rest = first_clause[match.end() :]
            value_raw = tuple(
                w for w in re.findall(r"[\w./\-']+", rest) if w.lower() not in NEGATIONS
            )
            value = tuple(
                stem(t)
                for t in tokens(rest)
                if t not in STOPWORDS and t not in NEGATIONS and t != "longer"
            )
    sequence = tuple(stem(t) for t in toks if t not in STOPWORDS)
    return Features(
        record=record,
        words=frozenset(sequence),
        numbers=tuple(sorted(_NUMBER_RE.findall(text))),
        negated=negated,
        subject=subject,
        value=value,
        value_raw=value_raw,
        anchor_key=frozenset((a.path, a.sha256) for a in record.anchors),
        anchor_paths=frozenset(a.path for a in record.anchors),
        sequence=sequence,
        named=_named_words(text),
        passive=frozenset(
            stem((m.group(1) or m.group(2)).lower()) for m in _PASSIVE_RE.finditer(text)
        ),
    )


_WORD_RE = re.compile(r"[A-Za-z0-9_]+(?:[./\-][A-Za-z0-9_]+)*")
_NAME_SHAPE_RE = re.compile(r"[\d_./]")
_PASSIVE_RE = re.compile(
    r"\b(?:(?:is|are|was|were|be|been|being|gets?|got)\s+(\w+)|(\w+(?:ed|en)))\s+by\b",
    re.IGNORECASE,
)


def _named_words(text: str) -> frozenset[str]:
    """Words spelled like names rather than prose: a call `f()`, a capital that does not
    start a sentence (`None`, `KeyError`), digits, underscores, dots or slashes."""
    out: set[str] = set()
    for m in _WORD_RE.finditer(text):
        w = m.group(0)
        lowered = w.lower()
        if lowered in STOPWORDS:
            continue
        i = m.start() - 1
        while i >= 0 and text[i] in " \t":
            i -= 1
        starts_sentence = i < 0 or text[i] in ".!?:;\n-*("
        if (
            _NAME_SHAPE_RE.search(w)
            or text.startswith("(", m.end())
            or any(c.isupper() for c in w[1:])
            or (w[0].isupper() and not starts_sentence)
        ):
            out.add(stem(lowered.replace("'", "")))
    return frozenset(out)


def _verb(word: str) -> str:
    if word in {"is", "are", "was", "were"}:
        return "be"
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def conflicts(a: Features, b: Features) -> str | None:
    """Why two statements about the same subject disagree, or None if they do not."""
    if a.subject is None or a.subject != b.subject or a.anchor_paths != b.anchor_paths:
        return None
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return "different numbers"
    if a.negated != b.negated and jaccard(frozenset(a.value), frozenset(b.value)) >= 0.5:
        return "one negates the other"
    va, vb = a.value, b.value
    if not va or not vb or va == vb:
        return None
    if len(va) == len(vb):
        diff = [i for i in range(len(va)) if va[i] != vb[i]]
        if len(va) <= 2 and len(diff) == len(va):
            return "a different value"
        if len(diff) == 1 and _value_like(a, b, va[diff[0]], vb[diff[0]]):
            return "a different value"
    return None


def _value_like(a: Features, b: Features, wa: str, wb: str) -> bool:
    """Swapped words that look like values (numbers, paths, names) rather than verbs."""
    raw = {w.lower(): w for w in (*a.value_raw, *b.value_raw)}
    for w in (wa, wb):
        original = raw.get(w, w)
        if _VALUE_LIKE_RE.search(original):
            return True
    return False


def duplicate_blockers(a: Features, b: Features) -> bool:
    """Near-identical wording can still carry a different number or a negation."""
    return (a.numbers != b.numbers and bool(a.numbers or b.numbers)) or a.negated != b.negated


def swapped_word(a: Features, b: Features) -> bool:
    """The same sentence frame with a word swapped ("validates X before" vs "logs X
    before", "before" vs "after"): a minimal pair states a different fact. Paraphrases
    restructure a sentence; they do not keep its frame and trade one word for another.
    Words present on both sides only moved; a word that is the other's prefix ("repo",
    "repository") is an abbreviation, not a swap."""
    if not a.sequence or not b.sequence:
        return False
    matcher = SequenceMatcher(None, a.sequence, b.sequence, autojunk=False)
    shared = sum(block.size for block in matcher.get_matching_blocks())
    if shared < FRAME_SHARE * max(len(a.sequence), len(b.sequence)):
        return False
    count_a, count_b = Counter(a.sequence), Counter(b.sequence)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace":
            continue
        gone = {w for w in a.sequence[i1:i2] if count_a[w] > count_b[w]}
        came = {w for w in b.sequence[j1:j2] if count_b[w] > count_a[w]}
        if gone and came and not any(_abbreviates(x, y) for x in gone for y in came):
            return True
    return False


def _abbreviates(x: str, y: str) -> bool:
    short, long = sorted((x, y), key=len)
    return short.isalpha() and long.isalpha() and len(short) >= 3 and long.startswith(short)


def direction_differs(a: Features, b: Features, specific: frozenset[str] = frozenset()) -> bool:
    """Who does what to whom is part of the fact: "X calls Y" is neither "Y calls X" nor
    "X is called by Y" (but it is "Y is called by X"). Caught two ways: a verb in the
    passive on one side and the active on the other whose doer and target are not the
    same two names, or the same frame with its named things in another order."""

    def is_name(w: str) -> bool:
        return w in specific or w in a.named or w in b.named

    def around(f: Features, verb: str) -> tuple[str | None, str | None]:
        """The nearest names before and after the verb's first use."""
        if verb not in f.sequence:
            return None, None
        i = f.sequence.index(verb)
        before = next((w for w in reversed(f.sequence[:i]) if is_name(w)), None)
        after = next((w for w in f.sequence[i + 1 :] if is_name(w)), None)
        return before, after

    voiced = False
    for verb in a.passive ^ b.passive:
        passive_side, active_side = (a, b) if verb in a.passive else (b, a)
        if verb not in active_side.words:
            continue
        target, doer = around(passive_side, verb)  # "<target> is <verb>ed by <doer>"
        doer2, target2 = around(active_side, verb)  # "<doer> <verb>s <target>"
        if doer is None or target is None or (doer, target) != (doer2, target2):
            return True
        voiced = True  # the voice changed and the roles did not, so the names' order did
    if voiced or a.words != b.words:
        return False

    def skeleton(f: Features, name: Callable[[str], bool]) -> tuple[str, ...]:
        return tuple(w for w in f.sequence if not name(w))

    def slots(f: Features, name: Callable[[str], bool]) -> list[frozenset[str]]:
        """The names between consecutive frame words: "In m1.py, f1 returns 1" and "f1 in
        m1.py returns 1" put the same names before "returns"; "f1 calls g2" and "g2 calls
        f1" do not."""
        out: list[set[str]] = [set()]
        for w in f.sequence:
            if name(w):
                out[-1].add(w)
            else:
                out.append(set())
        return [frozenset(s) for s in out]

    shaped = a.named | b.named
    for name in (is_name, shaped.__contains__):
        # In a small store every word is rare, so rarity alone may leave no frame words:
        # then only words written like names count as names.
        frame = skeleton(a, name)
        if frame != skeleton(b, name):
            return False
        if frame:
            return slots(a, name) != slots(b, name)
    return tuple(w for w in a.sequence if is_name(w)) != tuple(w for w in b.sequence if is_name(w))


def distinct(a: Features, b: Features, specific: frozenset[str] = frozenset()) -> bool:
    """Evidence that two records state different facts, whatever their overlap."""
    return (
        duplicate_blockers(a, b)
        or conflicts(a, b) is not None
        or direction_differs(a, b, specific)
        or swapped_word(a, b)
    )


def rarity_weights(feats: Iterable[Features]) -> dict[str, float]:
    """Inverse document frequency of each word over the whole store: an identifier that
    two memories share says far more than a common word they share."""
    df: dict[str, int] = defaultdict(int)
    n = 0
    for f in feats:
        n += 1
        for w in f.words:
            df[w] += 1
    return {w: math.log(1.0 + n / c) for w, c in df.items()}


def weighted_overlap(a: frozenset[str], b: frozenset[str], weight: Mapping[str, float]) -> float:
    """Jaccard with each word counted by its rarity."""
    union = sum(weight.get(w, 0.0) for w in a | b)
    if union <= 0.0:
        return 1.0 if a == b else 0.0
    return sum(weight.get(w, 0.0) for w in a & b) / union


def rare_limit(total: int) -> int:
    """A word in at most this many memories is rare enough to name a thing."""
    return max(3, total // 1000)


@dataclass
class Merge:
    """Records that say the same thing: one new record replaces them all."""

    members: list[MemoryRecord]
    reason: str

    @property
    def newest(self) -> MemoryRecord:
        return max(self.members, key=lambda r: (r.created, r.seq))

    def merged_record(self, new_id: str) -> MemoryRecord:
        newest = self.newest
        anchors: dict[tuple[str, str], Anchor] = {}
        for r in sorted(self.members, key=lambda r: (r.id != newest.id, -r.created)):
            for anchor in r.anchors:
                anchors.setdefault((anchor.path, anchor.sha256), anchor)
        return newest.with_(
            id=new_id,
            anchors=tuple(anchors.values()),
            supersedes=tuple(r.id for r in self.members),
            status="active",
            seq=0,
        )


@dataclass
class Supersession:
    winner: MemoryRecord
    loser: MemoryRecord
    reason: str


@dataclass
class DateFix:
    record: MemoryRecord
    text: str
    phrases: list[str]


@dataclass(frozen=True)
class Candidate:
    """Two records over the same anchors that rules could neither merge nor tell apart:
    worth one yes/no question to a model. Nothing rules can see says they differ (numbers,
    negations, names written like identifiers, direction, a swapped word all agree), and
    their rarity-weighted overlap is `score`."""

    a: MemoryRecord
    b: MemoryRecord
    score: float

    @property
    def key(self) -> str:
        return ",".join(sorted((self.a.id, self.b.id)))


@dataclass
class ConsolidationPlan:
    date_fixes: list[DateFix] = field(default_factory=list)
    supersessions: list[Supersession] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    clusters: list[list[MemoryRecord]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)  # likeliest duplicates first


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        if parent != x:
            root = self.find(parent)
            self.parent[x] = root
            return root
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _bucket_pairs(members: list[Features]) -> Iterable[tuple[Features, Features]]:
    """All pairs of a small bucket; neighbours in time order for a huge one."""
    if len(members) <= MAX_BUCKET:
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                yield members[i], members[j]
        return
    ordered = sorted(members, key=lambda f: (f.record.created, f.id))
    window = 8
    for i in range(len(ordered)):
        for j in range(i + 1, min(len(ordered), i + 1 + window)):
            yield ordered[i], ordered[j]


def near_duplicate_pairs(
    feats: list[Features], threshold: float = NEAR_DUPLICATE
) -> Iterable[tuple[Features, Features, float]]:
    """Pairs with word-set Jaccard >= threshold, by prefix filtering (no all-pairs scan)."""
    freq: dict[str, int] = defaultdict(int)
    for f in feats:
        for w in f.words:
            freq[w] += 1
    index: dict[str, list[int]] = defaultdict(list)
    ordered = sorted(range(len(feats)), key=lambda i: len(feats[i].words))
    for pos in ordered:
        f = feats[pos]
        if not f.words:
            continue
        words = sorted(f.words, key=lambda w: (freq[w], w))
        size = len(words)
        prefix = size - math.ceil(threshold * size) + 1
        seen: set[int] = set()
        for w in words[:prefix]:
            for other in index[w]:
                if other in seen:
                    continue
                seen.add(other)
                g = feats[other]
                # Length filter: |g| >= t*|f| is required for Jaccard >= t (g is not longer).
                if len(g.words) < threshold * size:
                    continue
                sim = jaccard(f.words, g.words)
                if sim >= threshold:
                    yield g, f, sim
            index[w].append(pos)


def plan_consolidation(
    records: list[MemoryRecord],
    protected: frozenset[str] = frozenset(),
    now: float | None = None,
    rarity_threshold: float = RARITY_DUPLICATE,
) -> ConsolidationPlan:
    """Decide what to merge and supersede among active records. `protected` ids (restored
    by a person) are never merged or superseded away. `rarity_threshold` is the
    rarity-weighted overlap at which records over the same anchors that name the same
    things are merged although their wording differs (above 1.0: never)."""
    plan = ConsolidationPlan()
    current: dict[str, MemoryRecord] = {}
    for record in records:
        fix = absolutise_dates(record)
        if fix is not None:
            plan.date_fixes.append(fix)
            record = record.with_(text=fix.text)
        current[record.id] = record
    feats = {r.id: features(r) for r in current.values()}

    # Contradictions: same subject over the same files; newest statement wins.
    losers: set[str] = set()
    subjects: dict[tuple[object, ...], list[Features]] = defaultdict(list)
    for f in feats.values():
        if f.subject is not None:
            subjects[(f.subject, f.anchor_paths, f.record.scope)].append(f)
    for members in subjects.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda f: (f.record.created, f.record.seq), reverse=True)
        for i, winner in enumerate(members):
            if winner.id in losers:
                continue
            for older in members[i + 1 :]:
                if older.id in losers or older.id in protected:
                    continue
                why = conflicts(winner, older)
                if why:
                    losers.add(older.id)
                    plan.supersessions.append(
                        Supersession(winner.record, older.record, f"contradicted: {why}")
                    )
    live = [f for f in feats.values() if f.id not in losers]

    # Which words name things: rare over the store, or written like names.
    weight = rarity_weights(live)
    limit = rare_limit(len(live))
    floor = math.log(1.0 + len(live) / limit)
    rare = frozenset(w for w, v in weight.items() if v >= floor)

    def named(f: Features) -> frozenset[str]:
        return (f.words & rare) | f.named

    # Duplicates: near-identical text anywhere, or close text over the same anchors. A
    # group only grows when no member of one side is evidently distinct from the other's.
    uf = _UnionFind()
    reasons: dict[str, str] = {}
    component: dict[str, list[Features]] = {}

    def join(a: Features, b: Features, reason: str) -> None:
        ra, rb = uf.find(a.id), uf.find(b.id)
        if ra == rb:
            return
        left, right = component.get(ra, [a]), component.get(rb, [b])
        if any(distinct(x, y, rare) for x in left for y in right):
            return
        uf.union(ra, rb)
        root = uf.find(ra)
        component[root] = left + right
        component.pop(ra if root == rb else rb, None)
        reasons.setdefault(root, reason)

    for a, b, _sim in near_duplicate_pairs(live):
        if a.record.type != b.record.type or a.record.scope != b.record.scope:
            continue
        if a.id in protected or b.id in protected or distinct(a, b, rare):
            continue
        join(a, b, "near-identical text")
    by_anchor: dict[frozenset[tuple[str, str]], list[Features]] = defaultdict(list)
    for f in live:
        if f.anchor_key:
            by_anchor[f.anchor_key].append(f)
    leftovers: list[list[Features]] = []
    for members in by_anchor.values():
        if len(members) < 2:
            continue
        for a, b in _bucket_pairs(members):
            if a.record.type != b.record.type or a.id in protected or b.id in protected:
                continue
            if distinct(a, b, rare):
                continue
            if jaccard(a.words, b.words) >= SAME_ANCHOR_DUPLICATE:
                join(a, b, "same anchors, close text")
                continue
            # Reworded: the same named things over the same code, the rest in other words.
            names = named(a)
            if (
                names
                and names == named(b)
                and weighted_overlap(a.words, b.words, weight) >= rarity_threshold
            ):
                join(a, b, "same anchors, same named things")
        leftovers.append(members)

    def likeness(cluster: list[MemoryRecord]) -> float:
        """How likely the cluster holds a reworded duplicate: the best rarity-weighted
        overlap among its pairs of one type that are not evidently distinct."""
        best = 0.0
        fs = [feats[r.id] for r in cluster]
        for i, a in enumerate(fs[:MAX_BUCKET]):
            for b in fs[i + 1 : MAX_BUCKET]:
                if a.record.type != b.record.type:
                    continue
                score = weighted_overlap(a.words, b.words, weight)
                if score > best and not distinct(a, b, rare):
                    best = score
        return best

    groups: dict[str, list[MemoryRecord]] = defaultdict(list)
    for f in live:
        if f.id in uf.parent:
            groups[uf.find(f.id)].append(f.record)
    merged_into: dict[str, str] = {}
    for root, group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (r.created, r.id))
        plan.merges.append(Merge(group, reasons.get(root, "duplicate")))
        for r in group:
            merged_into[r.id] = root

    # What is left over the same anchors, neither duplicate nor contradiction: for the model.
    for members in leftovers:
        heads: dict[str, MemoryRecord] = {}
        for f in members:
            if f.id in protected:
                continue
            heads.setdefault(merged_into.get(f.id, f.id), f.record)
        if len(heads) >= 2:
            plan.clusters.append(sorted(heads.values(), key=lambda r: (r.created, r.id)))
    # Pairs for a model's yes/no: same anchors, same type and scope, not merged by rules,
    # not evidently distinct, the same identifiers, and enough rare words in common.
    for members in leftovers:
        free = [f for f in members if f.id not in protected and f.id not in merged_into]
        for a, b in _bucket_pairs(free):
            if a.record.type != b.record.type or a.record.scope != b.record.scope:
                continue
            if a.named != b.named or distinct(a, b, rare):
                continue
            score = weighted_overlap(a.words, b.words, weight)
            if score >= CANDIDATE_OVERLAP:
                plan.candidates.append(Candidate(a.record, b.record, score))
    plan.candidates.sort(key=lambda c: (-c.score, c.key))
    # The model sees a limited number of clusters per dream: likely duplicates first.
    ranked = [(likeness(c), c) for c in plan.clusters]
    ranked.sort(key=lambda sc: (-sc[0], -len(sc[1]), sc[1][0].id))
    plan.clusters = [c for _score, c in ranked]
    return plan


# -- relative dates ------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "a few": 3,
}
_COUNT = r"(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|an?|a couple of|a few)"
_RELATIVE_RE = re.compile(
    r"\b(?:"
    r"(?P<yesterday>yesterday)"
    r"|(?P<today>today|this morning|this afternoon|this evening|tonight)"
    r"|(?P<tomorrow>tomorrow)"
    r"|(?P<lastweek>last week)"
    r"|(?P<thisweek>this week)"
    r"|(?P<lastmonth>last month)"
    r"|(?:last|on) (?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|" + _COUNT + r" (?P<unit>days?|weeks?) ago"
    r")\b",
    re.IGNORECASE,
)


def _count(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text, 1)


def absolutise_dates(record: MemoryRecord) -> DateFix | None:
    """Rewrite 'yesterday', 'last week', '3 days ago' into dates, relative to when the
    memory was written (its `created` time, in local time)."""
    if not record.created or not _RELATIVE_RE.search(record.text):
        return None
    base = datetime.fromtimestamp(record.created)
    phrases: list[str] = []

    def day(d: datetime) -> str:
        return d.strftime("%Y-%m-%d")

    def replace(m: re.Match[str]) -> str:
        phrase = m.group(0)
        if m.group("yesterday"):
            out = f"on {day(base - timedelta(days=1))}"
        elif m.group("today"):
            out = f"on {day(base)}"
        elif m.group("tomorrow"):
            out = f"on {day(base + timedelta(days=1))}"
        elif m.group("lastweek"):
            monday = base - timedelta(days=base.weekday() + 7)
            out = f"in the week of {day(monday)}"
        elif m.group("thisweek"):
            out = f"in the week of {day(base - timedelta(days=base.weekday()))}"
        elif m.group("lastmonth"):
            first = base.replace(day=1) - timedelta(days=1)
            out = f"in {first.strftime('%Y-%m')}"
        elif m.group("weekday"):
            target = _WEEKDAYS.index(m.group("weekday").lower())
            back = (base.weekday() - target) % 7 or 7
            out = f"on {day(base - timedelta(days=back))}"
        else:
            n = _count(m.group("n"))
            days = n * (7 if m.group("unit").lower().startswith("week") else 1)
            when = day(base - timedelta(days=days))
            out = f"on {when}" if days < 7 else f"around {when}"
        phrases.append(phrase)
        if phrase[:1].isupper() and _sentence_start(m.string, m.start()):
            out = out[:1].upper() + out[1:]
        return out

    text = _RELATIVE_RE.sub(replace, record.text)
    # "on on 2025-01-02" when the original said "on Monday" is handled by the pattern;
    # collapse "since on"/"from on" style doubles from prepositions before the phrase.
    text = re.sub(r"\b(since|from|until|by|before|after) (?:on|in) (?=\d{4}-)", r"\1 ", text)
    if text == record.text:
        return None
    return DateFix(record, text, phrases)


def _sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?:\n"
