"""The interpreter of data entries: `run_program` judges a command by its `program_rules`
entry (options, subcommands, positionals, named checks), with each entry compiled once
(`_Compiled`) and long options expanded (`expand_long`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable
from dataclasses import replace

from wakeful.policy.program_rules import CMAKE_E_COMMANDS, Program
from wakeful.policy.programs.assignments import build_program, toolchain_dirs
from wakeful.policy.programs.checks import CHECKS
from wakeful.policy.programs.inline import _dynamic_code, _literal_paths, _run_file
from wakeful.policy.programs.options import (
    _has,
    _max,
    _min,
    _short,
    _vals,
    _vals_in,
    runs_project_code,
    split_opts,
)
from wakeful.policy.programs.options import expand_long as expand_long  # re-exported
from wakeful.policy.programs.remote import sends_off
from wakeful.policy.programs.settings import judge_setting, loads_from, typed_outputs
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

# The entry fields whose options have effects of their own (run, read, write, load or
# name a program or toolchain), and those that also matter in the options written before a
# nested subcommand (`helm -n prod uninstall`: what the options before `uninstall` do).
_EFFECT_FIELDS = (
    *("dest_pattern", "source_pattern", "exec_opts", "exec_flags", "network_flags"),
    *("read_opts", "script_opts", "outside_opts", "outside_pattern", "program_pattern"),
    *("toolchain_pattern", "toolchain_opts", "keyed_read_opts", "load_opts", "delete_opts"),
    *("typed_output_opts", "setting_opts", "checks"),
)
_GLOBAL_FIELDS = (
    *_EFFECT_FIELDS,
    *("value_tiers", "write_opts", "write_flags", "dir_opts", "read_pair_opts"),
    *("exec_pattern", "write_pattern"),
)


class _Compiled:
    """What `run_program` needs of one entry, worked out once when the entry is first used:
    which parts of the entry can apply at all (most entries use few of its fields), and its
    positionals' kinds as a tuple."""

    __slots__ = (
        "rule",
        "kinds",
        "last",
        "command_at",
        "flags_needed",
        "takes",
        "bare",
        "nested",
        "globals",
        "patterns",
        "operand_patterns",
        "regex",
        "leading",
        "tiers",
        "effects",
        "outputs",
        "beside",
    )

    def __init__(self, rule: Program) -> None:
        self.rule = rule
        positionals = rule.positionals
        self.kinds: tuple[str, ...] = (
            (positionals,) if isinstance(positionals, str) else tuple(positionals)
        )
        self.last = len(self.kinds) - 1
        # Where the words of a command the program runs begin (`command` or `shell_words`):
        # the words from there on are that command's, never options of this entry.
        self.command_at: int | None = next(
            (i for i, k in enumerate(self.kinds) if k in ("command", "shell_words")), None
        )
        # The words of the command (options, then every word) are needed only by these.
        self.flags_needed = bool(
            rule.word_tiers
            or rule.exec_flags
            or rule.network_flags
            or rule.read_only_flags
            or rule.stdout_flags
            or rule.workspace_flags
        )
        self.takes = rule.takes
        # An entry that sets none of the fields beyond its tier, positionals and value
        # options (most entries): judged by `_run_bare`, which skips the rest. A field added
        # to Program later is outside this list, so it keeps entries that use it off the
        # short path.
        self.bare = (
            all(
                f.name in _BARE_FIELDS or _unset(getattr(rule, f.name), _default_of(f))
                for f in dataclasses.fields(rule)
            )
            and self.command_at is None
        )  # a command to judge
        # Subcommands that are entries of their own; the options before one of them are
        # judged by this entry without its tier (`helm -n prod uninstall`: only uninstall's).
        self.nested = isinstance(rule.other_subcommand, Program) or any(
            isinstance(sub, Program) for sub in rule.subcommands.values()
        )
        self.globals: Program | None = None
        if self.nested and any(getattr(rule, f) for f in _GLOBAL_FIELDS):
            self.globals = replace(
                rule,
                tier=Tier.READ_ONLY,
                positionals="none",
                subcommands={},
                other_subcommand=None,
                word_tiers={},
                word_patterns={},
                runs_code=False,  # the subcommand's entry says whether it runs code
                checks=(),  # run once, on every word, by the program's entry
            )
        self.patterns = [
            (re.compile(pattern), tier, why) for pattern, (tier, why) in rule.word_patterns.items()
        ]
        self.operand_patterns = [
            (re.compile(pattern), tier, why)
            for pattern, (tier, why) in rule.operand_patterns.items()
        ]
        # The entry's expressions, compiled once: `re.search(TEXT, ...)` looks each up in
        # the re module's cache, which more patterns than it holds (every entry's) evict.
        self.regex: dict[str, re.Pattern[str]] = {
            text: re.compile(text)
            for text in (
                rule.exec_pattern,
                rule.release_pattern,
                rule.dest_pattern,
                rule.source_pattern,
                rule.print_pattern,
                rule.outside_pattern,
                rule.program_pattern,
                rule.toolchain_pattern,
                rule.write_pattern,
            )
            if text
        }
        for pattern, _, _ in rule.value_tiers.values():  # "" too: any value sets the tier
            self.regex[pattern] = re.compile(pattern)
        # Which of `run_program`'s groups of steps can apply at all: the words it runs or
        # reads before splitting its options; the tiers words, values, modes and subcommands
        # set; the effects of patterns, option values and named checks.
        self.leading = bool(rule.argv_after or rule.read_pair_opts or rule.value_words)
        self.tiers = bool(
            rule.word_tiers
            or self.patterns
            or rule.value_tiers
            or rule.mode_flags
            or rule.strict_options
            or rule.other_subcommand is not None
            or rule.exec_pattern
            or rule.release_pattern
        )
        self.effects = any(getattr(rule, f) for f in _EFFECT_FIELDS)
        # ... the flags that lower the tier or write (and what they spare); the outputs beside
        # the operands, and operands deleted once read.
        self.outputs = bool(
            rule.read_only_flags
            or rule.stdout_flags
            or rule.workspace_flags
            or rule.write_flags
            or rule.write_pattern
            or rule.output_spares_operands
        )
        self.beside = bool(rule.stem_suffixes or rule.output_suffix or rule.delete_flags)


# With these a search takes no pattern operand: the patterns are given otherwise, or it
# lists files or types (`rg --files DIR`).
_NO_PATTERN_OPERAND = ("-e", "--regexp", "-f", "--file", "--files", "--type-list")


# The fields `_run_bare` reads (and examples and takes, which judging does not read).
_BARE_FIELDS = frozenset(
    {"tier", "positionals", "what", "value_opts", "skip_first", "runs_code", "examples", "takes"}
    | {"read_opts", "write_opts", "dir_opts", "checks", "long_prefixes"}
)


def _default_of(f: dataclasses.Field[object]) -> object:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _unset(value: object, default: object) -> bool:
    """A field left as its default (an empty collection stands for any other: the entry
    turns `()` into `frozenset()`)."""
    return value == default or (not value and not default)


# id(entry) -> its compiled form (which holds the entry, so the id stays its own).
_COMPILED: dict[int, _Compiled] = {}


def _compiled(rule: Program) -> _Compiled:
    found = _COMPILED.get(id(rule))
    if found is None or found.rule is not rule:
        found = _COMPILED[id(rule)] = _Compiled(rule)
    return found


# id(entry) -> (the entry, the long options it names): for `long_prefixes` entries.
_LONG_NAMES: dict[int, tuple[Program, tuple[str, ...]]] = {}


# GNU cp, mv, install and ln: their long options (`--targ=DIR` is `--target-directory=DIR`).
_COPY_LONG = (
    *("--target-directory", "--no-target-directory", "--suffix", "--backup", "--mode"),
    *("--owner", "--group", "--reflink", "--sparse", "--preserve", "--no-preserve"),
    *("--parents", "--remove-destination", "--strip-trailing-slashes", "--symbolic-link"),
    *("--symbolic", "--update", "--verbose", "--one-file-system", "--context", "--archive"),
    *("--attributes-only", "--copy-contents", "--dereference", "--force", "--interactive"),
    *("--link", "--logical", "--physical", "--no-clobber", "--no-dereference", "--recursive"),
    *("--relative", "--directory", "--compare", "--strip", "--strip-program", "--debug"),
    *("--exchange", "--keep-directory-symlink", "--preserve-context", "--preserve-timestamps"),
)
# GNU tar's long options that name programs or files, with those sharing their prefixes.
_TAR_LONG = (
    *("--to-command", "--to-stdout", "--totals", "--touch", "--checkpoint"),
    *("--checkpoint-action", "--use-compress-program", "--rsh-command", "--info-script"),
    *("--new-volume-script", "--file", "--files-from", "--directory", "--exclude"),
    *("--exclude-from", "--extract", "--create", "--list", "--append", "--update"),
    *("--index-file", "--absolute-names", "--transform", "--xform", "--overwrite"),
)
# GNU sed's long options.
_SED_LONG = (
    *("--expression", "--file", "--in-place", "--line-length", "--null-data"),
    *("--zero-terminated", "--quiet", "--silent", "--regexp-extended", "--separate"),
    *("--sandbox", "--debug", "--posix", "--follow-symlinks", "--unbuffered", "--binary"),
)


def _whole_long_options(rule: Program, args: list[Word]) -> list[Word]:
    """A program parsing its options with GNU getopt_long takes any unambiguous prefix of a
    long option (`sort --co=PROG` is `--compress-program=PROG`, `--out=F` `--output=F`):
    each such prefix of one option the entry names is written out in full."""
    found = _LONG_NAMES.get(id(rule))
    if found is None or found[0] is not rule:
        names = {
            o.split("=")[0]
            for f in dataclasses.fields(rule)
            if f.name.endswith(("_opts", "_flags", "_tiers"))  # `--vacuum-t` sets the tier too
            for o in (getattr(rule, f.name) or ())
            if isinstance(o, str) and o.startswith("--")
        }
        found = _LONG_NAMES[id(rule)] = (rule, tuple(sorted(names)))
    return expand_long(args, found[1])


def run_program(
    name: str, rule: Program, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """Interpret one data entry of `program_rules` for one invocation."""
    compiled = _COMPILED.get(id(rule))  # _compiled(rule), without the call once made
    if compiled is None or compiled.rule is not rule:
        compiled = _compiled(rule)
    if compiled.bare:
        _run_bare(name, rule, compiled, args, cmd, a)
        return
    if (
        rule.remote
        or rule.remote_flags
        and any((w.value or "").partition("=")[0] in rule.remote_flags for w in args)
    ):  # its arguments are sent to the service it reads from
        sends_off(name, args, a)
    if rule.long_prefixes:
        args = _whole_long_options(rule, args)
    if compiled.nested:
        at = _operand_at(args, compiled.takes)
        verb = args[at].value if at is not None else None
        if at is not None and verb is not None:
            sub = rule.subcommands.get(verb)
            after = at + 1
            if sub is None:
                sub = rule.other_subcommand
                if isinstance(sub, Program) and sub.positionals != "none":
                    after = at  # the word is that entry's first operand (`dotnet new ../x`)
            if isinstance(sub, Program):
                if rule.word_tiers or compiled.patterns:  # words anywhere on the line
                    words = (
                        dict.fromkeys(
                            [
                                *[f for f, _ in split_opts(args, compiled.takes)[0]],
                                *[w.value for w in args if w.value],
                            ]
                        )
                        if rule.word_tiers
                        else {}
                    )
                    _word_findings(name, rule, compiled, words, args, a)
                for check in rule.checks:
                    CHECKS[check](name, args, cmd, a)
                if at and rule.strict_options:
                    _unknown_options(name, rule, args[:at], a)
                if at and compiled.globals is not None:
                    run_program(name, compiled.globals, args[:at], cmd, a)
                if at and sub.remote:  # `kubectl -n "$(...)" get pods`: sent as well
                    sends_off(f"{name} {verb}", args[:at], a)
                rest = args[after:]
                if rule.delete_flags:  # `7z -sdel a x.7z FILE`: FILE is deleted once archived
                    rest = rest + [w for w in args[:at] if w.value in rule.delete_flags]
                run_program(f"{name} {verb}", sub, rest, cmd, a)
                return
    if compiled.leading:  # (what only some entries hold, skipped at once by the rest)
        if rule.argv_after:
            for i, word in enumerate(args):
                if word.value in rule.argv_after:
                    rest = args[i + 1 :]
                    ends = [j for j, w in enumerate(rest) if w.value == "--"]
                    if ends:  # `tox exec -e py -- CMD`: the command follows `--`
                        rest = rest[ends[0] + 1 :]
                    if name == "cmake" and rest and rest[0].value in CMAKE_E_COMMANDS:
                        program = CMAKE_E_COMMANDS[rest[0].value or ""]
                        rest = [Word(w, rest[0].text) for w in program] + rest[1:]
                    if rest:  # judged as the command it runs
                        a.run_argv(rest, cmd)
                    args = args[:i]
                    break
        if rule.read_pair_opts:  # `jq --rawfile NAME FILE`: FILE is read
            kept: list[Word] = []
            skip = 0
            for i, word in enumerate(args):
                if skip:
                    skip -= 1
                    if skip == 0:
                        a.read(word, cmd.cwd)
                    continue
                if word.value in rule.read_pair_opts and i + 2 < len(args):
                    skip = 2
                    continue
                kept.append(word)
            args = kept
        if rule.value_words:  # `hyperfine -P NAME MIN MAX`: the words are the option's
            kept = []
            skip = 0
            for word in args:
                if skip:
                    skip -= 1
                    continue
                count = rule.value_words.get(word.value or "")
                if count:
                    skip = count
                    continue
                kept.append(word)
            args = kept
    opts, pos = _split(rule, compiled, args)
    # The words of the command the program runs, from its first word on: judged as that
    # command (`screen rm -rf ~ -ls`: `-ls` is rm's word, not screen's listing flag).
    command: list[Word] = []
    if compiled.command_at is not None and len(pos) > compiled.command_at:
        first = pos[compiled.command_at]
        start = next(j for j, w in enumerate(args) if w is first)
        args, command = args[:start], args[start:]
        opts, pos = _split(rule, compiled, args)
        pos.append(first)
    # In the order written, so that reasons come out the same in every process (a set's
    # order changes with string hashing).
    flags: dict[str, None] = (
        dict.fromkeys([*[flag for flag, _ in opts], *[w.value for w in args if w.value]])
        if compiled.flags_needed
        else {}
    )
    # Set by a subcommand's tier or a mode flag's, which replaces the entry's own (mode flags:
    # options only, as the program reads them: a value is no mode, `ssh-keygen -E -B`).
    decided = False
    if compiled.tiers:
        if rule.word_tiers or compiled.patterns:
            _word_findings(name, rule, compiled, flags, args, a)
        for opt, value in opts if rule.value_tiers else ():
            if opt in rule.value_tiers and value is not None:
                pattern, tier, why = rule.value_tiers[opt]
                if value.value is None or compiled.regex[pattern].search(value.value):
                    a.add(tier, f"{name} {opt} {_short(value.text)} {why}")
        for flag in dict.fromkeys(f for f, _ in opts) if rule.mode_flags else ():
            if flag in rule.mode_flags:
                tier, why = rule.mode_flags[flag]
                a.add(tier, f"{name} {flag} {why}")
                decided = True
        if rule.strict_options and opts:  # options before the subcommand (or with none)
            at = _operand_at(args, compiled.takes)
            _unknown_options(name, rule, args if at is None else args[:at], a)
        if rule.other_subcommand is not None and pos:
            decided = True
            verb = pos[0].value
            chosen = rule.subcommands.get(verb, rule.other_subcommand) if verb is not None else None
            if not isinstance(chosen, tuple):  # an entry of its own is judged above
                a.add(Tier.HIGH, f"runs a {name} subcommand only known at run time")
            else:
                tier, why = chosen
                a.add(tier, f"{name} {verb} {why}")
                if verb in rule.remote_subcommands:
                    sends_off(f"{name} {verb}", args, a)
            pos = pos[1:]
        if rule.exec_pattern:
            for word in args:
                if compiled.regex[rule.exec_pattern].search(word.text):
                    a.add(
                        Tier.HIGH, f"runs code written in an argument ({name} {_short(word.text)})"
                    )
        if rule.release_pattern:
            for word in args:
                if compiled.regex[rule.release_pattern].search(word.text):
                    a.add(Tier.HIGH, f"{name} {_short(word.text)} deploys, publishes or releases")
    named_output = False  # by a `dest_pattern` word (`7z x A -oDIR`): no `default_output`
    printed = False  # inline code that only prints a value (`print_pattern`)
    if compiled.effects:
        for word in args if rule.dest_pattern or rule.source_pattern else ():
            known = word.value is not None
            text = word.value if word.value is not None else word.text  # `of="$OUT"`
            dest = compiled.regex[rule.dest_pattern].match(text) if rule.dest_pattern else None
            if dest:  # exiftool -FileName=PATH moves the file to PATH
                named_output = True
                path = dest.group(1)
                a.write(Word(path, word.text) if known else Word(None, path), cmd.cwd)
            source = (
                compiled.regex[rule.source_pattern].match(text) if rule.source_pattern else None
            )
            if source:  # exiftool '-TAG<=FILE' copies FILE into the tag; `dd if=/proc/$(...)/mem`
                path = source.group(1)
                a.read(Word(path, word.text) if known else Word(None, path), cmd.cwd)
        if opts:
            for opt in rule.exec_opts:
                for value in _vals(opts, opt):
                    if value.value is None:
                        _dynamic_code(value, a, f"{name} {opt}")
                    else:
                        a.run_script(value.value, cmd.cwd, f"{name} {opt}")
        for flag in flags if rule.exec_flags or rule.network_flags else ():
            if flag in rule.exec_flags:
                codes = _vals(opts, flag) if rule.print_pattern else []
                if codes and all(
                    c.value is not None and compiled.regex[rule.print_pattern].fullmatch(c.value)
                    for c in codes
                ):
                    printed = True
                    continue
                for code in codes:  # paths the code names (`File.read!("~/.ssh/id_rsa")`) are read
                    _literal_paths(code.value or "", cmd, a)
                a.add(
                    Tier.HIGH,
                    f"runs code or a program that the command does not show ({name} {flag})",
                )
            if flag in rule.network_flags:
                a.add(Tier.NETWORK, f"reaches the network ({name} {flag})")
        if opts and rule.read_opts:
            for value in _vals_in(opts, rule.read_opts):
                a.read(value, cmd.cwd)
        if opts and rule.script_opts:
            for value in _vals_in(opts, rule.script_opts):
                _run_file(name, value, cmd, a)
        if opts and rule.outside_opts:
            for opt, value in opts:
                if opt in rule.outside_opts and value is not None:
                    _inside_workspace(name, value, cmd, a)
        if rule.outside_pattern:
            for word in args:
                match = compiled.regex[rule.outside_pattern].match(word.value or "")
                if match:  # `-Dmaven.repo.local=DIR`
                    _inside_workspace(name, Word(match.group(1), word.text), cmd, a)
        if rule.program_pattern:
            for word in args:
                match = compiled.regex[rule.program_pattern].match(word.value or "")
                if match:  # `-DCMAKE_C_COMPILER=PROG`, `-javaagent:JAR`
                    build_program(f"{name} {_short(word.text)}", match.group(1), cmd, a)
        if rule.toolchain_pattern:
            for word in args:
                match = compiled.regex[rule.toolchain_pattern].match(word.value or "")
                if match:  # `-Dorg.gradle.java.home=DIR`, `-DCMAKE_PREFIX_PATH=DIR`
                    toolchain_dirs(f"{name} {_short(word.text)}", match.group(1), cmd, a)
        if opts and rule.toolchain_opts:
            for opt, value in opts:
                if opt in rule.toolchain_opts and value is not None:  # `--toolchain DIR`
                    if value.value is None:
                        a.add(Tier.HIGH, f"{name} {opt} names a toolchain only known at run time")
                    else:
                        toolchain_dirs(f"{name} {opt}", value.value, cmd, a)
        if opts and rule.keyed_read_opts:
            for value in _vals_in(opts, rule.keyed_read_opts):
                _keyed_reads(name, value, cmd, a)
        if opts and rule.load_opts:
            for value in _vals_in(opts, rule.load_opts):
                loads_from(name, value, cmd, a)
        if opts and rule.delete_opts:
            for value in _vals_in(opts, rule.delete_opts):
                a.delete(value, cmd.cwd, True)
        if opts and rule.typed_output_opts:
            for value in _vals_in(opts, rule.typed_output_opts):
                typed_outputs(value, cmd, a)
        if opts and rule.setting_opts:
            for value in _vals_in(opts, rule.setting_opts):
                judge_setting(name, rule.settings, value, cmd, a)
        for check in rule.checks:
            CHECKS[check](name, args, cmd, a)
    # Flags that lower the tier count where the program reads them as options: an option's
    # value that looks like one is none (`gitleaks detect --report-path --redact` writes an
    # unredacted report named `--redact`); a word (`nft list`) counts wherever it is.
    lowering: Collection[str] = flags
    read_only: list[str] = []
    writing = False
    to_stdout: str | None = None
    spared = False
    kinds, last = compiled.kinds, compiled.last
    if compiled.outputs:  # (flags that lower the tier or write, and what they spare)
        if (rule.read_only_flags or rule.stdout_flags or rule.workspace_flags) and any(
            v is not None
            and (
                v.value in rule.read_only_flags
                or v.value in rule.stdout_flags
                or v.value in rule.workspace_flags
            )
            for _, v in opts
        ):
            taken = {id(v) for _, v in opts if v is not None}
            lowering = dict.fromkeys(
                [*[f for f, _ in opts], *[w.value for w in args if w.value and id(w) not in taken]]
            )
        read_only = (
            [flag for flag in lowering if flag in rule.read_only_flags]
            if rule.read_only_flags
            else []
        )
        if read_only:
            a.add(Tier.READ_ONLY, f"{rule.what}, only checking ({min(read_only)}: nothing changes)")
            # A checking flag spares the operands, not the options' own effects: the file an
            # output option names is still written (`patch --dry-run -o FILE`, `gitleaks detect
            # --redact --report-path FILE`), and a directory option is still where it works.
            if opts and rule.write_opts:
                for value in _vals_in(opts, rule.write_opts):
                    a.write(value, cmd.cwd)
            if opts and rule.dir_opts:
                for value in _vals_in(opts, rule.dir_opts):
                    a.read_meta(value, cmd.cwd)
            for i, word in enumerate(pos):
                if kinds[i if i < last else last] in ("read", "write"):
                    a.read(word, cmd.cwd)
            return
        write_flags = rule.write_flags
        writing = (
            bool(opts)
            and bool(write_flags)
            and any(flag in write_flags or flag.split("=")[0] in write_flags for flag, _ in opts)
            or bool(
                rule.write_pattern
                and any(
                    w.value is not None and compiled.regex[rule.write_pattern].match(w.value)
                    for w in args
                )
            )
        )
        to_stdout = (
            next((flag for flag in lowering if flag in rule.stdout_flags), None)
            if rule.stdout_flags
            else None
        )
        spared = to_stdout is not None or (
            rule.output_spares_operands
            and any(  # whole words: exiftool's -Comment is no -o
                w.value is not None
                and (w.value in rule.write_opts or w.value.split("=")[0] in rule.write_opts)
                for w in args
            )
        )
    if to_stdout is not None:  # `gzip -c`: nothing is changed in place
        a.add(
            Tier.WORKSPACE if writing else Tier.READ_ONLY,
            f"{name} {to_stdout} only reads the files (the result goes to standard output)",
        )
    elif writing:
        a.add(_max(Tier.WORKSPACE, Tier.READ_ONLY if decided else rule.tier), rule.what)
    elif printed and not pos:
        a.add(Tier.READ_ONLY, f"{name} only prints the value of inline code")
    elif not decided:
        if rule.workspace_flags and any(flag in rule.workspace_flags for flag in lowering):
            a.add(_min(rule.tier, Tier.WORKSPACE), f"{rule.what} (the project's own)")
        elif compiled.operand_patterns and pos:
            _operand_findings(name, rule, compiled, pos, a)
        else:
            a.add(rule.tier, rule.what)
    if rule.runs_code:
        runs_project_code(
            f"{name} runs code from the project (tests, build scripts, config, plugins)", cmd, a
        )
    if opts and rule.write_opts:
        for value in _vals_in(opts, rule.write_opts):
            a.write(value, cmd.cwd)
    if opts and rule.dir_opts:
        for value in _vals_in(opts, rule.dir_opts):
            a.write(value, cmd.cwd)
    if rule.skip_first and pos and not _has(opts, *_NO_PATTERN_OPERAND):
        pos = pos[1:]
    if rule.default_output and (
        any(flag in rule.output_flags for flag, _ in opts)  # `curl -O`
        if rule.output_flags
        else not named_output
        and not (rule.write_opts and any(_vals_in(opts, rule.write_opts)))
        and not (pos and kinds[0] == "write")
    ):
        a.write(Word(rule.default_output, rule.default_output), cmd.cwd)  # `perf record`
    if rule.no_command is not None and (
        not command
        if compiled.command_at is not None
        else not (opts and any(_vals_in(opts, rule.exec_opts)))
    ):
        a.add(*rule.no_command)  # `perf stat` alone, `logsave FILE`, `script`: nothing to run
    if not pos:
        if opts and compiled.command_at is not None and "command" in kinds:
            _unknown_options(name, rule, args, a)  # options, and no command to run
        return
    # Outputs beside each operand (unless the output goes elsewhere: `-c`, `-o FILE`): a
    # decompressor's name without the suffix it strips, a compressor's with its suffix.
    beside = False
    stems: list[str] = []
    deleting = False
    if compiled.beside:  # (outputs beside the operands, or operands deleted once read)
        beside = bool(
            (rule.stem_suffixes or rule.output_suffix)
            and not spared
            and not (rule.write_opts and any(_vals_in(opts, rule.write_opts)))
        )
        stems = (
            [*rule.stem_suffixes, *(v.value for v in _vals_in(opts, rule.suffix_opts) if v.value)]
            if beside
            else []
        )
        deleting = bool(rule.delete_flags) and (
            any(flag in rule.delete_flags for flag, _ in opts)
            or any(w.value in rule.delete_flags for w in args)
        )
    for i, word in enumerate(pos):
        kind = kinds[i if i < last else last]
        if kind == "none" or word.value == "-" and kind != "script":
            continue  # `-`: standard input or output (a script read from it is judged)
        if kind == "script":
            _run_file(name, word, cmd, a)
            break
        if deleting and kind == "read":  # `zip -m`, `7z a -sdel`: gone once archived
            a.delete(word, cmd.cwd, recursive=True)
            continue
        if kind == "command":  # judged as the command it runs, with its own options
            _unknown_options(name, rule, args, a)
            a.run_argv(command, cmd)
            break
        if kind == "shell_words":  # the words, joined as the shell does, are shell code
            if any(w.value is None for w in command):
                _dynamic_code(Word(None, " ".join(w.text for w in command)), a, name)
            else:
                a.run_script(" ".join(w.value or "" for w in command), cmd.cwd, name)
            break
        if kind == "shell":
            if word.value is None:
                _dynamic_code(word, a, f"{name} operand")
            else:
                a.run_script(word.value, cmd.cwd, f"{name} operand")
        elif kind == "project":
            _inside_workspace(name, word, cmd, a)
        elif spared and kind in ("write", "read"):
            a.read(word, cmd.cwd)
            continue
        elif writing or kind == "write":
            a.write(word, cmd.cwd)
        elif kind == "read":
            a.read(word, cmd.cwd)
        elif kind == "meta":
            a.read_meta(word, cmd.cwd)
        elif kind == "delete":
            a.delete(word, cmd.cwd, recursive=False)
        if beside and word.value is not None and kind in ("write", "read"):
            found = _stems(word.value, stems)
            for stem in found:
                a.write(Word(stem, stem), cmd.cwd)
            if rule.output_suffix and not found:  # a compressed name is not compressed again
                a.write(Word(word.value + rule.output_suffix, word.text), cmd.cwd)


def _run_bare(
    name: str, rule: Program, compiled: _Compiled, args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """`run_program` for an entry with nothing but a tier, positionals, value options
    (those that read, write or name a directory among them), named checks, long options
    taken by their prefixes, `skip_first` and `runs_code`: what `run_program` does for it,
    in its order, without the steps that such an entry cannot take."""
    if rule.long_prefixes:
        args = _whole_long_options(rule, args)
    opts, pos = split_opts(args, compiled.takes)
    if opts and rule.read_opts:
        for value in _vals_in(opts, rule.read_opts):
            a.read(value, cmd.cwd)
    for check in rule.checks:
        CHECKS[check](name, args, cmd, a)
    a.add(rule.tier, rule.what)
    if rule.runs_code:
        runs_project_code(
            f"{name} runs code from the project (tests, build scripts, config, plugins)", cmd, a
        )
    if opts and rule.write_opts:
        for value in _vals_in(opts, rule.write_opts):
            a.write(value, cmd.cwd)
    if opts and rule.dir_opts:
        for value in _vals_in(opts, rule.dir_opts):
            a.write(value, cmd.cwd)
    if rule.skip_first and pos and not _has(opts, *_NO_PATTERN_OPERAND):
        pos = pos[1:]
    kinds, last = compiled.kinds, compiled.last
    cwd = cmd.cwd
    for i, word in enumerate(pos):
        kind = kinds[i if i < last else last]
        if kind == "none" or word.value == "-" and kind != "script":
            continue  # `-`: standard input or output (a script read from it is judged)
        if kind == "read":
            a.read(word, cwd)
        elif kind == "meta":
            a.read_meta(word, cwd)
        elif kind == "write":
            a.write(word, cwd)
        elif kind == "project":
            _inside_workspace(name, word, cmd, a)
        elif kind == "script":
            _run_file(name, word, cmd, a)
            break
        elif kind == "shell":
            if word.value is None:
                _dynamic_code(word, a, f"{name} operand")
            else:
                a.run_script(word.value, cwd, f"{name} operand")
        elif kind == "delete":
            a.delete(word, cwd, recursive=False)


def _inside_workspace(name: str, where: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A project, build file or directory a program works with (`poetry -C DIR`, `dotnet
    test ../x/T.csproj`): the code there runs, so one outside the workspace is asked."""
    if a.place(where, cmd.cwd).zone != "workspace":
        a.add(Tier.HIGH, f"{name} works on {_short(where.text)}, outside the workspace")


def _keyed_reads(name: str, value: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """`--secret id=x,src=PATH`, `--ssh default=PATH`, `--build-context name=DIR`: each
    path is read (keys handed to a build), a URL fetched."""
    if value.value is None:
        a.add(Tier.HIGH, f"{name} reads files named only at run time ({_short(value.text)})")
        return
    for part in value.value.split(","):
        key, eq, path = part.rpartition("=")
        if not eq or key in ("id", "type", "env"):
            continue
        if path.startswith(("docker-image://", "https://", "http://", "git@")):
            a.add(Tier.NETWORK, f"{name} fetches {path}")
        else:
            a.read(Word(path, value.text), cmd.cwd)


def _split(
    rule: Program, compiled: _Compiled, args: list[Word]
) -> tuple[list[tuple[str, Word | None]], list[Word]]:
    """An entry's options and operands, as the program tells them apart."""
    if rule.long_flags:
        return split_long_opts(args, compiled.takes, rule.options_first)
    return split_opts(args, compiled.takes, rule.options_first)


def split_long_opts(
    args: list[Word], takes: Collection[str], stop_at_positional: bool = False
) -> tuple[list[tuple[str, Word | None]], list[Word]]:
    """Options written as whole words with one dash or two (go's and terraform's flags, never
    clustered: `-race`, `-o FILE`, `-toolexec=PROG`, `--o=FILE`), named with one dash."""
    opts: list[tuple[str, Word | None]] = []
    pos: list[Word] = []
    words = iter(args)
    for word in words:
        value = word.value
        if value is None or not value.startswith("-") or value == "-" or pos and stop_at_positional:
            pos.append(word)
            continue
        if value == "--":
            pos.extend(words)
            break
        flag, eq, attached = value.partition("=")
        flag = "-" + flag.lstrip("-")
        if eq:
            opts.append((flag, Word(attached, word.text)))
        elif flag in takes:
            opts.append((flag, next(words, None)))
        else:
            opts.append((flag, None))
    return opts, pos


def _word_findings(
    name: str,
    rule: Program,
    compiled: _Compiled,
    flags: Iterable[str],
    args: list[Word],
    a: Analyzer,
) -> None:
    """The tiers that words set wherever they are (`word_tiers`, `word_patterns`)."""
    for flag in flags if rule.word_tiers else ():
        if flag in rule.word_tiers:
            tier, why = rule.word_tiers[flag]
            a.add(tier, f"{name} {flag} {why}")
    if compiled.patterns and rule.name_opts:
        # the values of `name_opts` are names (`mvn -P release`), not what the patterns judge
        names: list[Word] = []
        skip = False
        for w in args:
            if not skip:
                names.append(w)
            skip = not skip and w.value in rule.name_opts
        args = names
    for pattern, tier, why in compiled.patterns:
        for word in args:
            if word.value is not None and pattern.search(word.value):
                a.add(tier, f"{name} {_short(word.value)} {why}")
                break


# The pid of the shell that runs the command (or of its subshell): known only at run time,
# and always the command's own.
_OWN_PID = frozenset({"$$", "${$}", "$BASHPID", "${BASHPID}"})


def _operand_findings(
    name: str, rule: Program, compiled: _Compiled, pos: list[Word], a: Analyzer
) -> None:
    """Each operand's tier by the first `operand_patterns` expression it matches (`kill
    %1`: a job of this shell), the entry's own for one that matches none (or is only known
    at run time)."""
    plain = False
    for word in pos:
        value = word.value
        if value is None and word.text.strip('"') in _OWN_PID:
            value = "$$"  # the shell's own pid, matched by its name (`kill -9 $$`)
        for pattern, tier, why in compiled.operand_patterns if value is not None else ():
            if pattern.search(value or ""):
                a.add(tier, f"{name} {_short(word.text)} {why}")
                break
        else:
            plain = True
    if plain:
        a.add(rule.tier, rule.what)


def _unknown_options(name: str, rule: Program, args: list[Word], a: Analyzer) -> None:
    """Options before the command an entry runs that the entry does not know
    (`bundle exec --gemfile=FILE rake` loads FILE, which is code)."""
    opts = split_long_opts(args, rule.takes)[0] if rule.long_flags else split_opts(args)[0]
    unknown = [flag for flag, _ in opts if flag not in rule.takes and flag not in rule.plain_flags]
    if unknown:
        a.add(Tier.HIGH, f"{name} {unknown[0]} is an option of unknown effect")


def _operand_at(args: list[Word], takes: frozenset[str]) -> int | None:
    """Where the first operand is (a subcommand), past options and the values they take:
    the first positional `split_opts` would find, without building its lists."""
    i, n = 0, len(args)
    while i < n:
        value = args[i].value
        if value is None or value == "-" or not value.startswith("-"):
            return i
        if value == "--":
            return i + 1 if i + 1 < n else None
        if value in takes:
            i += 1  # its value
        elif not value.startswith("--"):  # `-fVALUE`, or `-xf VALUE`
            for j in range(1, len(value)):
                if "-" + value[j] in takes:
                    i += j == len(value) - 1
                    break
        i += 1
    return None


def _stems(path: str, suffixes: list[str]) -> list[str]:
    """The names a decompressor writes `path` to: without a suffix it strips
    (`gunzip ~/.bashrc.gz` writes `~/.bashrc`; `gunzip -S .bak ~/.bashrc.bak` too)."""
    return list(
        dict.fromkeys(
            path[: -len(s)]
            for s in suffixes
            if path.endswith(s) and len(path) > len(s) and path[-len(s) - 1] != "/"
        )
    )
