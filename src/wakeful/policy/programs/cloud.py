"""Cloud CLIs (the action is the last word; credential-printing forms) and openssl (a
certificate read, a new key written)."""

from __future__ import annotations

import os.path
import re

from wakeful.policy import path_risk
from wakeful.policy.cloud_clis import DEPLOY_BY_DEFAULT, VERB_LAST_CLIS
from wakeful.policy.programs.options import _short
from wakeful.policy.programs.remote import sends_off
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier

_CLOUD_READ = re.compile(
    r"^(describe|list|get|show|ls|search|lookup|head|wait|check|tail|filter|scan|batch-get|"
    r"estimate|validate|view|info|status|version|help|whoami|account)"
)
_CLOUD_SECRET = re.compile(
    r"(?i)(get-secret-value|get-parameters?\b.*decrypt|print-access-token|"
    r"print-identity-token|get-access-token|export-credentials|"
    r"get-session-token|get-login-password|secrets\s+versions\s+access|config-helper|"
    r"keyvault\s+secret\s+show|get-authorization-token|decrypt)"
)


_FILE_URL_VALUE = re.compile(r"^(?:--[\w-]+=)?fileb?://(.*)$")


def h_cloud(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    for word in args:  # `--filter file://PATH`, `--cli-input-json fileb://PATH`: PATH is read
        found = _FILE_URL_VALUE.match(word.value or "")
        if found:
            path = found.group(1)
            path = a.home + path[1:] if path.startswith("~/") else path
            a.read(Word(path, word.text), cmd.cwd)
    words = [w.value or "" for w in args if not (w.value or "").startswith("-")]
    text = " ".join(w.value or "" for w in args)
    if _CLOUD_SECRET.search(text) or (name == "aws" and words[:2] == ["configure", "get"]):
        a.add(Tier.CRITICAL, f"{name} reads secrets or credentials")
        return
    if name == "aws" and words[:1] == ["s3"]:
        op = words[1] if len(words) > 1 else "ls"
        if op == "ls":
            a.add(Tier.READ_ONLY, "lists S3 objects")
            sends_off(f"{name} s3 ls", args, a)
        elif op in ("cp", "sync", "mv") and len(words) >= 4:
            src, dst = words[2], words[3]
            if dst.startswith("s3://"):
                a.add(Tier.HIGH, f"uploads to {dst}")
                if not src.startswith("s3://"):
                    a.read(Word(src, src), cmd.cwd)
            else:
                a.add(Tier.NETWORK, f"downloads from {src}")
                a.write(Word(dst, dst), cmd.cwd)
            if op == "mv" or "--delete" in text:
                a.add(Tier.HIGH, "deletes objects")
        else:
            a.add(Tier.HIGH, f"aws s3 {op} changes cloud storage")
        return
    verbs = words[1:] if name == "aws" else words
    if name == "aws" and len(words) >= 2:
        verbs = [words[1]]
    elif name in VERB_LAST_CLIS:
        verbs = words[-1:] if words else []
        if name == "gsutil":  # gsutil VERB URL...
            verbs = words[:1]
        if name in ("gcloud", "az") and any(
            w in ("list", "describe", "show", "get", "info", "get-iam-policy", "read")
            for w in words
        ):
            verbs = ["list"]
        if (
            name in ("gcloud", "az")
            and any(w in ("config",) for w in words[:1])
            and any(w in ("list", "get", "get-value") for w in words)
        ):
            verbs = ["list"]
    if name == "cdk" and words[:1] and words[0] in _CDK_LOCAL:
        _cdk_local(words[0], args, cmd, a)
        return
    if name in DEPLOY_BY_DEFAULT and not words:
        a.add(Tier.HIGH, f"{name} deploys or changes remote resources by default")
        return
    if not verbs or (verbs and _CLOUD_READ.match(verbs[0])):
        a.add(Tier.READ_ONLY, f"{name} reads cloud state")
        if words[:1] not in (["config"], ["configure"]):  # the rest asks the cloud's API
            sends_off(name, args, a)
    elif name in ("vercel", "netlify", "firebase", "heroku", "flyctl") and verbs[0] in (
        "deploy",
        "publish",
    ):
        a.add(Tier.HIGH, f"{name} deploys")
    else:
        a.add(Tier.HIGH, f"{name} changes cloud resources")


# cdk's commands that run the project's app without asking AWS: synth and ls write the
# templates into cdk.out, context edits cdk.context.json, acknowledge cdk.json.
_CDK_LOCAL = frozenset({"synth", "synthesize", "ls", "list", "context", "acknowledge", "ack"})


def _cdk_local(verb: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    for i, word in enumerate(args):
        value = word.value
        if value is None or value.split("=")[0] in ("-a", "--app", "--plugin", "-p"):
            a.add(Tier.HIGH, f"cdk {verb} runs the program that {_short(word.text)} names")
            return
        if value in ("-o", "--output") and i + 1 < len(args):
            a.write(args[i + 1], cmd.cwd)
        elif value.startswith("--output="):
            a.write(Word(value[9:], word.text), cmd.cwd)
    a.add(Tier.WORKSPACE, f"cdk {verb} runs the project's app (templates written into cdk.out)")
    a.runs_code(f"cdk {verb} runs the project's app")


# Commands whose `-in` is a private key, written out (to standard output or `-out`) unless
# `-noout` or `-pubout` keep it in (`-modulus` and `-check` show nothing secret), and a
# `-text` option prints its parts; pkcs12's `-nokeys` leaves the keys out.
_OPENSSL_KEY_COMMANDS = frozenset({"rsa", "pkey", "ec", "dsa", "pkcs8", "pkcs12"})
# Commands that parse parameters only: a private key given to them is rejected, not printed.
_OPENSSL_PARAM_COMMANDS = frozenset({"pkeyparam", "dhparam", "ecparam"})
# Options that name a private key the command signs or decrypts with (dgst's `-sign` too).
_OPENSSL_KEY_OPTS = frozenset({"-key", "-inkey", "-signkey", "-CAkey", "-keyfile", "-prverify"})


# An option written `-name=value` or `--name=value` (openssl's option parser takes both).
_OPENSSL_OPTION_VALUE = re.compile(r"-([A-Za-z0-9_]+)=(.*)", re.DOTALL)


def _openssl_options(args: list[Word]) -> list[Word]:
    """openssl's options in their one-dash form with their value as the next word: its
    parser takes `--in KEY`, `-in=KEY` and `--in=KEY` as `-in KEY`."""
    out = args[:1]
    for word in args[1:]:
        value = word.value
        if value is None or value == "--" or not value.startswith("-"):
            out.append(word)
            continue
        if not value.startswith("--") and "=" not in value:
            out.append(word)
            continue
        bare = value[1:] if value.startswith("--") else value
        split = _OPENSSL_OPTION_VALUE.fullmatch(bare)
        if split is None:
            out.append(Word(bare, word.text) if bare is not value else word)
        else:
            out += [Word("-" + split.group(1), word.text), Word(split.group(2), word.text)]
    return out


def h_openssl(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = _openssl_options(args)
    values = [w.value or "" for w in args]
    sub = values[0] if values else ""
    if sub == "engine" or {"-engine", "-provider", "-provider-path"} & set(values[1:]):
        a.add(Tier.HIGH, "openssl loads an engine or provider (a shared library it runs)")
    if sub in ("s_server", "s_time") or {"-connect", "-url", "-port", "-accept"} & set(values):
        # a TLS server anyone can reach, a client timing one, an OCSP responder or query
        a.add(Tier.NETWORK, f"openssl {sub} listens for or makes network connections")
    _openssl_keys_and_passwords(sub, values, args, cmd, a)
    if sub in (
        "version",
        "help",
        "list",
        "ciphers",
        "x509",
        "dgst",
        "speed",
        "rand",
        "crl",
        "verify",
        "asn1parse",
        "s_client",
        "base64",
        "enc",
        "sha256",
        "md5",
        "req",
    ):
        for i, v in enumerate(values):
            if v in ("-in",) and i + 1 < len(args):
                place = a.place(args[i + 1], cmd.cwd)
                if (
                    sub in ("x509", "crl", "verify")
                    and place.zone == "secret"
                    and (place.path or "").startswith(a.workspace + "/")
                ):
                    # these parse certificates only: a private key is rejected, not printed
                    a.add(Tier.READ_ONLY, f"reads the certificate {place.label}")
                else:
                    a.read(args[i + 1], cmd.cwd)
            if v in ("-out", "-keyout") and i + 1 < len(args):
                _openssl_output(args[i + 1], cmd, a)
        a.add(Tier.NETWORK if sub == "s_client" else Tier.READ_ONLY, f"openssl {sub}")
    else:
        for i, v in enumerate(values):
            if v in ("-in",) and i + 1 < len(args):
                _openssl_key_input(sub, values, args, i + 1, cmd, a)
            if v in ("-out", "-keyout") and i + 1 < len(args):
                _openssl_output(args[i + 1], cmd, a)
        if (sub in _OPENSSL_KEY_COMMANDS or sub in _OPENSSL_PARAM_COMMANDS) and not {
            "-out",
            "-keyout",
            "-genkey",
        } & set(values):
            # what they make goes to standard output: a key read is judged above
            a.add(Tier.READ_ONLY, f"openssl {sub} prints a key's or parameters' details")
        else:
            a.add(Tier.WORKSPACE, f"openssl {sub} works with keys or certificates")


def _openssl_keys_and_passwords(
    sub: str, values: list[str], args: list[Word], cmd: SimpleCommand, a: Analyzer
) -> None:
    """The private keys a command signs or decrypts with, and the files its passwords come
    from (`-passin file:PATH`): a key in the workspace is the project's, used without being
    shown; any other is read as what it is."""
    for i, v in enumerate(values[:-1]):
        key_opt = v in _OPENSSL_KEY_OPTS or (v == "-sign" and sub == "dgst")
        if key_opt:
            place = a.place(args[i + 1], cmd.cwd)
            if place.zone == "secret" and (place.path or "").startswith(a.workspace + "/"):
                a.add(Tier.READ_ONLY, f"signs or decrypts with the project's key {place.label}")
            else:
                a.read(args[i + 1], cmd.cwd)
        elif v in ("-passin", "-passout") and values[i + 1].startswith("file:"):
            a.read(Word(values[i + 1][len("file:") :], args[i + 1].text), cmd.cwd)
        elif v in ("-passin", "-passout") and args[i + 1].value is None:
            a.add(Tier.HIGH, f"openssl {v} takes its password from a source known at run time")


def _openssl_key_input(
    sub: str, values: list[str], args: list[Word], at: int, cmd: SimpleCommand, a: Analyzer
) -> None:
    """`-in` of a command that works with keys. A private key in the workspace stays unseen
    when the command prints nothing of it (`rsa -noout -modulus`), only its public part
    (`-pubout`), rejects it (`-pubin`, the parameter commands), or copies it into a new file
    named as a key in the workspace, which is guarded as the key itself is; otherwise the
    key is read as the secret it is."""
    place = a.place(args[at], cmd.cwd)
    if not (place.zone == "secret" and (place.path or "").startswith(a.workspace + "/")):
        a.read(args[at], cmd.cwd)
        return
    shown = ("-text", "-text_pub", "-info")
    if sub in _OPENSSL_PARAM_COMMANDS or (
        "-pubin" in values and sub in _OPENSSL_KEY_COMMANDS and sub != "pkcs12"
    ):
        a.add(Tier.READ_ONLY, f"reads only public data from {place.label} (a key is rejected)")
        return
    if sub not in _OPENSSL_KEY_COMMANDS or any(v in shown for v in values):
        a.read(args[at], cmd.cwd)
        return
    if "-noout" in values or "-pubout" in values or (sub == "pkcs12" and "-nokeys" in values):
        a.add(Tier.READ_ONLY, f"reads {place.label} and shows only its public part")
        return
    out = values.index("-out") + 1 if "-out" in values else 0
    if out and out < len(args) and _new_key_file(args[out], cmd, a):
        a.add(Tier.READ_ONLY, f"reads {place.label} into a new key file")
        return
    a.read(args[at], cmd.cwd)


def _new_key_file(target: Word, cmd: SimpleCommand, a: Analyzer) -> bool:
    """Whether the file is a new one named as a key or certificate in a plain workspace
    directory (`build/key.pem`): what is written there is guarded as a key is."""
    place = a.place(target, cmd.cwd)
    path = place.path
    if place.zone != "secret" or path is None or os.path.lexists(path):
        return False
    folder = a.place(os.path.dirname(path), None)
    return folder.zone == "workspace" and not path_risk.is_secret(folder.path or "/", a.home)


def _openssl_output(target: Word, cmd: SimpleCommand, a: Analyzer) -> None:
    """A key or certificate that openssl creates: a new file with a credential's name
    (`build/key.pem`) in a plain workspace directory is a workspace write; anything that
    exists already, or lies elsewhere (~/.ssh, .wakeful/, a directory linked out of the
    workspace), is judged as any write there."""
    if _new_key_file(target, cmd, a):
        a.add(Tier.WORKSPACE, f"writes the new key or certificate {a.place(target, cmd.cwd).label}")
        return
    a.write(target, cmd.cwd)
