"""Tier of any tool call, from the RiskInput the tool declared.

Shell commands go to the shell classifier; file tools are judged by where their paths lie
(workspace, outside, secrets); memory and delegation tools have fixed tiers. A tool's own
`read_only` claim can never make a call look safer than its paths say.
"""

from __future__ import annotations

import dataclasses
import os.path
from pathlib import Path

from wakeful.policy import git_state, path_risk
from wakeful.policy.shell import Classification, ShellClassifier
from wakeful.policy.types import RiskInput, Tier


def resolve_tool_path(path: str, workspace: str, home: str) -> str:
    expanded = home + path[1:] if path == "~" or path.startswith("~/") else path
    if not os.path.isabs(expanded):
        expanded = os.path.join(workspace, expanded)
    return os.path.normpath(os.path.realpath(expanded))


def classify_risk(
    risk: RiskInput,
    workspace: Path,
    home: Path | None = None,
    shell: ShellClassifier | None = None,
) -> Classification:
    """The tier of one tool call in `workspace`. `shell`: the session's classifier for that
    workspace and home, which judges shell commands without resolving them again."""
    if risk.kind == "shell":
        judge = shell if shell is not None else ShellClassifier(workspace, home)
        result = judge.classify(risk.command or "")
        if risk.network and path_risk.tier_rank(result.tier) < path_risk.tier_rank(Tier.NETWORK):
            return dataclasses.replace(
                result,
                tier=Tier.NETWORK,
                reasons=("network: the tool declares network access", *result.reasons),
            )
        return result
    ws = os.path.normpath(os.path.realpath(str(workspace)))
    home_dir = os.path.normpath(str(home if home is not None else Path.home()))
    findings: list[tuple[Tier, str]] = []
    if risk.kind in ("read", "write"):
        if not risk.paths:
            findings.append(
                (
                    Tier.READ_ONLY if risk.kind == "read" else Tier.WORKSPACE,
                    f"{risk.tool} names no path",
                )
            )
        for raw in risk.paths:
            place = path_risk.place_of(resolve_tool_path(raw, ws, home_dir), ws, home_dir)
            if risk.kind == "write" and place.zone == "workspace":
                # a hooks directory or program the repository's config names
                place = git_state.repo_place(place, git_state.watch(ws, home_dir).facts())
            tier, msg = (
                path_risk.read_tier(place) if risk.kind == "read" else path_risk.write_tier(place)
            )
            findings.append((tier, f"{risk.tool} {msg}"))
            if risk.kind == "read" and place.zone in ("git_internal", "git_store"):
                facts = git_state.watch(ws, home_dir).facts()
                if facts.credentials and place.path in facts.config_files:
                    held = facts.credentials[0]
                    findings.append(
                        (
                            Tier.CRITICAL,
                            f"{risk.tool} reads {place.label}, which holds {held.what} "
                            f"({held.key})",
                        )
                    )
            if (
                risk.kind == "read"
                and risk.detail == "recursive"
                and place.path is not None
                and path_risk.holds_home(place.path, home_dir)
            ):
                findings.append(
                    (
                        Tier.HIGH,
                        f"{risk.tool} searches {place.label} recursively, which holds the home "
                        "directory and its credentials",
                    )
                )
    elif risk.kind == "memory":
        findings.append(
            (Tier.READ_ONLY, f"{risk.tool} reads memory")
            if risk.read_only
            else (Tier.WORKSPACE, f"{risk.tool} changes project memory")
        )
    elif risk.kind == "mcp":
        findings.append(
            (risk.declared_tier or Tier.HIGH, f"{risk.tool} {risk.detail or 'is an MCP tool'}")
        )
    elif risk.kind == "delegate":
        findings.append(
            (Tier.WORKSPACE, f"{risk.tool} starts a sub-agent whose calls are checked on their own")
        )
    else:
        findings.append(
            (Tier.READ_ONLY, f"{risk.tool} only changes session state")
            if risk.read_only
            else (Tier.WORKSPACE, f"{risk.tool} changes local state")
        )
        for raw in risk.paths:
            place = path_risk.place_of(resolve_tool_path(raw, ws, home_dir), ws, home_dir)
            if place.zone == "workspace":
                place = git_state.repo_place(place, git_state.watch(ws, home_dir).facts())
            findings.append(path_risk.write_tier(place))
    if risk.network:
        findings.append((Tier.NETWORK, f"{risk.tool} uses the network"))
    highest = Tier.READ_ONLY
    for t, _ in findings:
        highest = path_risk.tier_max(highest, t)
    ordered = sorted(findings, key=lambda f: -path_risk.tier_rank(f[0]))
    return Classification(highest, tuple(f"{t}: {m}" for t, m in ordered))
