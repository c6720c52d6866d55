"""`wakeful classify`, `wakeful rules`, `wakeful audit`: the risk policy from the command line.

`classify` reports the decision of the given mode without a reviewer and as if interactive,
so `network`/`high` commands show `ask` in auto mode; without --mode it uses the configured
permission mode (`default` unless set).
"""

from __future__ import annotations

import sys
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    app.command("classify", help="Classify a shell command's risk: tier, decision, reasons.")(
        classify_cmd
    )
    app.command("rules", help="List the effective permission rules and where each came from.")(
        rules_cmd
    )
    app.command("audit", help="Show the newest policy decisions from the audit log.")(audit_cmd)


def _show_notices(policy) -> None:  # type: ignore[no-untyped-def]
    """Rules that were read but not applied (Claude Code rules wakeful cannot honour, or an
    untrusted workspace's loosening ones): one line each on stderr."""
    for notice in policy.notices:
        sys.stderr.write(f"wakeful: {notice}\n")


def _decide_offline(policy, command: str, explain: bool = False):  # type: ignore[no-untyped-def]
    """The mode's decision for a command, with rules, but without reviewer or audit."""
    from wakeful.policy.decision import mode_verdict
    from wakeful.policy.types import RiskInput

    risk = RiskInput(tool="bash", kind="shell", command=command)
    cls_ = policy.classify(risk)
    hit = policy.match_rule(risk, cls_)
    rule = None
    reasons = list(cls_.reasons)
    if hit is not None and hit[0] == "deny":
        verdict, rule = "deny", hit[1]
    elif hit is not None and hit[0] == "ask":
        # an ask rule only tightens: what the mode refuses stays refused
        refused = mode_verdict(policy.mode, cls_.tier, policy.rules.lift_hardline) == "deny"
        verdict, rule = ("deny" if refused else "ask"), hit[1]
    elif hit is not None and cls_.tier != "critical" and cls_.parsed:
        verdict, rule = "allow", hit[1]
    else:
        verdict = mode_verdict(policy.mode, cls_.tier, policy.rules.lift_hardline)
        if verdict == "review":
            verdict = "ask"
        if not cls_.parsed and verdict == "allow":
            verdict = "ask"
    if rule is not None:
        reasons.insert(0, f"{rule.kind} rule {rule.text} from {rule.source}")
    result = {
        "command": command,
        "tier": cls_.tier,
        "decision": verdict,
        "reasons": reasons,
        "matched_rule": f"{rule.kind}: {rule.text} ({rule.source})" if rule else None,
    }
    if explain:
        from wakeful.policy.programs import explain as explain_entries

        result["explain"] = {
            "entries": explain_entries(command, cls_.deciders),
            "commands": list(cls_.commands),
            "runs_workspace_code": cls_.runs_workspace_code,
            "code_reasons": list(cls_.code_reasons),
        }
    return result


def classify_cmd(
    command: list[str] = typer.Argument(None, help="The command (put it after --)."),
    mode: str = typer.Option(None, "--mode", help="plan, default, auto or bypass."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    stdin: bool = typer.Option(False, "--stdin", help="Read one command per line; JSON lines."),
    explain: bool = typer.Option(
        False, "--explain", help="Show which program entry and example decided."
    ),
    check_rules: bool = typer.Option(
        False,
        "--check-rules",
        help="Classify every example of every program rule; exit 1 if any does not hold.",
    ),
) -> None:
    import json

    from wakeful.cli.common import load
    from wakeful.core.errors import UsageError
    from wakeful.policy.decision import MODE_TABLE, Policy

    if check_rules:
        _check_rules(as_json)
        return

    paths, config = load()
    chosen = mode or config.permission_mode
    if chosen not in MODE_TABLE:
        raise UsageError(f"unknown mode {chosen!r}; use one of: {', '.join(MODE_TABLE)}")
    policy = Policy.from_config(paths, config, chosen, interactive=True)
    _show_notices(policy)
    if stdin:
        out = sys.stdout
        for line in sys.stdin:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            out.write(json.dumps(_decide_offline(policy, text, explain)) + "\n")
            out.flush()
        return
    if not command:
        raise UsageError(
            "give a command after --, e.g. wakeful classify -- rm -rf build, or use --stdin"
        )
    text = " ".join(command)
    result = _decide_offline(policy, text, explain)
    if as_json:
        typer.echo(json.dumps(result))
        return
    from rich.console import Console

    console = Console()
    colour = {"allow": "green", "ask": "yellow", "deny": "red"}[result["decision"]]
    console.print(
        f"[bold]{result['tier']}[/bold] -> [{colour}]{result['decision']}[/{colour}] "
        f"(mode {chosen})"
    )
    for reason in result["reasons"]:
        console.print(f"  - {reason}", markup=False, highlight=False)
    if explain:
        details = result["explain"]
        console.print("decided by:")
        for line in details["entries"]:
            console.print(f"  {line}", markup=False, highlight=False)
        console.print(
            "runs workspace code: " + ("yes" if details["runs_workspace_code"] else "no"),
            markup=False,
            highlight=False,
        )


def _check_rules(as_json: bool) -> None:
    import json

    from wakeful.policy.rule_check import check_examples

    report = check_examples()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "programs": report.programs,
                    "examples": report.examples,
                    "failures": [
                        {
                            "program": f.program,
                            "command": f.command,
                            "expected": f.expected,
                            "got": f.got,
                            "reason": f.reason,
                        }
                        for f in report.failures
                    ],
                }
            )
        )
    else:
        for f in report.failures:
            typer.echo(f"{f.program}: `{f.command}` should be {f.expected}, is {f.got}: {f.reason}")
        held = report.examples - len(report.failures)
        typer.echo(f"{held} of {report.examples} examples hold, over {report.programs} programs")
    if report.failures:
        raise typer.Exit(1)


def rules_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    import json

    from wakeful.cli.common import load
    from wakeful.policy.decision import Policy

    paths, config = load()
    policy = Policy.from_config(paths, config, "default", interactive=True)
    rows = [{"kind": r.kind, "rule": r.text, "source": r.source} for r in policy.rules.rules]
    order = {"deny": 0, "ask": 1, "allow": 2}
    rows.sort(key=lambda r: order[r["kind"]])
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "rules": rows,
                    "lift_hardline": policy.rules.lift_hardline,
                    "notices": policy.notices,
                }
            )
        )
        return
    _show_notices(policy)
    if not rows:
        typer.echo(
            "no permission rules (add [permissions] allow/ask/deny to "
            ".wakeful/config.toml or ~/.config/wakeful/config.toml)"
        )
    for row in rows:
        typer.echo(f"{row['kind']:<6} {row['rule']:<40} {row['source']}")
    if policy.rules.lift_hardline:
        typer.echo("lift_hardline = true: bypass mode may run critical actions")


def audit_cmd(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    limit: int = typer.Option(
        50, "--limit", "-n", min=1, help="How many of the newest entries (at least 1)."
    ),
    verify: bool = typer.Option(
        False, "--verify", help="Check the log's hash chain (exit 1 if it was tampered with)."
    ),
    team: bool = typer.Option(
        False,
        "--team",
        help='The project\'s log in the team database ([memory] backend = "postgres"): '
        "every person, checkout and fleet worker.",
    ),
) -> None:

    from wakeful.cli.common import load
    from wakeful.policy.audit import AuditLog

    paths, config = load()
    log = AuditLog(paths.audit_db)
    if team:
        from wakeful.core.errors import UsageError
        from wakeful.policy.audit_pg import team_audit_log

        shared = team_audit_log(paths, config)
        if shared is None:
            raise UsageError(
                '--team reads the team database: set [memory] backend = "postgres" and dsn'
            )
        try:
            if verify:
                report = shared.verify()
                if report.ok:
                    typer.echo(f"team audit log intact: {report.rows} entries ({shared.project})")
                    return
                typer.echo(
                    f"team audit log tampered with: entry {report.broken_at} does not follow "
                    f"from the one before it ({shared.project})",
                    err=True,
                )
                raise typer.Exit(1)
            entries = shared.recent(limit)
        finally:
            shared.close()
        _print_audit(entries, as_json)
        return
    if verify:
        report = log.verify()
        if report.ok:
            typer.echo(f"audit log intact: {report.rows} entries in {paths.audit_db}")
            return
        typer.echo(
            f"audit log tampered with: entry {report.broken_at} does not follow from the one "
            f"before it ({paths.audit_db})",
            err=True,
        )
        raise typer.Exit(1)
    entries = log.recent(limit, workspace=str(paths.workspace))
    _print_audit(entries, as_json)


def _print_audit(entries: list[Any], as_json: bool) -> None:
    import json
    import time

    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry.to_dict()))
        return
    if not entries:
        typer.echo("no decisions recorded yet")
        return
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.ts))
        what = e.input.get("command") or ", ".join(e.input.get("paths") or []) or ""
        typer.echo(f"{when} {e.mode:<8} {e.decision:<5} {e.tier:<9} {e.tool:<8} {what}")
        if e.reasons:
            typer.echo(f"    {e.reasons[0]}")
