"""Entries for programs that run a command or shell code (watch, eval, logsave, perf) and
dd's operands: the words of the command an entry runs are the command's, never the
entry's own options; words joined into shell code are judged as that code."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs import HANDLERS
from wakeful.policy.shell import classify_command
from wakeful.policy.types import Tier

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # an option after the command is the command's: screen's `-ls` lists sessions, but
        # here it is rm's last word, and rm deletes the home directory
        ("screen rm -rf /home/dev -ls", Tier.CRITICAL),
        ("screen -S build rm -rf /home/dev -list", Tier.CRITICAL),
        ("ip netns exec blue rm -rf /home/dev -ls", Tier.CRITICAL),
        # and an option of the command is no option of perf's
        ("perf stat ls -a", Tier.READ_ONLY),
        ("perf stat -a ls", Tier.HIGH),
    ],
)
def test_the_words_of_the_command_an_entry_runs_are_the_commands(cmd: str, tier: Tier) -> None:
    assert classify_command(cmd, WS, HOME).tier == tier


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # watch joins its operands into shell code, or runs them as a command with -x
        ("watch -n 5 ls -la", Tier.READ_ONLY),
        ("watch rm -rf /home/dev", Tier.CRITICAL),
        ("watch -n 1 'rm -rf ~'", Tier.CRITICAL),
        ("watch -d -- git push", Tier.HIGH),
        # watch's -d takes no value (the handler took the code for one: read-only)
        ("watch -d 'rm -rf ~'", Tier.CRITICAL),
        ("watch --differences rm -rf /home/dev", Tier.CRITICAL),
        ("watch -x rm -rf /home/dev", Tier.CRITICAL),
        ("watch -n 2 -x ls -la", Tier.READ_ONLY),
        ('watch "$CMD"', Tier.HIGH),
        ("watch", Tier.READ_ONLY),
        # eval: its words, joined, are shell code
        ("eval ls -la", Tier.READ_ONLY),
        ("eval rm -rf /home/dev", Tier.CRITICAL),
        ("eval 'git push' origin", Tier.HIGH),
        ('eval "$(ssh-agent -s)"', Tier.CRITICAL),  # the agent's output is code
        ("eval -- rm -rf /home/dev", Tier.CRITICAL),
        ("eval -x ls", Tier.HIGH),  # an option bash's eval rejects and other shells run
        # logsave FILE CMD: FILE is written, CMD runs
        ("logsave build.log make", Tier.WORKSPACE),
        ("logsave -a build.log make", Tier.WORKSPACE),
        ("logsave /home/dev/.bashrc echo x", Tier.CRITICAL),
        ("logsave -as /dev/null rm -rf /home/dev", Tier.CRITICAL),
        ("logsave build.log", Tier.HIGH),
        # perf: stat and record count what their command does; other forms watch the machine
        ("perf stat -e cycles make", Tier.WORKSPACE),
        ("perf record -g -o build/perf.data ./build/app", Tier.WORKSPACE),
        ("perf record -o /home/dev/.bashrc ls", Tier.CRITICAL),
        ("perf record -p 1234", Tier.HIGH),
        ("perf stat", Tier.HIGH),
        ("perf stat -- rm -rf /home/dev", Tier.CRITICAL),
        ("perf report", Tier.READ_ONLY),
        ("perf trace", Tier.HIGH),
        # judged read-only by the handler this entry replaces: a script perf script runs,
        # the disassembler perf report runs, and the CPUs and users perf record watches
        ("perf script -s /tmp/x.py", Tier.HIGH),
        ("perf report --objdump=/tmp/evil", Tier.HIGH),
        ("perf stat -C 0 ls", Tier.HIGH),
        ("perf record -u 0 ls", Tier.HIGH),
        ("perf --exec-path=/tmp stat ls", Tier.HIGH),
        # dd: if= is read, of= written; an endless device copied into a file with no count
        ("dd if=build/a.img of=build/b.img bs=1M", Tier.WORKSPACE),
        ("dd if=/dev/sda of=disk.img", Tier.CRITICAL),
        ("dd if=/dev/zero of=/dev/sda", Tier.CRITICAL),
        ("dd if=/dev/zero of=build/fill", Tier.HIGH),
        ("dd if=/dev/zero of=build/fill count=10", Tier.WORKSPACE),
        ("dd if=build/a.img", Tier.READ_ONLY),
        ("dd if=/home/dev/.ssh/id_rsa", Tier.CRITICAL),
    ],
)
def test_programs_that_run_commands_are_judged_by_them(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, got.reasons


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # kill: which processes its operands name decides (1 is init, -1 every process,
        # %N a job of this shell); a signal is an option, whatever its spelling
        ("kill -l", Tier.READ_ONLY),
        ("kill -L", Tier.READ_ONLY),
        ("kill --list", Tier.READ_ONLY),
        ("kill -l 9", Tier.READ_ONLY),
        ("kill 4242", Tier.HIGH),
        ("kill -TERM 4242", Tier.HIGH),
        ("kill -KILL 4242", Tier.HIGH),  # -KILL holds an L: no listing
        ("kill -s KILL 4242", Tier.HIGH),
        ("kill -9 1", Tier.CRITICAL),
        ("kill -9 -1", Tier.CRITICAL),
        ("kill -- -1", Tier.CRITICAL),
        ("kill -1", Tier.CRITICAL),
        ("kill %1", Tier.WORKSPACE),
        ("kill -9 %1 %2", Tier.WORKSPACE),
        ("kill %1 4242", Tier.HIGH),
        ("kill -s HUP %+", Tier.WORKSPACE),
        ("kill $(pgrep node)", Tier.HIGH),
        ("kill", Tier.HIGH),
        # options end at the first operand: these kill, they do not list
        ("kill 4242 -l", Tier.HIGH),
        ("kill -9 1 -l", Tier.CRITICAL),
        ("kill %1 4242 -L", Tier.HIGH),
        ("kill -n 1 4242", Tier.HIGH),  # -n takes the signal number
    ],
)
def test_kill_is_judged_by_the_processes_it_names(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, got.reasons


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # script -c CODE [FILE]: CODE runs, FILE (or ./typescript) holds what it prints
        ("script -qc 'git status' /dev/null", Tier.READ_ONLY),
        ("script -q -c make build.log", Tier.WORKSPACE),
        ("script -c ls", Tier.WORKSPACE),  # writes ./typescript
        ("script -c 'rm -rf ~' /dev/null", Tier.CRITICAL),
        ("script -c true /home/dev/.bashrc", Tier.CRITICAL),
        ("script -c ls -O /home/dev/.profile /dev/null", Tier.CRITICAL),
        ("script -c ls --log-timing=/home/dev/.bashrc /dev/null", Tier.CRITICAL),
        ('script -c "$CMD" /dev/null', Tier.HIGH),
        ("script", Tier.HIGH),  # an interactive shell
        ("script -q /dev/null", Tier.HIGH),
    ],
)
def test_script_runs_its_command_and_writes_its_log(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, got.reasons


def test_the_converted_programs_are_data_entries() -> None:
    for name in ("watch", "eval", "logsave", "perf", "dd", "kill", "script"):
        assert name in PROGRAMS and name not in HANDLERS, name
