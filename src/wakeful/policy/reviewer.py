"""The optional model reviewer for auto mode.

It sees only what the user asked for and the pending tool call: never the assistant's prose
or tool outputs, which an attacker can write to (prompt injection through a file or a web
page). It fails closed: a timeout, a provider error or an answer that is not the expected
JSON is a denial.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment
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
        action = {
            "tool": risk.tool,
            "kind": risk.kind,
            "command": risk.command,
            "paths": list(risk.paths),
            "network": risk.network,
            "risk_tier": tier,
            "classifier_reasons": reasons,
        }
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
            if getattr(event, "type", "") == "text_delta":
                parts.append(event.text)  # type: ignore[union-attr]
        return "".join(parts)


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
