"""Files and archives: rm, cp/mv/install, ln, rsync, chmod/chown/chattr and tar (mode
letters and targets)."""

from __future__ import annotations

import os.path
import re

from wakeful.policy import path_risk
from wakeful.policy.programs.entries import _COPY_LONG, _TAR_LONG, expand_long
from wakeful.policy.programs.find import STDIN_FILES, listed_in_file, read_listed
from wakeful.policy.programs.options import _has, _max, _vals, split_opts
from wakeful.policy.shell import Analyzer
from wakeful.policy.shell_parse import SimpleCommand, Word
from wakeful.policy.types import Tier


def h_rm(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(args)
    recursive = _has(opts, "-r", "-R", "--recursive", "-d", "--dir")
    if _has(opts, "--no-preserve-root"):
        a.add(Tier.CRITICAL, "disables the root-directory safeguard (--no-preserve-root)")
    if not pos:
        a.add(Tier.READ_ONLY, "rm without operands")
        return
    for target in pos:
        a.delete(target, cmd.cwd, recursive)


_INSTALL_SETID_MODE = re.compile(r"[ugoa]*[+=][rwxXt]*s|^[2-7][0-7]{3}$")


def h_copy_move(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _COPY_LONG)
    opts, pos = split_opts(
        args,
        (
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
            "-m",
            "-o",
            "-g",
            "--mode",
            "--owner",
            "--group",
            "--backup",
        ),
    )
    for mode in _vals(opts, "-m", "--mode"):
        if _INSTALL_SETID_MODE.search(mode.value or ""):
            a.add(Tier.CRITICAL, f"installs with the setuid/setgid bit ({mode.value})")
        elif _others_write(mode.value or ""):
            a.add(Tier.HIGH, f"installs files every user may write ({mode.value})")
    if name == "install" and _has(opts, "-d", "--directory"):
        # `install -d DIR...` creates every operand as a directory
        for made in pos:
            a.write(made, cmd.cwd)
        if not pos:
            a.add(Tier.WORKSPACE, "install -d with no operand")
        return
    target_dir = _vals(opts, "-t", "--target-directory")
    if target_dir:
        sources, dest = pos, target_dir[0]
    elif len(pos) >= 2:
        sources, dest = pos[:-1], pos[-1]
    else:
        a.add(Tier.WORKSPACE, f"{name} with a single operand")
        return
    for src in sources:
        if name == "mv":
            a.delete(src, cmd.cwd, recursive=True)
            # what is moved can be read under its new name: a Read rule for it holds here
            moved = a.place(src, cmd.cwd).path
            if moved is not None:
                a.touched.append((False, moved))
        else:
            a.read(src, cmd.cwd)
    dest_place = a.place(dest, cmd.cwd)
    if (
        name == "cp"
        and dest_place.zone == "secret"
        and dest_place.path is not None
        and dest_place.path.startswith(a.workspace + "/")
        and all(path_risk.is_template(os.path.basename(s.value or "")) for s in sources)
        and all(a.place(s, cmd.cwd).zone == "workspace" for s in sources)
        and (
            path_risk.new_env_file(dest_place.path, a.workspace)
            or _has(opts, "-n", "--no-clobber", "--update=none")
        )
    ):
        # `cp .env.example .env`: the project's own template, set up inside the project
        # (a .env that exists already would be lost: its credentials are in no checkout).
        a.add(Tier.WORKSPACE, f"creates {dest.value} from the project's template")
    else:
        a.write(dest, cmd.cwd)
    if name == "mv" and a.place(dest, cmd.cwd).zone == "harmless":
        a.add(Tier.HIGH, f"moves files onto {dest.value}, destroying them")


def _holds_persistence(path: str, home: str) -> bool:
    """Whether a directory in home holds files that run code later (~/.config holds
    ~/.config/autostart, ~/.config/wakeful ...)."""
    from wakeful.policy.path_risk import home_persist_bases

    prefix = path.rstrip("/") + "/"
    return any(base.startswith(prefix) for base in home_persist_bases(home))


def h_ln(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _COPY_LONG)
    opts, pos = split_opts(args, ("-t", "--target-directory", "-S", "--suffix"))
    a.add(Tier.WORKSPACE, "creates links")
    sources = pos if _vals(opts, "-t", "--target-directory") else pos[:-1] if len(pos) >= 2 else pos
    symbolic = any(f == "--symbolic" or f[:2] != "--" and "s" in f for f, _ in opts)
    for source in sources:
        place = a.code_place(a.place(source, cmd.cwd))
        if not symbolic and place.path is not None:
            # a hard link is the file itself under another name (a symbolic one is followed
            # when used): Read and Edit rules for the file hold for making it
            a.touched += [(False, place.path), (True, place.path)]
        if place.zone == "secret":
            a.add(
                Tier.HIGH, f"links to the credential {place.label}, exposing it under another name"
            )
        elif (
            symbolic
            and place.path is not None
            and place.zone not in ("workspace", "scratch")
            and (held := path_risk.credential_held_below(place.path, a.home)) is not None
        ):
            # the rest of the line (or a later command) reads through the link
            a.add(
                Tier.HIGH,
                f"links to {place.label}, which holds the credential {held}, exposing it "
                "under another name",
            )
        elif (
            place.zone in ("protected", "git_internal", "persist")
            or place.is_home
            or (place.zone == "home" and _holds_persistence(place.path or "", a.home))
            or place.contains_workspace
            or place.path == os.path.join(a.workspace, ".git")
        ):
            # A later command (or the rest of this one) writes through the link.
            a.add(
                Tier.HIGH,
                f"links to {place.label}: writes through the link would change protected "
                "files or the home directory",
            )
    target_dir = _vals(opts, "-t", "--target-directory")
    if target_dir:
        a.write(target_dir[0], cmd.cwd)
    elif len(pos) >= 2:
        a.write(pos[-1], cmd.cwd)
    elif pos:
        a.write(Word(os.path.basename(pos[0].value or "") or None, pos[0].text), cmd.cwd)


_REMOTE_OPERAND = re.compile(r"^[\w.@-]+:")


# rsync's options that name a file or directory it writes (`--backup-dir` with -b, the
# partial and batch files) or reads (the trees `--compare-dest`, `--copy-dest` and
# `--link-dest` copy or hard-link unchanged files from), and its other options that take
# a value (so that the value is not taken for a source).
_RSYNC_WRITE_OPTS = ("--backup-dir", "--partial-dir", "--write-batch", "--only-write-batch")
_RSYNC_READ_OPTS = ("--compare-dest", "--copy-dest", "--link-dest", "--read-batch", "--early-input")
# ... of which a relative directory is relative to the destination
_RSYNC_BELOW_DEST = frozenset(
    {"--backup-dir", "--partial-dir", "--compare-dest", "--copy-dest", "--link-dest"}
)
_RSYNC_VALUE_OPTS = (
    *("--max-size", "--min-size", "--bwlimit", "--modify-window", "--usermap", "--groupmap"),
    *("--chown", "--iconv", "--checksum-choice", "--cc", "--compress-choice", "--zc"),
    *("--compress-level", "--zl", "--skip-compress", "--contimeout", "--sockopts"),
    *("--outbuf", "-B", "--block-size", "--max-delete", "--stop-after", "--stop-at"),
    *("--out-format", "--log-file-format", "--info", "--debug", "-M", "--remote-option"),
    *("--address", "--protocol", "--max-alloc"),
)


def h_rsync(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    opts, pos = split_opts(
        args,
        (
            "-e",
            "--rsh",
            "--exclude",
            "--include",
            "--filter",
            "--exclude-from",
            "--include-from",
            "-f",
            "--chmod",
            "--rsync-path",
            "--password-file",
            "--port",
            "--timeout",
            "--backup-dir",
            "--suffix",
            "-T",
            "--temp-dir",
            "--log-file",
            "--files-from",
            *_RSYNC_WRITE_OPTS,
            *_RSYNC_READ_OPTS,
            *_RSYNC_VALUE_OPTS,
        ),
    )
    if _has(opts, "--daemon"):
        a.add(Tier.HIGH, "rsync --daemon serves files to whoever connects")
    for shell in _vals(opts, "-e", "--rsh", "--rsync-path"):
        if shell.value and shell.value.split()[0] not in ("ssh",):
            a.add(Tier.HIGH, f"runs a custom remote shell `{shell.value}`")
    # files it writes or reads besides its operands: backups, partial and temporary files,
    # its log and batch files, and the trees it compares with or copies and links from
    dest_dir = pos[-1].value if len(pos) >= 2 else None
    if dest_dir is not None and _REMOTE_OPERAND.match(dest_dir):
        dest_dir = None
    for flag, path in opts:
        if path is None or not (flag in _RSYNC_WRITE_OPTS or flag in _RSYNC_READ_OPTS):
            continue
        if flag in _RSYNC_BELOW_DEST and path.value and not path.value.startswith(("/", "~")):
            if dest_dir is None:
                continue  # below a remote destination, or one only known at run time
            path = Word(os.path.join(dest_dir, path.value), path.text)
        a.write(path, cmd.cwd) if flag in _RSYNC_WRITE_OPTS else a.read(path, cmd.cwd)
    for path in _vals(opts, "-T", "--temp-dir", "--log-file"):
        a.write(path, cmd.cwd)
    for path in _vals(opts, "--password-file"):
        a.read(path, cmd.cwd)
    if len(pos) < 2:
        a.add(Tier.READ_ONLY, "lists files") if pos else a.add(Tier.WORKSPACE, "rsync")
        return
    sources, dest = pos[:-1], pos[-1]
    remote = [w for w in pos if w.value and _REMOTE_OPERAND.match(w.value)]
    listed = _vals(opts, "--files-from")
    for src in sources:
        if src in remote:
            a.add(Tier.NETWORK, f"downloads from {src.value}")
        else:
            a.read(src, cmd.cwd)
            for names in listed:  # the files it lists, below each source
                if names.value in STDIN_FILES:
                    read_listed(cmd, a, src.value)
                elif names.value is None or not _REMOTE_OPERAND.match(names.value):
                    a.read(names, cmd.cwd)
                    for item in listed_in_file(names, cmd, a) or [] if names.value else []:
                        # the files the list names, below the source
                        name = (item.value or "").lstrip("/")
                        a.read(Word(os.path.join(src.value or "", name), item.text), cmd.cwd)
    if dest in remote:
        a.add(Tier.HIGH, f"uploads to the remote {dest.value}")
    else:
        a.write(dest, cmd.cwd)
    if _has(
        opts,
        "--delete",
        "--delete-before",
        "--delete-after",
        "--delete-during",
        "--remove-source-files",
        "--delete-excluded",
    ):
        tier, msg = (Tier.HIGH, "deletes files at the destination (--delete)")
        if dest not in remote:
            a.delete(dest, cmd.cwd, recursive=True)  # what it may delete there
            place = a.place(dest, cmd.cwd)
            if place.zone in ("workspace", "scratch") and not place.is_workspace:
                tier = Tier.WORKSPACE
        a.add(tier, msg)


_SETFACL_SPECS = ("-m", "--modify", "--set", "-x", "--remove")
_SETFACL_FILES = ("-M", "--modify-file", "-X", "--remove-file", "--set-file", "--restore")
# an ACL entry that gives a named user or group, or everyone, some access
_ACL_GRANT = re.compile(
    r"^(?:d(?:efault)?:)?(?:(?:u(?:ser)?|g(?:roup)?):[^:]+|o(?:ther)?:?):[^:]*[rwxX]"
)


def _setfacl(args: list[Word], cmd: SimpleCommand, a: Analyzer) -> tuple[bool, bool, list[Word]]:
    """setfacl: whether its entries grant other users access, whether it recurses, and the
    files it changes."""
    opts, pos = split_opts(args, _SETFACL_SPECS + _SETFACL_FILES)
    if _vals(opts, *_SETFACL_FILES):
        a.add(Tier.HIGH, "setfacl applies access entries read from a file")
    grants = False
    for spec in _vals(opts, "-m", "--modify", "--set"):
        if spec.value is None or any(_ACL_GRANT.match(e) for e in spec.value.split(",")):
            grants = True
    return grants, _has(opts, "-R", "--recursive"), pos


_SETID_MODE = re.compile(r"[ugoa]*[+=][rwxXt]*s|^[4-7][0-7]{3}$")


def h_chmod(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    if name == "setfacl":
        grants, recursive, targets = _setfacl(args, cmd, a)
        if grants:
            a.add(Tier.HIGH, "setfacl grants another user, group or everyone access")
        _permission_targets(name, targets, recursive, "", cmd, a)
        return
    if name == "chmod":
        args = _dash_mode_last(args)
    opts, pos = split_opts(args, ("--reference",))
    recursive = _has(opts, "-R", "--recursive")
    if _vals(opts, "--reference"):
        # `chmod --reference=RFILE FILE...`: no mode or owner word, every operand is a file
        _permission_targets(name, pos, recursive, "", cmd, a)
        return
    if name == "chmod" and pos and pos[0].value is not None and not pos[0].value.startswith("-"):
        mode, targets = pos[0].value, pos[1:]
        if _SETID_MODE.search(mode):
            a.add(Tier.CRITICAL, f"sets the setuid/setgid bit ({mode}): privilege escalation")
    elif name == "chmod" and pos and pos[0].value is None:
        mode, targets = "", pos[1:]  # `chmod "$m" f`: a mode known at run time
    else:
        mode, targets = ((pos[0].value or "") if pos else ""), pos[1:]
        if name in ("chown", "chgrp") and mode and mode.split(":")[0] in ("root", "0"):
            a.add(Tier.HIGH, f"gives files to {mode}")
        elif name in ("chown", "chgrp") and targets:
            # Only root can give files away, and only the new owner or root can take them
            # back: not a recoverable workspace change even inside the workspace.
            a.add(Tier.HIGH, f"{name} gives files to another owner ({mode or 'unknown'})")
    _permission_targets(name, targets, recursive, mode, cmd, a)


# A symbolic mode (`-w`, `-x+X`, `u=rw,go-w`): chmod takes one that starts with a dash as
# the mode, not as an option.
_SYMBOLIC_MODE = re.compile(
    r"[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+(?:,[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+)*"
)
_CHMOD_FLAGS = frozenset({"-R", "-c", "-f", "-v", "-h", "-H", "-L", "-P"})


def _dash_mode_last(args: list[Word]) -> list[Word]:
    """chmod's words with a mode that starts with a dash moved after `--` (`chmod -R -w ~`
    is `chmod -R -- -w ~`), so that option splitting sees it as the mode."""
    for i, w in enumerate(args):
        value = w.value
        if value is None or value == "--" or not value.startswith("-"):
            return args
        if value not in _CHMOD_FLAGS and _SYMBOLIC_MODE.fullmatch(value):
            rest = [x for x in args[i + 1 :] if x.value != "--"]
            return [*args[:i], Word("--", "--"), w, *rest]
    return args


def _others_write(mode: str) -> bool:
    """Whether a chmod mode lets every user write (`777`, `o+w`, `a=rwx`, `766`)."""
    if re.fullmatch(r"[0-7]{1,4}", mode):
        return int(mode[-1]) & 2 == 2
    for clause in mode.split(","):
        m = re.fullmatch(r"([ugoa]*)((?:[-+=][rwxXst]*)+)", clause)
        if m is None:
            continue
        who, ops = m.group(1), m.group(2)
        if "o" not in who and "a" not in who:
            continue  # `+w` alone follows the umask, which keeps others out
        for op in re.findall(r"[-+=][rwxXst]*", ops):
            if op[0] in "+=" and "w" in op:
                return True
    return False


def _permission_targets(
    name: str, targets: list[Word], recursive: bool, mode: str, cmd: SimpleCommand, a: Analyzer
) -> None:
    if name == "chmod" and _others_write(mode or ""):
        # as setfacl granting another user access: every user of the machine may now
        # change the files (a script, a hook, a config the project runs)
        a.add(Tier.HIGH, f"makes files world-writable ({mode})")
    for target in targets:
        place = a.code_place(a.place(target, cmd.cwd))
        if place.zone in ("workspace", "scratch") and not (
            place.is_workspace and recursive and name != "chmod"
        ):
            a.add(Tier.WORKSPACE, f"changes permissions of {place.label}")
        elif place.is_root or place.is_home or place.contains_workspace:
            a.add(
                Tier.CRITICAL,
                f"changes permissions of {place.label} ({'recursively' if recursive else 'top level'})",
            )
        elif place.zone == "system":
            a.add(
                Tier.CRITICAL if recursive else Tier.HIGH,
                f"changes permissions of the system path {place.label}",
            )
        else:
            tier, msg = path_risk.write_tier(place)
            a.add(tier, f"changes permissions: {msg}")


_TAR_LETTERS = re.compile(r"[A-Za-z]+")
# tar's letters that take a value: in the old form (`tar cfT x.tar -`) each takes the next
# word, in the order the letters are written.
_TAR_VALUE_LETTERS = frozenset("bCfFgHIKLNTVX")


def _tar_old_form(args: list[Word]) -> list[Word]:
    """`tar cvfT x.tar list` written as `tar -c -v -f x.tar -T list`."""
    letters, rest = args[0], args[1:]
    out: list[Word] = []
    for letter in letters.value or "":
        out.append(Word("-" + letter, letters.text))
        if letter in _TAR_VALUE_LETTERS and rest:
            out.append(rest[0])
            rest = rest[1:]
    return out + rest


def h_tar(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    args = expand_long(args, _TAR_LONG)
    if (
        args
        and args[0].value
        and not args[0].value.startswith("-")
        and _TAR_LETTERS.fullmatch(args[0].value)
    ):
        args = _tar_old_form(args)
    opts, pos = split_opts(
        args,
        (
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "-I",
            "--use-compress-program",
            "--to-command",
            "--checkpoint-action",
            "--rsh-command",
            "--info-script",
            "-F",
            "--new-volume-script",
            "--exclude",
            "-b",
            "-N",
            "--transform",
            "--xform",
            "--owner",
            "--group",
            "--mode",
            "--strip-components",
            "-H",
            "--format",
        ),
    )
    for flag in (
        "--to-command",
        "--checkpoint-action",
        "--rsh-command",
        "--info-script",
        "-F",
        "--new-volume-script",
        "-I",
        "--use-compress-program",
    ):
        for value in _vals(opts, flag):
            a.add(Tier.HIGH, f"tar runs a command ({flag})")
            code = value.value or ""
            if flag == "--checkpoint-action":
                code = code.split("exec=", 1)[1] if "exec=" in code else ""
            if code:
                a.run_script(code, cmd.cwd, f"tar {flag}")
    archive = _vals(opts, "-f", "--file")
    dest = _vals(opts, "-C", "--directory")
    dest_dir = dest[0] if dest else Word(cmd.cwd or None, ".")
    if _has(opts, "-x", "--extract", "--get"):
        a.write(dest_dir if dest else Word(".", "."), cmd.cwd)
        for f in archive:
            a.read(f, cmd.cwd)
        if _has(opts, "-P", "--absolute-names"):
            a.add(Tier.HIGH, "extracts absolute paths (-P)")
    elif _has(opts, "-c", "--create", "-r", "--append", "-u", "--update"):
        for f in archive:
            if f.value != "-":
                a.write(f, cmd.cwd)
        for names in _vals(opts, "-T", "--files-from"):  # the files it lists are read
            if names.value in STDIN_FILES:
                read_listed(cmd, a)
                for base in dest:  # relative names are below the directory -C names
                    read_listed(cmd, a, base.value)
            else:
                a.read(names, cmd.cwd)
                inside = listed_in_file(names, cmd, a) if names.value is not None else None
                for item in inside or [Word(None, "<listed>")]:  # what the list names
                    a.read(item, cmd.cwd)
                    for base in dest if item.value is not None else []:
                        joined = os.path.join(base.value or "", item.value or "")
                        a.read(Word(joined, item.text), cmd.cwd)
        for p in pos:
            a.read(p, cmd.cwd)
            for base in dest:  # `-C ~ .ssh`: members are read from the directory -C names
                if p.value is not None and not p.value.startswith(("/", "~")):
                    a.read(Word(_joined(base.value, p.value), p.text), cmd.cwd)
        if _has(opts, "--remove-files"):
            for p in pos:
                a.delete(p, cmd.cwd, recursive=True)
    else:
        a.add(Tier.READ_ONLY, "lists an archive")
        for f in archive:
            a.read(f, cmd.cwd)


def _joined(base: str | None, path: str) -> str | None:
    return None if base is None else os.path.join(base, path)


_CHATTR_MODE = re.compile(r"[-+=][aAcCdDeFijmPsStTux]+")


def h_chattr(name: str, args: list[Word], cmd: SimpleCommand, a: Analyzer) -> None:
    modes = [w for w in args if _CHATTR_MODE.fullmatch(w.value or "")]
    targets = [
        w
        for w in args
        if w not in modes and not (w.value or "").startswith("-") and w.value not in ("-R", "-V")
    ]
    if any("i" in (m.value or "") or "a" in (m.value or "") for m in modes):
        a.add(Tier.WORKSPACE, "changes the immutable or append-only attribute")
    for t in targets:
        place = a.place(t, cmd.cwd)
        if place.zone in ("workspace", "scratch"):
            a.add(Tier.WORKSPACE, f"changes attributes of {place.label}")
        else:
            tier, msg = path_risk.write_tier(place)
            a.add(_max(tier, Tier.HIGH), f"changes attributes: {msg}")
