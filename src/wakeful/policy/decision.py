"""The decision: classifier first, user rules second, the mode table third, the optional
reviewer last; every decision is appended to the audit log.

Mode x tier (`MODE_TABLE`):

| mode    | read_only | workspace | network | high   | critical |
|---------|-----------|-----------|---------|--------|----------|
| plan    | allow     | deny      | deny    | deny   | deny     |
| default | allow     | ask       | ask     | ask    | ask      |
| auto    | allow     | allow     | review  | review | deny     |
| bypass  | allow     | allow     | allow   | allow  | deny*    |

`review` goes to the reviewer when one is configured, else asks. `deny*` is the hardline
floor, lifted only by `permissions.lift_hardline = true`. A command that does not parse is
never allowed automatically (at least `ask`). Non-interactive runs turn `ask` into `deny`
with a message saying how to allow the call.
"""

from __future__ import annotations

import os.path
import re
from dataclasses import dataclass, field
from pathlib import Path

from wakeful.core import tool_names as tn
from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.core.settings import PERMISSION_MODES
from wakeful.policy.audit import AuditEntry, AuditLog
from wakeful.policy.claude_rules import load_claude_rules
from wakeful.policy.recoverability import ReasonOf, judge_recoverability
from wakeful.policy.reviewer import Reviewer
from wakeful.policy.rules import Rule, RuleSet
from wakeful.policy.shell import Classification, ShellClassifier
from wakeful.policy.tool_risk import classify_risk, resolve_tool_path
from wakeful.policy.types import Decision, ModeVerdict, RiskInput, Tier, Verdict
from wakeful.providers.base import Provider

MODE_TABLE: dict[str, dict[Tier, ModeVerdict]] = {
    "plan": {
        Tier.READ_ONLY: "allow",
        Tier.WORKSPACE: "deny",
        Tier.NETWORK: "deny",
        Tier.HIGH: "deny",
        Tier.CRITICAL: "deny",
    },
    "default": {
        Tier.READ_ONLY: "allow",
        Tier.WORKSPACE: "ask",
        Tier.NETWORK: "ask",
        Tier.HIGH: "ask",
        Tier.CRITICAL: "ask",
    },
    "auto": {
        Tier.READ_ONLY: "allow",
        Tier.WORKSPACE: "allow",
        Tier.NETWORK: "review",
        Tier.HIGH: "review",
        Tier.CRITICAL: "deny",
    },
    "bypass": {
        Tier.READ_ONLY: "allow",
        Tier.WORKSPACE: "allow",
        Tier.NETWORK: "allow",
        Tier.HIGH: "allow",
        Tier.CRITICAL: "deny",
    },
}
REVIEWER_DENIAL_LIMIT = 3


@dataclass
class DecisionContext:
    """What the decision may know about the session: its id and the user's own messages
    (never the assistant's prose or tool outputs)."""

    session_id: str
    user_messages: list[str] = field(default_factory=list)


def mode_verdict(mode: str, tier: Tier, lift_hardline: bool = False) -> ModeVerdict:
    verdict = MODE_TABLE[mode][tier]
    if tier == "critical" and mode == "bypass" and lift_hardline:
        return "allow"
    return verdict


def command_forms(classification: Classification) -> tuple[list[str], list[tuple[str, ...]]]:
    """What user rules see of a shell command: every command it would run in every form
    (wrappers, `sh -c`, `eval`, `xargs`, `find -exec` and git's global options removed by the
    classifier, which is the one place that knows them), and the commands that run nothing
    else (each must be covered for an allow rule to approve)."""
    return list(classification.commands), list(classification.leaves)


# Programs whose second word names a subcommand, so that `Bash(git push:*)` is a scope a
# person would grant; for anything else the second word is an argument (`cp a.txt b.txt`).
_SUBCOMMAND_PROGRAMS = frozenset(
    {
        "git", "npm", "pnpm", "yarn", "bun", "cargo", "go", "pip", "pip3", "uv", "poetry",
        "docker", "podman", "kubectl", "helm", "make", "gh", "terraform", "systemctl", "brew",
        "apt", "apt-get", "dotnet", "mvn", "gradle", "rustup", "conda", "hatch", "tox", "nox",
    }
)  # fmt: skip


def _command_rule(text: str) -> str | None:
    words = text.split()
    if not words or ")" in text:
        return None  # a rule cannot hold a closing parenthesis
    if len(words) > 2 and words[0] in _SUBCOMMAND_PROGRAMS and _SUBCOMMAND.match(words[1]):
        return f"Bash({words[0]} {words[1]}:*)"
    return f"Bash({text})"


_SUBCOMMAND = re.compile(r"^[a-z][a-z0-9_-]*$")


class Policy:
    def __init__(
        self,
        paths: Paths,
        mode: str,
        interactive: bool,
        rules: RuleSet,
        reviewer: Reviewer | None = None,
        home: Path | None = None,
        audit: AuditLog | None = None,
        allowed_tools: frozenset[str] | None = None,
        sandboxed: bool = False,
        recoverable: ReasonOf | None = None,
    ) -> None:
        if mode not in MODE_TABLE:
            raise ConfigError(
                f"unknown permission mode {mode!r}; use one of: {', '.join(PERMISSION_MODES)}"
            )
        self.paths = paths
        self.mode = mode
        self.interactive = interactive
        self.rules = rules
        self.reviewer = reviewer
        self.home = home if home is not None else Path.home()
        self.audit = audit if audit is not None else AuditLog(paths.audit_db)
        self.allowed_tools = allowed_tools
        # Whether shell commands of this session run inside the sandbox: auto mode approves
        # running workspace code (which the agent may have written) only there.
        self.sandboxed = sandboxed
        # Why a workspace path could not be restored by a checkpoint (policy.recoverability).
        self.recoverable = recoverable
        # The shell classifier of (workspace, home), made on first use (see `_shell`).
        self._shell_for: tuple[Path, Path, ShellClassifier] | None = None
        self._reviewer_denials: dict[str, int] = {}
        self.notices: list[str] = []  # one line each about rules that were not applied

    @classmethod
    def from_config(
        cls,
        paths: Paths,
        config: Config,
        mode: str,
        interactive: bool,
        reviewer: Provider | None = None,
        home: Path | None = None,
    ) -> Policy:
        """Load and validate rules from the user and project config (raises ConfigError)."""
        settings = config.settings
        perms = settings.permissions
        # An untrusted project's file contributes only deny and ask rules (config.trusted);
        # the merged config already dropped its allow rules and lift_hardline.
        rules = RuleSet.load(
            [paths.user_config_file],
            extra={"allow": list(perms.allow), "ask": list(perms.ask), "deny": list(perms.deny)},
            lift_hardline=perms.lift_hardline,
            project=paths.project_config,
            project_trusted=config.trusted,
        )
        timeout = settings.reviewer.timeout
        home_dir = home if home is not None else Path(config.env.get("HOME") or Path.home())
        # Claude Code's permission rules (.claude/settings*.json), under the same trust rules.
        claude = load_claude_rules(paths.workspace, home_dir, config.trusted)
        rules.rules += claude.rules
        from wakeful.checkpoints import CheckpointStore
        from wakeful.checkpoints.recoverable import Recoverability
        from wakeful.policy.audit_pg import open_audit_log

        store = CheckpointStore.for_workspace(paths.workspace, config)
        policy = cls(
            paths,
            mode,
            interactive,
            rules,
            Reviewer(reviewer, timeout) if reviewer is not None else None,
            home_dir,
            open_audit_log(paths, config),
            recoverable=Recoverability(store).reason,
        )
        policy.notices = claude.notices
        return policy

    def for_workspace(self, paths: Paths) -> Policy:
        """This policy (rules, mode, reviewer, audit) judging another workspace: a
        sub-agent's worktree, where the parent's files are outside the workspace."""
        import copy

        from wakeful.checkpoints import CheckpointStore
        from wakeful.checkpoints.recoverable import Recoverability

        new = copy.copy(self)
        new.paths = paths
        owner = getattr(self.recoverable, "__self__", None)
        if isinstance(owner, Recoverability):
            store = CheckpointStore(paths.workspace, paths.checkpoints, owner.store.settings)
            new.recoverable = Recoverability(store).reason
        return new

    @classmethod
    def restricted(
        cls,
        paths: Paths,
        allowed_tools: set[str] | frozenset[str],
        home: Path | None = None,
        audit: AuditLog | None = None,
    ) -> Policy:
        """A non-interactive policy that allows only `allowed_tools`, and of those only
        memory tools and calls that classify read_only (used by dreaming)."""
        return cls(paths, "plan", False, RuleSet([]), None, home, audit, frozenset(allowed_tools))

    # ---- classification and rules -------------------------------------------------------
    def _shell(self) -> ShellClassifier:
        """One shell classifier per workspace and home: `for_workspace` copies and `paths`
        may be replaced, so it is looked up by both."""
        made = self._shell_for
        if made is None or made[0] != self.paths.workspace or made[1] != self.home:
            made = (
                self.paths.workspace,
                self.home,
                ShellClassifier(self.paths.workspace, self.home),
            )
            self._shell_for = made
        return made[2]

    def classify(self, risk: RiskInput) -> Classification:
        shell = self._shell() if risk.kind == "shell" else None
        result = classify_risk(risk, self.paths.workspace, self.home, shell)
        if self.recoverable is not None:
            result = judge_recoverability(
                risk, result, self.recoverable, self.paths.workspace, self.home
            )
        return result

    def match_rule(
        self, risk: RiskInput, classification: Classification | None = None
    ) -> tuple[str, Rule] | None:
        """The rule that decides this call, if any: deny first, then ask, then allow."""
        ws = str(self.paths.workspace)
        home = str(self.home)
        if risk.kind == "shell":
            cls_ = classification if classification is not None else self.classify(risk)
            texts, leaves = command_forms(cls_)
            for kind in ("deny", "ask"):
                for rule in self.rules.for_tool(risk.tool, kind):
                    if rule.spec is None or any(rule.matches_command(t) for t in texts):
                        return kind, rule
                # A Read or Edit rule naming paths holds for the files a command reads and
                # writes too: `deny = ["Read(secrets/**)"]` also stops `cat secrets/key`.
                if not cls_.touched:
                    continue
                path_rules = {
                    written: [
                        r
                        for r in self.rules.for_tool(tn.EDIT if written else tn.READ, kind)
                        if r.spec is not None
                    ]
                    for written in (False, True)
                }
                if not (path_rules[False] or path_rules[True]):
                    continue
                bases = (ws, os.path.realpath(ws))  # the classifier's paths are resolved
                for written, path in cls_.touched:
                    for rule in path_rules[written]:
                        if any(rule.matches_path(path, base, home) for base in bases):
                            return kind, rule
            allow = self.rules.for_tool(risk.tool, "allow")
            if not allow or not leaves:
                return None
            chosen: Rule | None = None
            for forms in leaves:
                hit = next((r for r in allow for f in forms if r.matches_command(f)), None)
                if hit is None:
                    return None
                chosen = chosen or hit
            return ("allow", chosen) if chosen else None
        targets = [resolve_tool_path(p, ws, home) for p in risk.paths]
        for kind in ("deny", "ask", "allow"):
            for rule in self.rules.for_tool(risk.tool, kind):
                if rule.spec is None:
                    return kind, rule
                if not targets:
                    continue
                hits = [rule.matches_path(t, ws, home) for t in targets]
                if (kind == "allow" and all(hits)) or (kind != "allow" and any(hits)):
                    return kind, rule
        return None

    # ---- the decision -------------------------------------------------------------------
    async def decide(self, risk: RiskInput, ctx: DecisionContext) -> Decision:
        cls_ = self.classify(risk)
        tier = cls_.tier
        reasons = list(cls_.reasons)
        matched: str | None = None
        decided_by = "policy"
        verdict: ModeVerdict

        if self.allowed_tools is not None:
            verdict, why = self._restricted_verdict(risk, tier)
            reasons.insert(0, why)
            decided_by = "restricted"
            return self._finish(risk, ctx, Decision(tier, verdict, reasons, None), decided_by)

        hit = self.match_rule(risk, cls_)
        if hit is not None:
            kind, rule = hit
            label = f"{rule.kind}: {rule.text} ({rule.source})"
            if kind == "deny":
                return self._finish(
                    risk,
                    ctx,
                    Decision(
                        tier,
                        "deny",
                        [f"denied by rule {rule.text} from {rule.source}", *reasons],
                        label,
                    ),
                    "rule",
                )
            if kind == "ask" and (
                mode_verdict(self.mode, tier, self.rules.lift_hardline) == "deny"
            ):
                # An ask rule only tightens: what the mode or the hardline refuses stays
                # refused (an untrusted project's ask rules are kept as tightening).
                matched = label
                verdict = "deny"
                reasons.insert(
                    0,
                    f"rule {rule.text} from {rule.source} asks, but {self.mode} mode refuses "
                    f"{tier} actions",
                )
                decided_by = "hardline" if tier == "critical" else "policy"
            elif kind == "ask":
                matched = label
                verdict = "ask"
                reasons.insert(0, f"rule {rule.text} from {rule.source} asks for approval")
                decided_by = "rule"
            elif tier == "critical" and not self.rules.lift_hardline:
                reasons.insert(
                    0,
                    f"allow rule {rule.text} does not lift the hardline floor for critical actions",
                )
                verdict = "deny" if self.mode in ("auto", "bypass", "plan") else "ask"
                decided_by = "hardline"
            elif not cls_.parsed:
                verdict = "ask"
                reasons.insert(0, "the command could not be parsed, so no rule can approve it")
            else:
                matched = label
                verdict = "allow"
                reasons.insert(0, f"allowed by rule {rule.text} from {rule.source}")
                decided_by = "rule"
        else:
            verdict = mode_verdict(self.mode, tier, self.rules.lift_hardline)
            if tier == "critical" and verdict == "deny" and self.mode in ("auto", "bypass"):
                decided_by = "hardline"
                reasons.insert(
                    0,
                    f"critical actions are never allowed in {self.mode} mode "
                    "(set permissions.lift_hardline = true to lift the floor)"
                    if self.mode == "bypass"
                    else "critical actions are never allowed in auto mode",
                )
            elif verdict == "deny" and self.mode == "plan":
                reasons.insert(0, "plan mode allows read-only actions only")
            if (
                verdict == "allow"
                and self.mode == "auto"
                and cls_.runs_workspace_code
                and not self.sandboxed
            ):
                verdict = "review"
                reasons.insert(
                    0,
                    "runs code from the workspace (which the agent may have written) outside "
                    "the sandbox, so auto mode does not approve it by itself; turn the sandbox "
                    "on (install bubblewrap) to let auto mode run it",
                )
            if not cls_.parsed and verdict == "allow":
                verdict = "ask"
                reasons.insert(
                    0, "the command could not be parsed, so it is never allowed automatically"
                )
        if verdict == "review":
            verdict, decided_by = await self._review(risk, tier, reasons, ctx)
        allow_with: list[str] = []
        if verdict == "ask" and not self.interactive:
            verdict = "deny"
            allow_with = self.suggest_rules(risk) if tier != "critical" else []
            reasons.insert(0, self._headless_message(risk, tier, allow_with))
        decision = Decision(tier, verdict, reasons, matched, allow_with)
        return self._finish(risk, ctx, decision, decided_by)

    def _restricted_verdict(self, risk: RiskInput, tier: Tier) -> tuple[Verdict, str]:
        assert self.allowed_tools is not None
        if risk.tool not in self.allowed_tools:
            return "deny", (
                f"{risk.tool} is not allowed here (only {', '.join(sorted(self.allowed_tools))})"
            )
        if risk.kind == "memory" and tier in ("read_only", "workspace"):
            return "allow", f"{risk.tool} is an allowed memory tool"
        if tier == "read_only":
            return "allow", f"{risk.tool} is allowed and read-only"
        return "deny", f"{risk.tool} is allowed only for read-only use, and this call is {tier}"

    async def _review(
        self, risk: RiskInput, tier: Tier, reasons: list[str], ctx: DecisionContext
    ) -> tuple[Verdict, str]:
        if self.reviewer is None:
            reasons.insert(
                0, f"{tier} actions need approval in auto mode (no reviewer is configured)"
            )
            return "ask", "policy"
        denials = self._reviewer_denials.get(ctx.session_id, 0)
        if denials >= REVIEWER_DENIAL_LIMIT:
            reasons.insert(
                0, f"the reviewer denied {denials} actions this session; asking the user instead"
            )
            return "ask", "reviewer-escalated"
        review = await self.reviewer.review(risk, tier, reasons, list(ctx.user_messages))
        reasons.insert(0, f"reviewer {review.verdict}: {review.reason}")
        if review.verdict == "deny":
            self._reviewer_denials[ctx.session_id] = denials + 1
            return "deny", "reviewer"
        return "allow", "reviewer"

    def _headless_message(self, risk: RiskInput, tier: Tier, rules: list[str]) -> str:
        if tier == "critical":
            how = "critical actions need an interactive approval"
        else:
            ways = []
            if rules:
                listed = ", ".join(f'"{r}"' for r in rules)
                ways.append(f"add {listed} to [permissions] allow in .wakeful/config.toml")
            if self.mode == "default" and tier == "workspace":
                ways.append("rerun with --permission-mode auto")
            elif self.mode == "default":
                # auto mode sends network and high actions to the reviewer, or asks
                ways.append("set [reviewer] model and rerun with --permission-mode auto")
            elif self.mode == "auto" and self.reviewer is None:
                ways.append("set [reviewer] model so that auto mode can review it")
            how = ", or ".join(ways) or "run it interactively"
        return (
            f"needs approval ({tier}), and this run is not interactive, so it is denied; "
            f"to allow it, {how}"
        )

    def suggest_rules(self, risk: RiskInput) -> list[str]:
        """The narrowest allow rules that would let this call through (none for critical).

        A shell command gets a prefix rule only for programs whose second word is a
        subcommand (`Bash(git push:*)`); otherwise the exact command (`Bash(cp a.txt b.txt)`),
        never a prefix that ends in an argument. Every simple command of a compound one gets
        a rule. A file tool gets its exact path (`Edit(src/app.py)`).
        """
        workspace, home = str(self.paths.workspace), str(self.home)
        if risk.kind == "shell" and risk.command:
            # A rule approves a compound command only if every simple command matches one.
            _, leaves = command_forms(self.classify(risk))
            rules = [_command_rule(forms[-1]) for forms in leaves]
            if not rules or None in rules:
                return []
            return list(dict.fromkeys(r for r in rules if r))
        if risk.paths:
            group = "Read" if risk.kind == "read" else "Edit"
            out = []
            for raw in risk.paths[:5]:
                full = resolve_tool_path(raw, workspace, home)
                rel = os.path.relpath(full, workspace)
                if rel.startswith(".."):
                    rel = "~" + full[len(home) :] if full.startswith(home + "/") else full
                out.append(f"{group}({rel})")
            return list(dict.fromkeys(out))
        if risk.kind == "mcp":
            return [risk.tool]  # mcp__server__tool rules name the tool exactly
        return [risk.tool.capitalize()]

    def record_answer(
        self, risk: RiskInput, ctx: DecisionContext, asked: Decision, approved: bool
    ) -> None:
        """Audit what the user answered to an "ask", next to the policy's own entry."""
        answer = Decision(
            asked.tier,
            "allow" if approved else "deny",
            [f"the user {'approved' if approved else 'declined'} it", *asked.reasons],
            asked.matched_rule,
        )
        self._finish(risk, ctx, answer, "user")

    def _finish(
        self, risk: RiskInput, ctx: DecisionContext, decision: Decision, decided_by: str
    ) -> Decision:
        self.audit.append(
            AuditEntry(
                tool=risk.tool,
                input={
                    "kind": risk.kind,
                    "command": risk.command,
                    "paths": list(risk.paths),
                    "network": risk.network,
                    "read_only": risk.read_only,
                    "detail": risk.detail,
                },
                tier=decision.tier,
                decision=decision.decision,
                reasons=list(decision.reasons),
                matched_rule=decision.matched_rule,
                mode=self.mode if self.allowed_tools is None else "restricted",
                session_id=ctx.session_id,
                decided_by=decided_by,
                workspace=str(self.paths.workspace),
            )
        )
        return decision
