"""Running git on wakeful's own checkpoint repository, never on the user's.

Every call names the checkpoint repository (`GIT_DIR`), the workspace (`GIT_WORK_TREE`) and
the checkpoint index (`GIT_INDEX_FILE`) explicitly, so the user's index, refs, stash and HEAD
are never read or written. The environment is built from scratch (no inherited `GIT_*`
variable can redirect it) with system and global config switched off, and every program a
repository could configure (hooks, fsmonitor, pagers, external diff, filters) is disabled:
the workspace may hold files an agent wrote, and snapshotting them must not run them.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import WakefulError

# Options that keep repository-configured programs from running.
SAFE_OPTIONS: tuple[str, ...] = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.pager=cat",
    "-c",
    "core.excludesFile=/dev/null",
    "-c",
    "core.attributesFile=/dev/null",
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.safecrlf=false",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "core.filemode=true",
    "-c",
    "core.symlinks=true",
    "-c",
    "core.quotePath=false",
    "-c",
    "diff.external=",
    "-c",
    "gc.auto=0",
    "-c",
    "maintenance.auto=false",
    "-c",
    "advice.addEmbeddedRepo=false",
    "-c",
    "advice.addIgnoredFile=false",
    "--no-pager",
)

# In-tree .gitattributes must not change bytes on the way in or out (eol conversion,
# filters, working-tree encodings): the repository's own info/attributes wins over them.
ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding -diff -merge\n"


class CheckpointError(WakefulError):
    """A checkpoint operation failed; the message names what and how to fix it."""


@dataclass(frozen=True)
class Git:
    git_dir: Path
    work_tree: Path
    index_file: Path

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "HOME": str(self.git_dir),
            "XDG_CONFIG_HOME": str(self.git_dir / "no-config"),
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.work_tree),
            "GIT_INDEX_FILE": str(self.index_file),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_AUTHOR_NAME": "wakeful",
            "GIT_AUTHOR_EMAIL": "wakeful@localhost",
            "GIT_COMMITTER_NAME": "wakeful",
            "GIT_COMMITTER_EMAIL": "wakeful@localhost",
        }

    def run(self, *args: str, input: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        argv = ["git", *SAFE_OPTIONS, *args]
        env = self.env()
        if args[0] == "check-ignore":  # takes paths, not pathspecs, and refuses the setting
            del env["GIT_LITERAL_PATHSPECS"]
        try:
            proc = subprocess.run(
                argv,
                cwd=self.work_tree,
                env=env,
                input=input,
                capture_output=True,
                timeout=600,
            )
        except FileNotFoundError:
            raise CheckpointError(
                "checkpoints need git, which is not on PATH; install git"
            ) from None
        except subprocess.TimeoutExpired:
            raise CheckpointError(
                f"git {args[0]} took over 600 s in the checkpoint store"
            ) from None
        if proc.returncode not in ok:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CheckpointError(
                f"git {args[0]} failed in the checkpoint store ({self.git_dir}): "
                f"{err[-1] if err else 'exit ' + str(proc.returncode)}"
            )
        return proc.stdout

    def text(self, *args: str, input: bytes | None = None) -> str:
        return self.run(*args, input=input).decode("utf-8", "surrogateescape").strip()

    def init(self) -> None:
        """Create the repository (idempotent): no templates (so no sample hooks), the
        workspace's .wakeful/ excluded, attributes neutralised."""
        if not (self.git_dir / "HEAD").exists():
            self.git_dir.parent.mkdir(parents=True, exist_ok=True)
            env = {k: v for k, v in self.env().items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
            proc = subprocess.run(
                ["git", *SAFE_OPTIONS, "init", "-q", "--bare", "--template=", str(self.git_dir)],
                env=env,
                capture_output=True,
                timeout=60,
            )
            if proc.returncode != 0:
                raise CheckpointError(
                    f"cannot create the checkpoint store {self.git_dir}: "
                    f"{proc.stderr.decode('utf-8', 'replace').strip()}"
                )
            self.run("symbolic-ref", "HEAD", "refs/heads/snapshots")
            for key, value in (
                ("core.bare", "false"),
                ("core.logAllRefUpdates", "false"),
                ("gc.auto", "0"),
            ):
                self.run("config", key, value)
        info = self.git_dir / "info"
        info.mkdir(exist_ok=True)
        exclude = info / "exclude"
        if not exclude.exists():
            exclude.write_text("/.wakeful/\n")
        attributes = info / "attributes"
        if not attributes.exists():
            attributes.write_text(ATTRIBUTES)
