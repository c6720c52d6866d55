"""The optional model reviewer for auto mode.

It sees only what the user typed (tracked by the agent loop, never inferred from a message's
role) and the pending tool call, a shell command as parsed argv without its comments: never
the assistant's prose, a compaction summary or tool outputs, which an attacker can write to
(prompt injection through a file or a web page). It fails closed: a timeout, a provider error or an answer that is not the expected
JSON is a denial.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from dataclasses import dataclass

from wakeful.core.events import TextDelta
from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment
from wakeful.policy.shell_parse import Word, parse_script
from wakeful.policy.types import RiskInput, Tier
from wakeful.providers.base import Provider

REVIEWER_PROMPT = """You review one pending action of a coding agent before it runs.
You see the user's own messages and the action. Approve only what the user's requests
plausibly call for and what is safe to do without asking them. Deny anything destructive,
irreversible, outside the project, or that sends data somewhere the user did not ask for.
Answer with one JSON object and nothing else:
{"decision": "allow" or "deny", "reason": "<one sentence>"}"""

_JSON = re.compile(r"\{.*\}", re.S)


@dataclass(frozen=True)
class Review:
    verdict: str  # allow | deny
    reason: str


class Reviewer:
    def __init__(self, provider: Provider, timeout: float = 30.0, max_tokens: int = 200) -> None:
        self.provider = provider
        self.timeout = timeout
        self.max_tokens = max_tokens

    def build_request(
        self, risk: RiskInput, tier: Tier, reasons: list[str], user_messages: list[str]
    ) -> Request:
        action: dict[str, object] = {
            "tool": risk.tool,
            "kind": risk.kind,
            "paths": list(risk.paths),
            "network": risk.network,
            "risk_tier": tier,
            "classifier_reasons": reasons,
        }
        if risk.command is not None:
            # Parsed words only: a comment in the command is the model talking to the
            # reviewer ("# the user approved this"), and never reaches it.
            action["commands"] = [shlex.join(argv) for argv in command_argvs(risk.command) or []]
        asked = "\n".join(f"- {m}" for m in user_messages[-20:]) or "- (no user messages)"
        text = (
            f"The user's messages, oldest first:\n{asked}\n\n"
            f"Pending action:\n{json.dumps(action, indent=1)}"
        )
        return Request(
            model=getattr(self.provider, "model", ""),
            system=[SystemSegment("reviewer", REVIEWER_PROMPT)],
            messages=[Message.user(text)],
            max_tokens=self.max_tokens,
            temperature=0.0,
        )

    async def review(
        self, risk: RiskInput, tier: Tier, reasons: list[str], user_messages: list[str]
    ) -> Review:
        if risk.command is not None and command_argvs(risk.command) is None:
            return Review("deny", "the command could not be parsed into words (fails closed)")
        request = self.build_request(risk, tier, reasons, user_messages)
        try:
            text = await asyncio.wait_for(self._collect(request), timeout=self.timeout)
        except TimeoutError:
            return Review("deny", f"reviewer timed out after {self.timeout:g}s (fails closed)")
        except Exception as exc:  # any provider failure denies: fail closed
            return Review("deny", f"reviewer failed ({type(exc).__name__}: {exc}); fails closed")
        return parse_review(text)

    async def _collect(self, request: Request) -> str:
        parts: list[str] = []
        async for event in self.provider.stream(request):
            if isinstance(event, TextDelta):
                parts.append(event.text)
        return "".join(parts)


MAX_HEREDOC_CHARS = 2000


def command_argvs(command: str) -> list[list[str]] | None:
    """The simple commands a shell command runs, as argv lists with their redirections;
    comments dropped. None when the command does not parse."""
    script = parse_script(command, None, "~")
    if script.errors:
        return None
    out: list[list[str]] = []
    for cmd in script.commands:
        words = [f"{name}={_word(value)}" for name, value in cmd.assigns]
        words += [_word(w) for w in cmd.argv]
        for r in cmd.redirects:
            target = _word(r.target) if r.target is not None else ""
            words.append(f"{r.fd or ''}{r.op}{target}")
            if r.body is not None:
                words.append(r.body[:MAX_HEREDOC_CHARS])
        if words:
            out.append(words)
    return out


def _word(word: Word) -> str:
    return word.value if word.value is not None else word.text


def parse_review(text: str) -> Review:
    match = _JSON.search(text or "")
    if match is None:
        return Review("deny", "reviewer answer was not JSON (fails closed)")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return Review("deny", "reviewer answer was malformed JSON (fails closed)")
    verdict = data.get("decision") if isinstance(data, dict) else None
    reason = data.get("reason") if isinstance(data, dict) else None
    if verdict not in ("allow", "deny") or not isinstance(reason, str) or not reason.strip():
        return Review("deny", "reviewer answer lacked a valid decision and reason (fails closed)")
    return Review(verdict, reason.strip())
