"""The environment given to every process wakeful starts on the agent's behalf.

Tool processes (bash, grep's ripgrep, hooks, MCP servers, wakeful's own git) must not inherit
the user's provider keys or other secrets: a model that runs `env` would otherwise copy them
into the transcript, and a script in the workspace could send them anywhere. The rule is by
name, so a secret under a name we have never heard of is still dropped when it looks like one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Names that hold credentials whatever their shape.
_SECRET_NAMES = frozenset(
    {
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "OPENAI_API_KEY",
        "OPENAI_ORG_ID",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "SSH_AUTH_SOCK",
        "SSH_AGENT_PID",
        "GPG_AGENT_INFO",
        "DOCKER_HOST",
        "DOCKER_AUTH_CONFIG",
        "KUBECONFIG",
        "NETRC",
        "PGPASSWORD",
        "MYSQL_PWD",
        "DATABASE_URL",
        "REDIS_URL",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "SUDO_ASKPASS",
        "VAULT_TOKEN",
        "WAKEFUL_REQUEST_LOG",
    }
)

# Any name with one of these words as a `_`-separated part (or API_KEY anywhere) is a secret:
# GITHUB_TOKEN, NPM_TOKEN, STRIPE_SECRET_KEY, DB_PASSWORD, MY_APIKEY, HF_TOKEN, ...
_SECRET_PARTS = re.compile(
    r"(^|_)(TOKEN|TOKENS|SECRET|SECRETS|KEY|KEYS|PASSWORD|PASSWD|PASS|PWD_HASH|APIKEY|"
    r"CREDENTIAL|CREDENTIALS|CREDS|PRIVATE|AUTH|COOKIE|SESSION)(_|$)",
    re.IGNORECASE,
)
_API_KEY = re.compile(r"API_?KEY", re.IGNORECASE)

# Harmless names the part rule would otherwise catch.
_KEEP = frozenset({"PWD", "OLDPWD", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS"})


def is_secret_name(name: str) -> bool:
    """Whether an environment variable of this name must not reach a tool process."""
    if name in _KEEP:
        return False
    upper = name.upper()
    return (
        upper in _SECRET_NAMES or bool(_SECRET_PARTS.search(upper)) or bool(_API_KEY.search(upper))
    )


def scrubbed_env(env: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of `env` without provider keys, tokens, secrets, passwords or agent sockets,
    then `extra` laid over it (extra is trusted: the caller chose those values)."""
    out = {k: v for k, v in env.items() if not is_secret_name(k)}
    if extra:
        out.update(extra)
    return out
