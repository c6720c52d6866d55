"""Network programs: ssh/mosh (the remote command), scp, curl (uploads, outputs, piping
into a shell), nc/socat/telnet."""

from __future__ import annotations

import re

from wakeful.policy.programs.options import _SECRET_ENV_READERS, _has, _short, _v, _vals, split_opts
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_H_SSH_RE = re.compile(r"(?i)(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand)")


def h_ssh(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-i",
            "-p",
            "-l",
            "-o",
            "-F",
            "-L",
            "-R",
            "-D",
            "-J",
            "-W",
            "-b",
            "-c",
            "-e",
            "-E",
            "-m",
            "-O",
            "-Q",
            "-S",
            "-w",
            "-B",
            "-I",
        ),
        stop_at_positional=True,
    )
    for key in _vals(opts, "-o"):
        if key.value and _H_SSH_RE.match(key.value):
            a.add(Tier.HIGH, f"ssh runs a local command ({key.value.split('=')[0]})")
    if _has(opts, "-G") and not _has(opts, "-F", "-o") and len(pos) <= 1:
        # `ssh -G HOST` prints the configuration it would use and connects to nothing
        a.add(Tier.READ_ONLY, "ssh -G prints the configuration for a host")
        return
    if _has(opts, "-R", "-D", "-L", "-w"):
        a.add(Tier.HIGH, "opens a network tunnel")
    if len(pos) > 1:
        remote = " ".join(w.value or w.text for w in pos[1:])
        a.add(Tier.HIGH, f"runs `{_short(remote)}` on the remote host {pos[0].value}")
        sub = Analyzer(a.workspace, "/nonexistent-remote-home", a.depth + 1)
        from wakeful.policy.shell import analyze

        analyze(remote, sub, cwd=None, depth=a.depth + 1)
        if sub.tier() == Tier.CRITICAL:
            a.add(Tier.CRITICAL, "the remote command is destructive or reads credentials")
        return
    a.add(Tier.HIGH, "opens a remote shell")


_H_SCP_RE = re.compile(r"^[\w.@-]+:")


def h_scp(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args, ("-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J"))
    if len(pos) < 2:
        a.add(Tier.HIGH, f"{name} without a destination")
        return
    remote = [w for w in pos if w.value and _H_SCP_RE.match(w.value)]
    sources, dest = pos[:-1], pos[-1]
    for src in sources:
        if src not in remote:
            a.read(src, cmd.cwd)
        else:
            a.add(Tier.NETWORK, f"downloads {src.value}")
    if dest in remote:
        a.add(Tier.HIGH, f"uploads files to {dest.value}")
        for src in sources:
            if src not in remote and a.place(src, cmd.cwd).zone == "secret":
                a.add(
                    Tier.CRITICAL,
                    f"sends credentials {src.value} to another machine (exfiltration)",
                )
    else:
        a.write(dest, cmd.cwd)


def _upstream_secret(cmd: SimpleCommand, a: Analyzer) -> str | None:
    for up in cmd.upstream:
        if up.name in _SECRET_ENV_READERS and len(up.argv) <= 2:
            return f"the environment (`{up.text}`)"
        for w in up.argv[1:]:
            if w.value and a.place(w, up.cwd).zone == "secret":
                return w.value
    return None


def h_curl(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    value_opts = (
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "--form-string",
        "-T",
        "--upload-file",
        "-X",
        "--request",
        "-o",
        "--output",
        "-H",
        "--header",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-K",
        "--config",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "--json",
        "-w",
        "--write-out",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-x",
        "--proxy",
        "--retry",
        "-E",
        "--cert",
        "--key",
        "--cacert",
        "-r",
        "--range",
        "-z",
        "--time-cond",
        "-U",
        "--proxy-user",
        "--resolve",
        "--url",
        "-Q",
        "--quote",
        "--limit-rate",
        "-D",
        "--dump-header",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--output-dir",
    )
    opts, pos = split_opts(args, value_opts)
    if name in ("xh", "http", "https") and _has(opts, "--offline", "--curl", "--curl-long"):
        # builds the request and prints it (or the curl command), sending nothing; an output
        # file is still written
        a.add(Tier.READ_ONLY, f"{name} prints the request without sending it")
        for out in _vals(opts, "-o", "--output"):
            a.write(out, cmd.cwd)
        return
    a.add(Tier.NETWORK, "fetches from the network")
    uploads = _vals(
        opts,
        "-d",
        "--data",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "-T",
        "--upload-file",
        "--json",
    )
    method = [(_v(m)).upper() for m in _vals(opts, "-X", "--request")]
    if uploads or any(m in ("POST", "PUT", "DELETE", "PATCH") for m in method):
        a.add(Tier.HIGH, "sends data to a remote server")
    for up in uploads:
        text = up.value or ""
        ref = text.split("=", 1)[-1] if "=@" in text or "=<" in text else text
        if ref.startswith(("@", "<")):
            src = ref[1:].split(";")[0]
            if src == "-":
                secret = _upstream_secret(cmd, a)
                if secret:
                    a.add(Tier.CRITICAL, f"uploads {secret} to the network (exfiltration)")
            else:
                place = a.place(src, cmd.cwd)
                if place.zone == "secret":
                    a.add(Tier.CRITICAL, f"uploads credentials {src} (exfiltration)")
                else:
                    a.read(Word(src, src), cmd.cwd)
        elif up.value is None and ("$(" in up.text or "`" in up.text):
            a.add(Tier.HIGH, "uploads the output of a command")
    for f in _vals(
        opts,
        "-o",
        "--output",
        "-c",
        "--cookie-jar",
        "-D",
        "--dump-header",
        "--trace",
        "--trace-ascii",
        "--stderr",
    ):
        if f.value != "-":
            a.write(f, cmd.cwd)
    for f in _vals(opts, "-K", "--config", "-E", "--cert", "--key"):
        a.read(f, cmd.cwd)
    if _has(opts, "-O", "--remote-name", "--remote-name-all", "-J"):
        a.write(Word("download", "-O"), cmd.cwd)
    if any(_v(u).startswith("file:") for u in pos):
        for u in pos:
            if _v(u).startswith("file://"):
                a.read(Word(_v(u)[7:], u.text), cmd.cwd)


_H_NETCAT_RE = re.compile(r"(?i)\b(exec|system):")


def h_netcat(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    values = [w.value or "" for w in args]
    if any(
        v in ("-e", "-c", "--exec", "--sh-exec", "--lua-exec") or v.startswith("-e") for v in values
    ) or (name == "socat" and any(_H_NETCAT_RE.search(v) for v in values)):
        a.add(Tier.CRITICAL, f"{name} connects a shell to the network (reverse or bind shell)")
        return
    if cmd.upstream or any(r.op == "<" for r in cmd.redirects):
        secret = _upstream_secret(cmd, a)
        a.add(
            Tier.CRITICAL if secret else Tier.HIGH,
            f"sends {secret or 'data'} over a raw network connection",
        )
        return
    a.add(Tier.HIGH, f"{name} opens a raw network connection")
