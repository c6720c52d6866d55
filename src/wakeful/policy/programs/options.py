"""Option splitting and the small helpers every handler shares (`split_opts`, `_has`,
`_vals`, tier arithmetic, endless outputs), and the `Handler` signature."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from wakeful.policy import path_risk
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

Handler = Callable[[str, list[Word], SimpleCommand, Analyzer], None]

_OUT_OPS = frozenset({">", ">>", "&>", "&>>", ">|", "<>", ">&"})
_SECRET_ENV_READERS = frozenset({"env", "printenv", "set", "export", "declare", "typeset"})


def expand_long(args: list[Word], names: Collection[str]) -> list[Word]:
    """Each long option in `args` written as an unambiguous prefix of one of `names` (the
    program's long options: GNU getopt_long takes any such prefix), written out in full."""
    out: list[Word] = []
    for i, word in enumerate(args):
        value = word.value
        if value == "--":
            return out + args[i:]
        if value is not None and value.startswith("--") and len(value) > 3:
            name, eq, rest = value.partition("=")
            if name not in names:
                full = [n for n in names if n.startswith(name)]
                if len(full) == 1:
                    word = Word(full[0] + eq + rest, word.text)
        out.append(word)
    return out


def runs_project_code(why: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """The command runs the code it finds in its current directory (`npm test`, `make`,
    `pytest`): the project's own only while that directory is in the workspace. After `cd`
    out of it (`cd /tmp && npm test`, `cd .. && make`) or to a directory known only at run
    time (`cd "$X"`, `cd -`), the code is someone else's."""
    a.runs_code(why)
    cwd = cmd.cwd
    if cwd != a.workspace and a.place(cwd, None).zone != "workspace":
        where = cwd if cwd is not None else "a directory known only at run time"
        a.add(Tier.HIGH, f"runs the code it finds in {where}, outside the workspace")


# ---------------------------------------------------------------------------------------
# option splitting


# A tuple of option names -> the same names as a set (a pure function of the names).
_TAKES: dict[tuple[str, ...], frozenset[str]] = {}


def split_opts(
    args: list[Word], with_value: Iterable[str] = (), stop_at_positional: bool = False
) -> tuple[list[tuple[str, Word | None]], list[Word]]:
    """Split arguments into (options, positionals). `with_value` names options that take
    the next argument; combined short flags (`-rf`) are expanded."""
    if type(with_value) is frozenset:
        takes = with_value
    elif type(with_value) is tuple:
        # Handlers name their options in tuple constants: each one's set is made once.
        found = _TAKES.get(with_value)
        if found is None:
            found = frozenset(with_value)
            if len(_TAKES) < 1024:
                _TAKES[with_value] = found
        takes = found
    else:
        takes = frozenset(with_value)
    opts: list[tuple[str, Word | None]] = []
    pos: list[Word] = []
    words = iter(args)  # an option that takes a value takes the next word from here
    for word in words:
        value = word.value
        # (value[:1] != "-": value.startswith("-") without a method call)
        if value is None or value[:1] != "-" or value == "-" or (stop_at_positional and pos):
            pos.append(word)
            continue
        if value == "--":
            pos.extend(words)
            break
        if value[1:2] == "-":  # a long option (value starts with "-")
            name, eq, attached = value.partition("=")
            if eq:
                opts.append((name, Word(attached, attached)))
            elif name in takes:
                opts.append((name, next(words, None)))
            else:
                opts.append((name, None))
            continue
        if value in takes:
            opts.append((value, next(words, None)))
            continue
        letters = value[1:]
        for j, letter in enumerate(letters):
            flag = "-" + letter
            if flag in takes:
                rest = letters[j + 1 :]
                if rest:
                    opts.append((flag, Word(rest, rest)))
                else:
                    opts.append((flag, next(words, None)))
                break
            opts.append((flag, None))
    return opts, pos


def _has(opts: list[tuple[str, Word | None]], *names: str) -> bool:
    for name, _ in opts:  # noqa: SIM110 - a loop costs less than any() over a generator
        if name in names:
            return True
    return False


def _vals(opts: list[tuple[str, Word | None]], *names: str) -> list[Word]:
    found: list[Word] = []
    for name, v in opts:  # a loop: a list comprehension is a function call of its own
        if v is not None and name in names:
            found.append(v)
    return found


def _vals_in(opts: list[tuple[str, Word | None]], names: Collection[str]) -> list[Word]:
    """`_vals(opts, *names)` for names held in a set (an entry's fields)."""
    found: list[Word] = []
    for name, v in opts:
        if v is not None and name in names:
            found.append(v)
    return found


def _v(word: Word | None) -> str:
    return (word.value or "") if word is not None else ""


_ENDLESS_DEVICES = frozenset({"/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"})


def _endless_output(cmd: SimpleCommand) -> bool:
    """The command prints without end (`yes`, `cat /dev/zero`), so a file it writes grows
    until the disk is full."""
    name = cmd.name
    if name == "yes":
        return True
    if name not in ("cat", "tac", "tee", "od", "xxd", "base64", "hexdump"):
        return False
    return any(w.value in _ENDLESS_DEVICES for w in cmd.argv[1:]) or any(
        r.op == "<" and r.target is not None and r.target.value in _ENDLESS_DEVICES
        for r in cmd.redirects
    )


def _max(x: Tier, y: Tier) -> Tier:
    return path_risk.tier_max(x, y)


def _min(x: Tier, y: Tier) -> Tier:
    return x if x.rank <= y.rank else y


def _short(text: str) -> str:
    return text if len(text) < 50 else text[:47] + "..."
