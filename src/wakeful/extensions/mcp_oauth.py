"""OAuth for HTTP MCP servers, on the SDK's `OAuthClientProvider`.

A server that answers 401 with OAuth metadata is logged in to once, with `wakeful mcp login
NAME`: wakeful registers itself with the server's authorization server (dynamic client
registration), prints the authorization URL (and opens a browser unless told not to), and
takes the answer on a listener at http://127.0.0.1:PORT/callback, or as the redirect URL or
code pasted at the prompt (`--paste`, for a machine without a browser). Tokens and the client
registration are kept per server URL in the user's data folder (`mcp-oauth/`, file mode 0600,
never in the repository); sessions use them and refresh an expired access token with the
refresh token. A session never starts an authorization itself: a server that needs one is a
notice naming the login command, so a headless run or the daemon cannot hang on a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from wakeful.core.errors import WakefulError

CALLBACK_PATH = "/callback"
CLIENT_NAME = "wakeful"


class LoginRequired(WakefulError):
    """The server needs an authorization this process will not start (a session)."""


def token_dir(user_data: Path) -> Path:
    return user_data / "mcp-oauth"


def token_file(user_data: Path, url: str) -> Path:
    """One file per server URL: tokens issued for one server are never sent to another."""
    key = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:24]
    return token_dir(user_data) / f"{key}.json"


@dataclass
class TokenFile:
    """The SDK's TokenStorage, as one JSON file (0600) in a 0700 folder; the access token's
    expiry is kept as a time, so a later session knows when to refresh."""

    path: Path
    url: str

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError):
            return {}  # a damaged file is a fresh login, not a crash
        return data if isinstance(data, dict) and data.get("server_url") == self.url else {}

    def write(self, data: dict[str, Any]) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({**data, "server_url": self.url}, f, indent=2)
        os.replace(tmp, self.path)

    def expires_at(self) -> float | None:
        value = self.read().get("expires_at")
        return float(value) if isinstance(value, int | float) else None

    def logged_in(self) -> bool:
        return bool(self.read().get("tokens"))

    def remove(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    # -- mcp.client.auth.TokenStorage ----------------------------------------------------------
    async def get_tokens(self) -> Any:
        from mcp.shared.auth import OAuthToken

        raw = self.read().get("tokens")
        return OAuthToken.model_validate(raw) if isinstance(raw, dict) else None

    async def set_tokens(self, tokens: Any) -> None:
        data = self.read()
        data["tokens"] = tokens.model_dump(mode="json", exclude_none=True)
        data["expires_at"] = time.time() + tokens.expires_in if tokens.expires_in else None
        self.write(data)

    async def get_client_info(self) -> Any:
        from mcp.shared.auth import OAuthClientInformationFull

        raw = self.read().get("client_info")
        return OAuthClientInformationFull.model_validate(raw) if isinstance(raw, dict) else None

    async def set_client_info(self, client_info: Any) -> None:
        data = self.read()
        data["client_info"] = client_info.model_dump(mode="json", exclude_none=True)
        self.write(data)


def _provider_class() -> Any:
    from mcp.client.auth import OAuthClientProvider

    class Provider(OAuthClientProvider):  # type: ignore[misc]
        """Also restores the stored token's expiry, so an expired access token is refreshed
        before it is sent (the SDK keeps expiry in memory only)."""

        storage_file: TokenFile

        async def _initialize(self) -> None:
            await super()._initialize()
            self.context.token_expiry_time = self.storage_file.expires_at()

    return Provider


def _metadata(redirect_uri: str) -> Any:
    from mcp.shared.auth import OAuthClientMetadata
    from pydantic import AnyUrl

    return OAuthClientMetadata(
        client_name=CLIENT_NAME,
        redirect_uris=[AnyUrl(redirect_uri)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )


def session_auth(name: str, url: str, user_data: Path) -> Any:
    """The httpx auth a session uses for server `name`: stored tokens, refreshed when they
    expire; an authorization it would need instead fails fast with the login command. None
    when nothing is stored (the server's 401 then says a login is needed)."""

    async def refuse(_url: str) -> None:
        raise LoginRequired(
            f"needs an OAuth login; run `wakeful mcp login {name}` (tokens are missing, "
            "expired without a refresh token, or were revoked)"
        )

    async def never() -> tuple[str, str | None]:
        raise LoginRequired(f"needs an OAuth login; run `wakeful mcp login {name}`")

    storage = TokenFile(token_file(user_data, url), url)
    if not storage.logged_in():
        return None
    stored = storage.read().get("client_info") or {}
    redirects = stored.get("redirect_uris") or ["http://127.0.0.1/callback"]
    provider = _provider_class()(
        url, _metadata(str(redirects[0])), storage, redirect_handler=refuse, callback_handler=never
    )
    provider.storage_file = storage
    return provider


# ---- the login flow --------------------------------------------------------------------------


class CallbackListener:
    """A one-shot HTTP listener on 127.0.0.1 for the authorization server's redirect."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.result: asyncio.Future[dict[str, str]] | None = None
        self._server: asyncio.AbstractServer | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    async def start(self) -> None:
        self.result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass
            parts = line.split()
            target = urlparse(parts[1]) if len(parts) >= 2 else urlparse("/")
            query = {k: v[0] for k, v in parse_qs(target.query).items()}
            found = target.path == CALLBACK_PATH and ("code" in query or "error" in query)
            body = (
                "wakeful: authorization received; you can close this tab.\n"
                if found
                else "wakeful: waiting for the authorization redirect.\n"
            )
            status = "200 OK" if found else "404 Not Found"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n{body}".encode()
            )
            await writer.drain()
            if found and self.result is not None and not self.result.done():
                self.result.set_result(query)
        except (TimeoutError, OSError, IndexError, ValueError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


def parse_pasted(text: str, state: str | None) -> tuple[str, str | None]:
    """A pasted redirect URL (`...?code=...&state=...`) or the bare code."""
    text = text.strip()
    if "code=" in text or "error=" in text:
        query = {k: v[0] for k, v in parse_qs(urlparse(text).query or text).items()}
        if "error" in query:
            raise WakefulError(
                f"the authorization server refused: {query['error']} "
                f"{query.get('error_description', '')}".strip()
            )
        return query.get("code", ""), query.get("state", state)
    if not text:
        raise WakefulError("no code was pasted; run `wakeful mcp login` again")
    return text, state


async def login(
    name: str,
    url: str,
    user_data: Path,
    show: Callable[[str], None],
    *,
    open_browser: bool = True,
    paste: Callable[[], Awaitable[str]] | None = None,
    port: int = 0,
    timeout: float = 300.0,
    headers: dict[str, str] | None = None,
    transport: str = "http",
) -> TokenFile:
    """Run the authorization code flow (with PKCE) for one server; the tokens are stored.
    `paste` reads the redirect URL or code from the user instead of the listener."""
    storage = TokenFile(token_file(user_data, url), url)
    listener = CallbackListener(port)
    await listener.start()
    state: dict[str, str | None] = {"state": None}

    async def redirect(auth_url: str) -> None:
        state["state"] = parse_qs(urlparse(auth_url).query).get("state", [None])[0]
        show(f"Authorize wakeful for MCP server {name!r} by opening:\n\n  {auth_url}\n")
        if paste is None:
            show(f"Waiting for the redirect to {listener.redirect_uri} ...")
        if open_browser:
            import webbrowser

            with contextlib.suppress(Exception):
                webbrowser.open(auth_url)

    async def callback() -> tuple[str, str | None]:
        if paste is not None:
            return parse_pasted(await paste(), state["state"])
        assert listener.result is not None
        try:
            query = await asyncio.wait_for(asyncio.shield(listener.result), timeout)
        except TimeoutError:
            raise WakefulError(
                f"no authorization arrived within {timeout:.0f}s; run `wakeful mcp login "
                f"{name}` again (or with --paste to paste the code)"
            ) from None
        if "error" in query:
            raise WakefulError(
                f"the authorization server refused: {query['error']} "
                f"{query.get('error_description', '')}".strip()
            )
        return query.get("code", ""), query.get("state")

    # A login starts over (a new registration: its redirect URI names this listener's port)
    # in a file of its own, which replaces the stored one only once it holds tokens.
    pending = TokenFile(storage.path.with_name(storage.path.stem + ".login.json"), url)
    pending.write({})
    provider = _provider_class()(
        url,
        _metadata(listener.redirect_uri),
        pending,
        redirect_handler=redirect,
        callback_handler=callback,
        timeout=timeout,
    )
    provider.storage_file = pending
    try:
        await connect_once(url, transport, provider, headers, timeout)
        if not pending.logged_in():
            raise WakefulError(
                f"MCP server {name!r} did not ask for OAuth (it answered without a 401); "
                "no login is needed"
            )
        os.replace(pending.path, storage.path)
    except WakefulError:
        raise
    except Exception as exc:
        raise WakefulError(f"MCP server {name!r}: OAuth login failed: {describe(exc)}") from None
    finally:
        await listener.close()
        pending.remove()
    return storage


def describe(exc: BaseException) -> str:
    """The innermost message of an (often grouped) error."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return (str(exc).strip() or type(exc).__name__).splitlines()[0][:300]


async def connect_once(
    url: str, transport: str, auth: Any, headers: dict[str, str] | None, timeout: float
) -> None:
    """Connect and initialize once: a server that needs OAuth answers 401, which makes the
    auth provider run the flow before the request is sent again."""
    import httpx
    from mcp import ClientSession

    async with contextlib.AsyncExitStack() as stack:
        if transport == "sse":
            from mcp.client.sse import sse_client

            read, write = await stack.enter_async_context(
                sse_client(url, headers=headers or None, timeout=30.0, auth=auth)
            )
        else:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(
                create_mcp_http_client(
                    headers=headers or None, timeout=httpx.Timeout(30.0, read=timeout), auth=auth
                )
            )
            read, write, _ = await stack.enter_async_context(
                streamable_http_client(url, http_client=http)
            )
        session = await stack.enter_async_context(ClientSession(read, write))
        await asyncio.wait_for(session.initialize(), timeout + 30.0)
