"""The code half of per-program knowledge: `run_program` interprets the data entries of
`program_rules` (the reviewable half), and handlers judge what data cannot express
(interpreters' inline code, find/xargs, git's per-option effects, project environments).
Programs known to neither are unknown, and unknown is never read-only.

Handlers receive the program's arguments (after wrapper stripping) and report findings to
the Analyzer; they never look at the raw command text except to re-parse code that another
program will run (sh -c, eval, find -exec, awk system(), git -c core.pager=...).

Of the 1041 programs known, 932 are data (890 program entries, 40 wrappers, and the git and
npm families, whose subcommand tiers and, for git, subcommands judged by their own words
are data too) and 109 keep a handler. Programs that keep a handler here, and why data cannot
express them (every one still carries examples, in program_examples.py):

- Code in another language or the shell: sh/bash/zsh... -c, source, trap, python,
  node/perl/ruby/php... -e (inline code is parsed and judged), awk/sed scripts (system(),
  `e`, `w FILE` inside the script), the builtins that take variable names
  (an array subscript in a name is evaluated: `printf -v 'a[$(cmd)]'`).
- Commands inside commands: find (-exec, -delete and action order), fd -x, xargs/parallel,
  unshare/bwrap/systemd-run (the command, never below high), gdb (its
  -ex commands), ssh/mosh (the remote command), lynx (only a dump of a local document
  reads), git (-c keys, aliases, -C
  and --git-dir; checkout/restore, branch, rm, config, worktree, submodule, clone, init,
  bundle, apply, grep -O and diff, whose paths, commands and option combinations decide:
  one small function each in `_GIT_CODE`; push, gc, commit, pull, archive, reset, clean,
  stash, rebase and the rest are data).
- Paths whose meaning depends on each other or on where they lead: cp/mv/install/ln
  (source and target, links into persistence or .git), rm (recursion, what is tracked
  or recoverable), rsync, tar (mode letters and -C), chmod/chown/chattr (mode letters, and
  where), scp (which operand is remote), openssl (a certificate read, a new key
  written), protoc (`--NAME_out` for any plugin name).
- Answers that depend on the project, several words at once or the text of an argument:
  pip/uv/npm/yarn/pnpm/npx (the project environment, scripts, -g), cloud CLIs
  (listed in cloud_clis.py: the action is the last word, credential-printing forms), SQL
  clients (the query text is read).

Package managers (apt, brew, conda...), helm, gh, ip/route, tmux/screen, systemctl, k9s and
kubectx, terraform/tofu/terragrunt/pulumi, docker/podman/nerdctl and compose, the project
managers (poetry, pipenv, pdm, hatch, composer, bundle, mix, dotnet, swift, dart, flutter),
mvn/gradle/sbt/rake, cargo, go and kubectl/oc are data: a subcommand there can be an entry
of its own (`Program.subcommands`), options can name a project that must be in the
workspace (`outside_opts`), and what data cannot express is a named check (`Program.checks`,
the `CHECKS` below: maven's exec:exec runs the program its properties name; the kinds a
kubectl `get` names decide with -o, wherever it is written, whether secrets are printed).
So are at/batch, ssh-keygen and sysctl (`Program.mode_flags`: `at -l` lists where `at TIME`
schedules, `ssh-keygen -l` shows a fingerprint where `-y` derives a key; sysctl's keys are
paths under /proc/sys, a check), and grep/egrep/fgrep/ag/ack/locate and less/more, whose
entries name checks for credential searches and for pagers' `+!cmd`; and ansible and
ansible-playbook (a playbook or host group's name is no verb: `ansible-playbook show.yml`
runs show.yml). So are the programs that run a command or shell code they are given: eval
and watch (operands of kind `shell_words`: the words joined are shell code), logsave and
perf (a `command` operand, whose words are the command's and never the entry's options;
`no_command` for `perf stat` alone, `default_output` for perf.data), script (`-c` as
`exec_opts`, ./typescript as `default_output`, an interactive shell without -c), and dd (`if=`/`of=`
as `source_pattern`/`dest_pattern`; an endless device copied with no count is a check).
And kill: its operands are judged by what they look like (`operand_patterns`: 1 and -1
are init and every process, %N a job of this shell), its options are whole words that end
at the first operand (`long_flags`, `options_first`: `-KILL` lists nothing, `kill 4242
-l` kills). And the downloaders wget and aria2c (outputs, `--post-file`, wgetrc commands,
aria2c's `--on-download-*` hooks as `script_opts`), sftp, unzip (`-d` and the listing
flags), shred/wipe (deletes never below high) and 7z/7za/7zz/7zr (each command letter an
entry of its own, `-oDIR` as `dest_pattern`, `-sdel` as `delete_flags`: the files are
deleted once archived, as `zip -m` deletes them). So are curl and curlie (`@FILE` and
file:// read through `source_pattern`, -O writing under the URL's name through
`output_flags`; `-d @-` after a secret read upstream is the check `stdin_upload`), HTTPie
and xh (their own options: a method or a data item sends data, `--offline` prints), nc,
ncat, netcat, telnet and socat (`-e`/`-c`/`EXEC:` connect a shell; what a pipe feeds them
is sent: `stdin_sent`) and dc (`!` in an argument is `exec_pattern`; in standard input,
`stdin_commands`). And sudo, doas, su, pkexec, run0, chroot, sudoedit, runuser, setpriv and
nsenter: critical, with the command they run as a `command` operand or `su -c` code as
`exec_opts`; runuser's two forms (`-u USER CMD`, `USER -c CODE`) are the check
`user_command`, and `sudo -V` alone is the dispatcher's version shortcut. And make and
gmake (-C and -I as `outside_opts`, -f as `script_opts`, the dry runs as `read_only_flags`,
targets named for installing or deploying as `operand_patterns`, `VAR=PROGRAM` operands
judged as assignments: the check `variable_operands`), and rg (--pre and --hostname-bin
as `exec_opts`; its credential searches are the grep family's check, where `-g GLOB` is a
pattern too and `--files` takes none).

Where each part lives in this package (logic modules, and data-only tables apart from them):

- `dispatch`: `classify_commands`, `classify_argv`, each program's plan, `HANDLERS` and
  `explain`; `entries`: `run_program`, the interpreter of data entries; `checks`: `CHECKS`.
- `options`: option splitting and the helpers every handler shares; `assignments`:
  redirections and variable assignments before a command.
- `inline`: inline code and programs read from stdin (data: `inline_tables`).
- Handlers by family: `shells` (shells, source/trap, wrappers, privilege, isolation,
  xargs, gdb, names), `files` (rm, cp/mv, ln, rsync, chmod, tar),
  `find` (find, fd), `text` (ex/vim, ed, sed, awk), `network` (ssh, scp),
  `git`, `toolchains` (python and the interpreters, pip, uv, npm, npx, protoc; data:
  `tool_tables`), `sql`, `cloud` (cloud CLIs, openssl) and `search` (credential
  searches). Tables several families share are data in `tables`.
"""

from wakeful.policy.programs.assignments import code_env
from wakeful.policy.programs.checks import CHECKS
from wakeful.policy.programs.dispatch import (
    HANDLERS,
    classify_argv,
    classify_commands,
    classify_simple,
    explain,
)
from wakeful.policy.programs.entries import expand_long, run_program, split_long_opts
from wakeful.policy.programs.find import read_names
from wakeful.policy.programs.git import judge_subcommand
from wakeful.policy.programs.inline import exec_stdin
from wakeful.policy.programs.options import Handler, split_opts
from wakeful.policy.programs.search import credential_search
from wakeful.policy.programs.toolchains import framework_task

__all__ = [
    "CHECKS",
    "HANDLERS",
    "Handler",
    "classify_argv",
    "classify_commands",
    "classify_simple",
    "code_env",
    "credential_search",
    "exec_stdin",
    "expand_long",
    "explain",
    "framework_task",
    "judge_subcommand",
    "read_names",
    "run_program",
    "split_long_opts",
    "split_opts",
]
