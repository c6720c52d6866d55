"""The interactive REPL: prompt_toolkit for input, rich for output.

Ctrl-C during a turn cancels that turn (the transcript keeps what happened); Ctrl-C at the
prompt clears the line; Ctrl-D or /exit leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

from wakeful.agents.runtime import RunOptions, Runtime, open_runtime
from wakeful.core.config import Config
from wakeful.core.events import LoopEvent, ToolCall
from wakeful.core.paths import Paths
from wakeful.loop.dispatch import args_preview
from wakeful.policy.types import Decision

HELP = """\
/help   this help
/cost   tokens, cache hit ratio and cost of this session
/clear  start a new conversation (a new session)
/rewind undo the last turn: its file changes, the conversation, or both
/exit   leave (Ctrl-D also works)
Ctrl-C cancels a running turn."""


class Repl:
    def __init__(self, paths: Paths, config: Config, options: RunOptions) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        self.paths = paths
        self.config = config
        self.options = options
        self.idle_seconds = idle_notify_seconds(config)
        self.console = Console(highlight=False)
        paths.user_data.mkdir(parents=True, exist_ok=True)
        self.prompt = PromptSession(history=FileHistory(str(paths.user_data / "history")))
        self.always: set[tuple[str, str]] = set()
        self.runtime: Runtime | None = None
        self._in_text = False
        self._asking = asyncio.Lock()  # one question on screen at a time
        # Per turn: conversation length before it, and the checkpoint of its file changes.
        self.turn_marks: list[tuple[int, str | None]] = []

    # -- events and permission ---------------------------------------------------------

    def on_event(self, event: LoopEvent) -> None:
        d: dict[str, Any] = event.data
        if event.kind == "text":
            self.console.print(d["text"], end="", markup=False)
            self._in_text = True
            return
        if self._in_text:
            self.console.print()
            self._in_text = False
        if event.kind == "tool_start":
            self.console.print(f"[cyan]● {d['tool']}[/]({escape(args_preview(d['input']))})")
        elif event.kind == "tool_end":
            style = "red" if d["is_error"] else "dim"
            self.console.print(f"  [{style}]⎿ {escape(d['summary'] or '(no output)')}[/]")
        elif event.kind == "tool_denied":
            verb = "declined" if d["asked"] else "denied"
            self.console.print(
                f"  [red]✗ {d['tool']} {verb}[/] [dim]({escape('; '.join(d['reasons']))})[/]"
            )
        elif event.kind in {"notice", "error"}:
            color = "red" if event.kind == "error" else "yellow"
            self.console.print(f"[{color}]{escape(str(d.get('message')))}[/]")

    async def approve(self, call: ToolCall, decision: Decision) -> bool:
        key = (call.name, decision.tier)
        if key in self.always:
            return True
        if self._in_text:
            self.console.print()
            self._in_text = False
        self.console.print(
            f"[bold yellow]? {call.name}[/]({escape(args_preview(call.input or {}, 300))})\n"
            f"  {escape('; '.join(decision.reasons) or decision.tier)}"
        )
        # "Always" is offered only below the high tiers: one yes must not open the floodgates.
        can_always = decision.tier in {"read_only", "workspace", "network"}
        question = "Allow? [y]es / [n]o" + (" / [a]lways this session" if can_always else "") + ": "
        try:
            answer = await self.prompt.prompt_async(question)
        except (KeyboardInterrupt, EOFError):
            return False
        answer = answer.strip().lower()
        if answer in {"a", "always"} and can_always:
            self.always.add(key)
            return True
        return answer in {"y", "yes"}

    # -- main loop ---------------------------------------------------------------------

    async def answer(self, post: Any) -> str | None:
        """A sub-agent's question, put to the user; Enter lets the worker decide."""
        async with self._asking:
            if self._in_text:
                self.console.print()
                self._in_text = False
            self.console.print(f"[bold yellow]? [{escape(post.worker)}][/] {escape(post.text)}")
            try:
                reply = await self.prompt.prompt_async("answer (Enter: let it decide): ")
            except (KeyboardInterrupt, EOFError):
                return None
            return reply.strip() or None

    def _open(self, options: RunOptions) -> None:
        options.interactive = True
        self.runtime = open_runtime(
            self.paths,
            self.config,
            options,
            approver=self.approve,
            on_event=self.on_event,
            answerer=self.answer,
        )
        for notice in self.runtime.notices:
            self.console.print(f"[yellow]{escape(notice)}[/]")

    async def _ask_trust(self) -> None:
        """Once, when an untrusted workspace's settings were ignored: offer to trust it."""
        if self.config.trusted or not self.config.ignored:
            return
        from wakeful.core.config import load_config
        from wakeful.core.trust import TrustStore

        self.console.print(
            f"[bold yellow]? This workspace is not trusted.[/] Its .wakeful/config.toml sets "
            f"{escape(', '.join(self.config.ignored))}, which can loosen what the agent may do "
            "or where your keys go. Trust it only if you trust everyone who can commit to it."
        )
        try:
            answer = await self.prompt.prompt_async("Trust this workspace? [y/N]: ")
        except (KeyboardInterrupt, EOFError):
            answer = ""
        if answer.strip().lower() in {"y", "yes"}:
            TrustStore(self.paths.user_data).trust(self.paths.workspace)
            self.config = load_config(self.paths, self.config.env)
            self.console.print(f"trusted {escape(str(self.paths.workspace))}")
        else:
            self.console.print("not trusted: its loosening settings stay ignored this session")

    async def run(self) -> None:
        await self._ask_trust()
        self._open(self.options)
        assert self.runtime is not None
        rt = self.runtime
        self.console.print(
            f"[bold]wakeful[/] · {rt.provider.name}:{rt.provider.model} · "
            f"session {rt.session_id} · /help for commands"
        )
        try:
            while True:
                try:
                    line = await self._read_line()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                line = line.strip()
                if not line:
                    continue
                if line.startswith("/"):
                    if not await self.command(line):
                        break
                    continue
                await self.turn(line)
        finally:
            if self.runtime is not None:
                await self.runtime.close()

    async def _read_line(self) -> str:
        """The next line at the main prompt. Once a turn has answered, waiting longer than
        `[repl] idle_notify_seconds` (default 60; 0 turns it off) runs the Notification
        hooks once with `notification_type` idle_prompt, as Claude Code does."""
        ext = self.runtime.extensions if self.runtime is not None else None
        waiter = None
        if ext is not None and self.idle_seconds > 0 and self.turn_marks:
            waiter = asyncio.ensure_future(_notify_when_idle(ext, self.idle_seconds))
        try:
            return await self.prompt.prompt_async("› ")
        finally:
            if waiter is not None:
                waiter.cancel()  # a hook already running finishes on its own (shielded)
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    async def turn(self, text: str) -> None:
        assert self.runtime is not None
        loop = asyncio.get_running_loop()
        before = len(self.runtime.agent.messages)
        task = asyncio.ensure_future(self.runtime.run_turn(text))
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            result = await task
            if self._in_text:
                self.console.print()
                self._in_text = False
            if result.is_error and result.error:
                self.console.print(f"[red]{escape(result.error)}[/]")
        except asyncio.CancelledError:
            if self._in_text:
                self.console.print()
                self._in_text = False
            self.console.print("[yellow]turn cancelled; the transcript is kept[/]")
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the session itself is ending (SIGTERM, SIGHUP), not just this turn
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            recorder = self.runtime.checkpoints
            cp = recorder.last.id if recorder is not None and recorder.last else None
            self.turn_marks.append((before, cp))
            if recorder is not None and recorder.error:
                self.console.print(f"[red]checkpoint: {escape(recorder.error)}[/]")
                recorder.error = None

    async def rewind(self) -> None:
        """Undo the last turn: its files (through its checkpoint), its conversation, or both."""
        assert self.runtime is not None
        if not self.turn_marks:
            self.console.print("nothing to rewind in this session", markup=False)
            return
        before, cp = self.turn_marks[-1]
        code = f"[c]ode (checkpoint {cp}) / " if cp else ""
        what = "its files were not changed; " if not cp else ""
        try:
            answer = await self.prompt.prompt_async(
                f"Rewind the last turn ({what}{code}c[o]nversation / "
                + ("[b]oth / " if cp else "")
                + "[n]othing)? "
            )
        except (KeyboardInterrupt, EOFError):
            return
        answer = answer.strip().lower()
        do_code = bool(cp) and answer in {"c", "code", "b", "both"}
        do_talk = answer in {"o", "conversation"} or (bool(cp) and answer in {"b", "both"})
        if do_code:
            from wakeful.checkpoints import CheckpointError

            recorder = self.runtime.checkpoints
            assert recorder is not None
            try:
                _, undo = recorder.store.rewind(cp, session=self.runtime.session_id)
            except CheckpointError as exc:
                self.console.print(f"[red]{escape(str(exc))}[/]")
                return
            note = f" (undo with `wakeful rewind {undo.id}`)" if undo else ""
            self.console.print(f"files restored to before checkpoint {cp}{escape(note)}")
        if do_talk:
            agent = self.runtime.agent
            agent.messages = agent.messages[:before]
            self.runtime.transcript.append(
                {
                    "type": "rewind",
                    "agent": "main",
                    "messages": [m.to_dict() for m in agent.messages],
                }
            )
            self.console.print("conversation rewound to before the last turn", markup=False)
        if do_code or do_talk:
            self.turn_marks.pop()

    async def command(self, line: str) -> bool:
        """Run a slash command; False means leave."""
        name = line.split()[0]
        if name.lower() in {"/exit", "/quit", "/help", "/cost", "/clear"}:
            name = name.lower()
        if name in {"/exit", "/quit"}:
            return False
        if name == "/help":
            self.console.print(HELP, markup=False)
            self._help_custom()
        elif name == "/cost":
            self.show_cost()
        elif name == "/rewind":
            await self.rewind()
        elif name == "/clear":
            assert self.runtime is not None
            await self.runtime.close()
            self._open(
                RunOptions(
                    model=self.options.model,
                    permission_mode=self.options.permission_mode,
                    sandbox=self.options.sandbox,
                    max_turns=self.options.max_turns,
                )
            )
            self.turn_marks = []
            self.console.print(f"new session {self.runtime.session_id}")
        else:
            # A custom slash command (.claude/commands, .wakeful/commands) runs as a turn.
            assert self.runtime is not None
            ext = self.runtime.extensions
            if ext is not None and name[1:] in ext.commands:
                await self.turn(ext.commands[name[1:]].expand(line[len(name) :].strip()))
            else:
                self.console.print(f"unknown command {name}; /help lists them", markup=False)
        return True

    def _help_custom(self) -> None:
        ext = self.runtime.extensions if self.runtime is not None else None
        for cmd in sorted(ext.commands.values(), key=lambda c: c.name) if ext else []:
            hint = f" {cmd.argument_hint}" if cmd.argument_hint else ""
            self.console.print(f"/{cmd.name}{hint}  {cmd.description}", markup=False)

    def show_cost(self) -> None:
        assert self.runtime is not None
        u = self.runtime.agent.usage
        from wakeful.core.usage import cost_usd

        dollars = cost_usd(self.runtime.provider.name, self.runtime.provider.model, u)
        self.console.print(
            f"requests {self.runtime.agent.requests} · input {u.input} · output {u.output} · "
            f"cache read {u.cache_read} · cache write {u.cache_write} · "
            f"hit ratio {u.cache_hit_ratio:.1%} · cost ${dollars:.4f}"
        )


IDLE_MESSAGE = "wakeful is waiting for your input"


def idle_notify_seconds(config: Config) -> float:
    from wakeful.core.errors import ConfigError

    value = config.settings.repl.idle_notify_seconds
    if value < 0:
        raise ConfigError(
            f"[repl] idle_notify_seconds must be a number of seconds >= 0 (0: off), not {value!r}"
        )
    return float(value)


async def _notify_when_idle(ext: Any, seconds: float) -> None:
    from wakeful.extensions.hooks import IDLE_PROMPT

    await asyncio.sleep(seconds)
    await asyncio.shield(ext.notify(IDLE_MESSAGE, IDLE_PROMPT))


def run_repl(paths: Paths, config: Config, options: RunOptions) -> None:
    from wakeful.cli.signals import Terminated, cancel_on_signals

    repl = Repl(paths, config, options)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(cancel_on_signals(repl.run()))
    except Terminated as exc:
        sys.stderr.write(f"wakeful: {exc}; the transcript is kept (resume with --continue)\n")
        raise SystemExit(exc.exit_code) from None
