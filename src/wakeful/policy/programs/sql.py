"""SQL clients: the query text is read (what it reads, writes or wipes, and sqlite's dot
commands)."""

from __future__ import annotations

import re

from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs.inline import _dynamic_code, _echo_text, _run_file, _stdin_source
from wakeful.policy.programs.options import _short, _vals, split_opts
from wakeful.policy.programs.tables import _SQL_READ, _SQL_WIPE, _SQLITE_DOT_READ
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_SQL_FILE_CALL = re.compile(
    r"(?i)\b(readfile|writefile|edit|load_extension|fts3_tokenizer|read_csv\w*|read_parquet|"
    r"read_json\w*|read_text|read_blob|read_ndjson\w*|glob)\s*\(\s*(?:'([^']*)'|\"([^\"]*)\")?"
)
_SQL_FILE_CLAUSE = re.compile(
    r"(?i)\b(attach(?:\s+database)?|vacuum\s+into|copy\b[^;]*?\bto|copy\b[^;]*?\bfrom|"
    r"export\s+database|import\s+database)\s+(?:'([^']*)'|\"([^\"]*)\"|(program)\b)?"
)


_SQLITE_SIDE_EFFECTS_RE = re.compile(r"(?i)^\s*(install|load)\s+\w+", re.M)


def _sqlite_side_effects(text: str, cmd: SimpleCommand, a: Analyzer) -> None:
    """What a local SQL engine (sqlite3, duckdb) does beyond its database file: dot-commands
    that run shell code or write files, and file functions and clauses in SQL."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("."):
            continue
        verb, _, rest = stripped[1:].partition(" ")
        rest = rest.strip()
        if verb in _SQLITE_DOT_READ:
            continue
        if verb in ("shell", "system"):
            a.add(Tier.HIGH, f"runs shell commands from inside the database shell (.{verb})")
            a.run_script(rest, cmd.cwd, f".{verb}")
        elif verb in ("output", "once", "log", "save", "backup", "open", "clone", "excel"):
            words = rest.replace("'", " ").replace('"', " ").split()
            target = rest.strip("'\"") if words else ""
            if verb == "excel" or any(w.startswith(("-", "|")) for w in words):
                a.add(Tier.HIGH, f".{verb} {rest} opens another program")
            elif target and target not in ("stdout", "stderr", "off"):
                a.write(Word(target.strip("'\""), target), cmd.cwd)
        elif verb in ("import", "read"):
            source = rest.split()[0] if rest.split() else ""
            if source.startswith("|"):
                a.add(Tier.HIGH, f".{verb} runs a program")
            elif source and verb == "read":
                # `.read FILE` runs the statements and dot-commands in FILE
                _run_file(".read", Word(source.strip("'\""), source), cmd, a)
            elif source:
                a.read(Word(source.strip("'\""), source), cmd.cwd)
        else:
            a.add(Tier.HIGH, f"runs the database shell command .{verb}, whose effects are unknown")
    for match in _SQL_FILE_CALL.finditer(text):
        func = match.group(1).lower()
        path = match.group(2) if match.group(2) is not None else match.group(3)
        if func in ("edit", "load_extension", "fts3_tokenizer"):
            a.add(Tier.HIGH, f"{func}() runs or loads another program")
        elif path is None:
            a.add(Tier.HIGH, f"{func}() names a file only known at run time")
        elif func == "writefile":
            a.write(Word(path, path), cmd.cwd)
        else:
            a.read(Word(path, path), cmd.cwd)
    for match in _SQL_FILE_CLAUSE.finditer(text):
        clause = match.group(1).lower()
        path = match.group(2) if match.group(2) is not None else match.group(3)
        if match.group(4):
            a.add(Tier.HIGH, f"{clause} program runs a shell command")
        elif path is None:
            a.add(Tier.HIGH, f"{clause} names a file only known at run time")
        elif clause.startswith(("copy", "import")) and not clause.endswith("to"):
            a.read(Word(path, path), cmd.cwd)
        else:
            a.write(Word(path, path), cmd.cwd)
    if _SQLITE_SIDE_EFFECTS_RE.search(text):
        a.add(Tier.HIGH, "installs or loads a database extension")


def _is_local_name(name: str) -> bool:
    host = name.strip("[]").lower()
    return (
        host in ("localhost", "ip6-localhost", "ip6-loopback", "::1")
        or host.endswith(".localhost")
        or host.startswith("127.")
    )


# A database URI's host: `postgresql://user@db.internal:5432/app`, `mongodb+srv://...`
_DATABASE_URI = re.compile(
    r"^(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|clickhouse)://"
    r"(?:[^@/?]*@)?(\[[^\]]*\]|[^:/?,]*)"
)


_DATABASE_HOST_RE = re.compile(r"(?:^|\s)host=([^\s]+)")


def database_host(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    """A database client given another machine (`-h db.internal`, `--host=10.0.0.5`, a
    URI, a `host=` connection string) reads or changes a database over the network; a
    loopback address or a socket directory is this machine."""
    takes = PROGRAMS[name].takes if name in PROGRAMS else frozenset()
    opts, pos = split_opts(args, takes | {"-h", "--host"})
    host_opts = ("--host",) if name in ("mongo", "mongosh") else ("-h", "--host")
    hosts = [w.value for w in _vals(opts, *host_opts)]
    for word in pos:
        text = word.value or ""
        found = _DATABASE_URI.match(text)
        if found:
            hosts.append(found.group(1))
        hosts += _DATABASE_HOST_RE.findall(text)
    for host in hosts:
        if host is None or host and not host.startswith("/") and not _is_local_name(host):
            where = host or "a host only known at run time"
            a.add(Tier.NETWORK, f"{name} works with a database on {where}")
            return


_SQLITE_FILE_URI_PREFIX = re.compile(r"^file:(?://(?:localhost)?(?=/))?")
_MONGO_WRITE_WORD = re.compile(
    r"(?i)\b(drop|remove|delete|update|insert|replace|rename|create|"
    r"shutdown|eval|bulkWrite|findAndModify|findOneAnd)"
)


def _sqlite_stdin(name: str, cmd: SimpleCommand, a: Analyzer) -> str | None:
    """The statements and dot-commands a local SQL shell reads from standard input, which
    can run programs (`.shell`, `.system`) as a file given to `.read` can: a here-document
    or literal `echo`/`printf` text is returned to be judged; a file is judged as `.read`
    judges one; input another program computes is code only known at run time."""
    body, _ = _stdin_source(cmd)
    if body is not None:
        return body
    for redirect in cmd.redirects:
        if redirect.op == "<" and redirect.target is not None:
            _run_file(".read", redirect.target, cmd, a)
            return None
    upstream = cmd.upstream
    if not upstream:
        return None
    if len(upstream) == 1 and upstream[0].name in ("echo", "printf"):
        text = _echo_text(upstream[0])
        if text is not None:
            return text
    elif len(upstream) == 1 and upstream[0].name == "cat" and len(upstream[0].argv) == 2:
        _run_file(".read", upstream[0].argv[1], cmd, a)
        return None
    a.add(
        Tier.HIGH,
        f"{name} runs the statements and dot-commands piped in from `{_short(upstream[-1].text)}`"
        " (.shell and .system run programs)",
    )
    return None


# psql's options that name where results go: a file, or `|COMMAND` that psql runs.
_PSQL_OUTPUT_OPTS = ("-o", "--output", "-L", "--log-file")


def h_sql(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    flags = {
        "psql": ("-c", "--command"),
        "mysql": ("-e", "--execute"),
        "mariadb": ("-e", "--execute"),
        "sqlite3": ("-cmd",),
        "duckdb": ("-c", "-cmd"),
        "clickhouse-client": ("-q", "--query"),
        "cockroach": ("-e",),
        "mongo": ("--eval",),
        "mongosh": ("--eval",),
        "redis-cli": (),
        "sqlcmd": ("-Q", "-q"),
    }.get(name, ())
    opts, pos = split_opts(
        args,
        flags
        + (
            "-h",
            "-p",
            "-U",
            "-d",
            "-u",
            "-P",
            "-f",
            "--file",
            "--host",
            "--port",
            "-n",
            "-a",
            "--user",
            "-D",
            "--database",
            "-S",
            "-init",
            "-separator",
            "-newline",
            "-nullvalue",
            "-cmd",
            "--pager",
            "--tee",
        )
        + _PSQL_OUTPUT_OPTS * (name == "psql"),
    )
    if name == "psql":
        for out in _vals(opts, "-o", "--output"):
            # `-o '|COMMAND'`: psql pipes every result to the command
            if out.value is not None and out.value.startswith("|"):
                a.run_script(out.value[1:], cmd.cwd, "psql -o")
            elif out.value is None and out.text.lstrip("'\"").startswith("|"):
                _dynamic_code(out, a, "psql -o")
            else:
                a.write(out, cmd.cwd)
        for log in _vals(opts, "-L", "--log-file"):
            a.write(log, cmd.cwd)
    for pager in _vals(opts, "--pager"):
        # mysql/mariadb pipe every result through this command
        if pager.value is None:
            _dynamic_code(pager, a, f"{name} --pager")
        else:
            a.run_script(pager.value, cmd.cwd, f"{name} --pager")
    for out in _vals(opts, "--tee"):
        a.write(out, cmd.cwd)
    for w in args:
        # mysql/mariadb option files: credentials, and a `pager` the client runs
        flag, eq, value = (w.value or "").partition("=")
        if eq and flag in ("--defaults-file", "--defaults-extra-file", "--login-path-file"):
            option_file = Word(value, w.text)
            a.read(option_file, cmd.cwd)
            if a.place(option_file, cmd.cwd).zone != "workspace":
                a.add(Tier.HIGH, f"{name} takes its options and credentials from {value}")
    queries = [w.value for w in _vals(opts, *flags)]
    local_file = False
    if name not in ("sqlite3", "duckdb"):
        database_host(name, args, cmd, a)
    if name in ("sqlite3", "duckdb"):
        db = pos[0] if pos else None
        if db is not None and db.value is not None and db.value.startswith("file:"):
            # a URI file name (`file:PATH?mode=ro`, `file:///PATH`) opens PATH
            path = _SQLITE_FILE_URI_PREFIX.sub("", db.value)
            db = Word(path.split("?")[0].split("#")[0], db.text)
        queries += [w.value for w in pos[1:]]
        for init in _vals(opts, "-init"):
            a.read(init, cmd.cwd)
            a.add(Tier.HIGH, f"{name} -init runs the statements in {init.value or 'a file'}")
        if not queries:
            body = _sqlite_stdin(name, cmd, a)
            if body is not None:
                queries.append(body)
        for q in queries:
            if q is not None:
                _sqlite_side_effects(q, cmd, a)
        if db is not None and a.place(db, cmd.cwd).zone in ("workspace", "scratch"):
            local_file = True
        elif db is not None:
            a.read(db, cmd.cwd)
    elif not queries and name in ("psql", "mysql", "mariadb", "clickhouse-client"):
        body, _ = _stdin_source(cmd)
        if body is not None:
            queries.append(body)
    if name == "redis-cli":
        rest = [w.value or "" for w in pos]
        if rest and rest[0].upper() in (
            "GET",
            "KEYS",
            "INFO",
            "PING",
            "SCAN",
            "TTL",
            "TYPE",
            "EXISTS",
            "HGET",
            "HGETALL",
            "LRANGE",
            "SMEMBERS",
            "DBSIZE",
            "MONITOR-NO",
            "LLEN",
            "STRLEN",
            "MGET",
        ):
            a.add(Tier.READ_ONLY, "reads a Redis database")
        else:
            a.add(Tier.HIGH, "changes or opens a Redis database")
        return
    if _vals(opts, "-f", "--file"):
        a.add(Tier.HIGH if not local_file else Tier.WORKSPACE, f"{name} runs SQL from a file")
        return
    if not queries:
        a.add(Tier.WORKSPACE if local_file else Tier.HIGH, f"opens an interactive {name} session")
        return
    for q in queries:
        if q is None:
            a.add(Tier.HIGH, "runs a query only known at run time")
        elif name in ("mongo", "mongosh"):
            if _MONGO_WRITE_WORD.search(q):
                a.add(Tier.HIGH, "changes a MongoDB database")
            else:
                a.add(Tier.READ_ONLY, "queries a MongoDB database")
        elif all(_SQL_READ.match(part) for part in q.split(";") if part.strip()):
            a.add(Tier.READ_ONLY, "runs a read-only query")
        elif local_file and any(_SQL_WIPE.match(part) for part in q.split(";")):
            a.add(Tier.HIGH, f"drops or empties tables, even in a local database ({_short(q)})")
        else:
            a.add(Tier.WORKSPACE if local_file else Tier.HIGH, f"changes a database ({_short(q)})")
