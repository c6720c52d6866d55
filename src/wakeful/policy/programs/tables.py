"""Data only: what programs and variables are (fetchers and decoders, variables that load
code, wrappers' options, programs that take variable names, find's tests, secret-looking
names and files, SQL statements that read or wipe). The handlers that use them live in
the other modules of this package; nothing here runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "mksh", "tcsh", "csh"})
_FETCHERS = frozenset(
    {
        "curl",
        "wget",
        "fetch",
        "aria2c",
        "http",
        "https",
        "xh",
        "nc",
        "ncat",
        "netcat",
        "socat",
        "ssh",
        "scp",
        "telnet",
        "lwp-request",
        "GET",
    }
)
_DECODERS = frozenset(
    {
        "base64",
        "base32",
        "xxd",
        "openssl",
        "gunzip",
        "zcat",
        "rev",
        "tr",
        "uudecode",
        "gzip",
        "xz",
        "bzip2",
    }
)
_DANGEROUS_ENV = frozenset(
    {
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "BASH_ENV",
        "ENV",
        "ZDOTDIR",
        "PROMPT_COMMAND",
        "GIT_SSH_COMMAND",
        "GIT_SSH",
        "GIT_EXTERNAL_DIFF",
        "GIT_PAGER",
        "PAGER",
        "GIT_EDITOR",
        "EDITOR",
        "VISUAL",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "NODE_OPTIONS",
        "PERL5OPT",
        "RUBYOPT",
        "PYTHONSTARTUP",
        "GIT_CONFIG_PARAMETERS",
        "GIT_EXEC_PATH",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_TEMPLATE_DIR",
        "DYLD_INSERT_LIBRARIES",
        "LESSOPEN",
        "MANPAGER",
        "SHELLOPTS",
        "PS4",
        "BROWSER",
        # the interpreter's own library and configuration from elsewhere
        "PYTHONHOME",
        "GCONV_PATH",
        "LUA_INIT",
        "PHPRC",
        "PHP_INI_SCAN_DIR",
        # another program's options or configuration file, where options run programs
        # (`--pre`, `--checkpoint-action=exec`, `-TT`, `--preview`, `-P PAGER`)
        "RIPGREP_CONFIG_PATH",
        "TAR_OPTIONS",
        "ZIPOPT",
        "UNZIP",
        "MANOPT",
        "FZF_DEFAULT_OPTS",
        "PARALLEL",
        # other version control's configuration files, editors and merge programs
        *("HGRCPATH", "HGEDITOR", "HGMERGE", "JJ_CONFIG", "JJ_EDITOR", "SVN_EDITOR"),
        "SVN_MERGE",
    }
)
# Variables listing directories that interpreters load modules from: an entry outside the
# workspace makes the project's own commands run code from there.
_CODE_SEARCH_PATHS = frozenset(
    {
        *("PYTHONPATH", "PERL5LIB", "PERLLIB", "RUBYLIB", "NODE_PATH", "CLASSPATH", "GEM_PATH"),
        *("LUA_PATH", "LUA_CPATH", "TCLLIBPATH", "GUILE_LOAD_PATH", "ERL_LIBS"),
        *("JULIA_LOAD_PATH", "OCAMLPATH", "PYTHONPLATLIBDIR"),
    }
)
# Directories and files a build tool takes its configuration (and so programs) from.
_TOOL_HOMES = frozenset(
    {"CARGO_HOME", "RUSTUP_HOME", "GRADLE_USER_HOME", "GOENV", "MAVEN_HOME", "M2_HOME"}
    # cloud CLIs' configuration: `credential_process`, credential helpers and plugins run
    | {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "CLOUDSDK_CONFIG", "AZURE_CONFIG_DIR"}
    | {"NPM_CONFIG_USERCONFIG", "NPM_CONFIG_GLOBALCONFIG", "PIP_CONFIG_FILE", "GIT_CONFIG_GLOBAL"}
    | {"BUNDLE_GEMFILE", "CARGO_BUILD_TARGET_DIR", "CMAKE_TOOLCHAIN_FILE"}
    # Where programs find their per-user configuration, and what that configuration can
    # run: git's core.fsmonitor and aliases, kubeconfig exec plugins, docker credential
    # helpers, npmrc's script-shell, .pth files of a user site, R profiles, installed gems.
    | {"HOME", "XDG_CONFIG_HOME", "DOCKER_CONFIG", "KUBECONFIG", "GEM_HOME", "PYTHONUSERBASE"}
    | {"R_PROFILE", "R_PROFILE_USER", "R_ENVIRON", "R_ENVIRON_USER", "R_LIBS", "R_LIBS_USER"}
    | {"IPYTHONDIR", "JUPYTER_CONFIG_DIR"}
)


# Where a tool finds the toolchain whose programs it runs (`JAVA_HOME=/tmp/j mvn` runs
# /tmp/j/bin/java; `RUSTUP_TOOLCHAIN` may be a toolchain's directory): installed ones (under
# the system's program directories), the user's and the workspace's are the user's own.
_TOOLCHAIN_DIRS = frozenset(
    {"JAVA_HOME", "GOROOT", "RUSTUP_TOOLCHAIN", "ANDROID_HOME", "ANDROID_SDK_ROOT"}
    | {"GRAALVM_HOME", "DOTNET_ROOT", "NODE_HOME", "SDKMAN_DIR", "FLUTTER_ROOT"}
)
_INSTALLED_DIRS = ("/usr/", "/opt/", "/Library/", "/Applications/", "/nix/store/", "/snap/")


# Variables naming a file or directory that programs write (traces, key logs, profiles).
_OUTPUT_FILE_VARS = frozenset(
    {
        *("GIT_TRACE", "GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF", "GIT_TRACE_PACKET"),
        *("GIT_TRACE_PACK_ACCESS", "GIT_TRACE_PACKFILE", "GIT_TRACE_PERFORMANCE"),
        *("GIT_TRACE_SETUP", "GIT_TRACE_CURL", "GIT_TRACE_SHALLOW", "GIT_TRACE_FSMONITOR"),
        *("GIT_TRACE_REFS", "SSLKEYLOGFILE", "MALLOC_TRACE", "LLVM_PROFILE_FILE", "HISTFILE"),
        *("NODE_V8_COVERAGE", "PYTHONPYCACHEPREFIX", "GCOV_PREFIX", "TF_LOG_PATH"),
    }
)
# Variables that turn on a tool's debug log of its API traffic: terraform's and its
# providers' requests and responses, a secret a data source reads included.
_API_LOG_VARS = frozenset({"TF_LOG", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_CLOUD"})
_SECRET_PARTS = frozenset(
    {
        "KEY",
        "APIKEY",
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "AUTH",
        "PAT",
    }
)
_NO_HELP_SHORTCUT = _SHELLS | frozenset(
    {
        "sudo",
        "doas",
        "su",
        "pkexec",
        "run0",
        "chroot",
        "runuser",
        "setpriv",
        "nsenter",
        "unshare",
        "bwrap",
        "systemd-run",
        "xargs",
        "parallel",
        "watch",
        "eval",
        "source",
        ".",
        "trap",
        "find",
        "env",
        "timeout",
        "nohup",
        "nice",
        "exec",
        "command",
        "builtin",
        "time",
        "flock",
        "npx",
        "pnpx",
        "bunx",
        "uvx",
        "ssh",
        "mosh",
        "echo",
        "printf",
        # these pass arguments after a script name on to the script
        "yarn",
        "pnpm",
        "bun",
        "deno",
        "poetry",
        "pipenv",
        "pdm",
        "hatch",
        "uv",
        "bundle",
        "mix",
        "just",
        "task",
        "go-task",
        "rake",
        "kubectl",
        "oc",
        "docker",
        "podman",
    }
)


_ISOLATE_OPTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "unshare": ("--map-user", "--map-group", "--map-users", "--map-groups", "--setgroups",
                    "--propagation", "-S", "--setuid", "-G", "--setgid", "-R", "--root",
                    "-w", "--wd", "--monotonic", "--boottime"),
        "systemd-run": ("-u", "--unit", "-p", "--property", "--description", "--slice",
                        "-E", "--setenv", "--uid", "--gid", "--nice", "-H", "--host", "-M",
                        "--machine", "--working-directory", "--on-active", "--on-boot",
                        "--on-startup", "--on-unit-active", "--on-unit-inactive",
                        "--on-calendar", "--timer-property", "--path-property",
                        "--socket-property", "--service-type"),
    }
)  # fmt: skip
# bwrap's options and how many values each takes (the rest take none)
_BWRAP_VALUES: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(("--bind", "--bind-try", "--dev-bind", "--dev-bind-try", "--ro-bind",
                         "--ro-bind-try", "--symlink", "--setenv", "--file", "--bind-data",
                         "--ro-bind-data", "--chmod", "--bind-fd", "--ro-bind-fd"), 2),
        **dict.fromkeys(("--args", "--argv0", "--userns", "--userns2", "--pidns", "--uid",
                         "--gid", "--hostname", "--chdir", "--unsetenv", "--lock-file",
                         "--sync-fd", "--remount-ro", "--exec-label", "--file-label",
                         "--proc", "--dev", "--tmpfs", "--mqueue", "--dir", "--seccomp",
                         "--add-seccomp-fd", "--block-fd", "--userns-block-fd", "--info-fd",
                         "--json-status-fd", "--cap-add", "--cap-drop", "--perms", "--size",
                         "--overlay-src", "--tmp-overlay", "--ro-overlay"), 1),
        "--overlay": 2,
    }
)  # fmt: skip


_FIND_NAME_TESTS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-regex",
        "-iregex",
        "-wholename",
        "-iwholename",
        "-lname",
        "-ilname",
    }
)
_FIND_OTHER_TESTS = frozenset(
    {
        "-empty",
        "-newer",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-size",
        "-user",
        "-group",
        "-perm",
        "-links",
        "-inum",
        "-samefile",
        "-uid",
        "-gid",
        "-newermt",
    }
)


# Other primaries that take a value (a format, a depth, a type, a reference file).
_FIND_VALUED = frozenset(
    {"-printf", "-maxdepth", "-mindepth", "-type", "-xtype", "-fstype", "-anewer", "-cnewer"}
    | {"-used", "-context"}
)
_FIND_NEWER_XY = re.compile(r"-newer[aBcm][aBcmt]")


_SQL_READ = re.compile(
    r"^\s*(select|show|explain|describe|desc|with\s+\w+\s+as\s*\(\s*select|"
    r"\\d|\\l|\\dt|\\du|\\conninfo|pragma\s+\w+\s*;?$|\.tables|\.schema|"
    r"values|table\s)",
    re.I,
)


# Statements that wipe data wholesale: DROP, TRUNCATE, and DELETE/UPDATE with no WHERE.
_SQL_WIPE = re.compile(
    r"(?is)^\s*(drop\s|truncate\s|delete\s+from\s+\S+\s*$|update\s+(?!.*\bwhere\b).*$)"
)


_SQLITE_DOT_READ = frozenset(
    {
        "tables", "schema", "fullschema", "indexes", "indices", "headers", "header", "mode",
        "width", "print", "show", "databases", "help", "quit", "exit", "timer", "eqp",
        "explain", "dbinfo", "stats", "separator", "nullvalue", "echo", "bail", "changes",
        "lint", "dump", "version", "parameter", "prompt", "scanstats", "vfsinfo", "vfslist",
        "vfsname", "dbconfig", "sha3sum", "limit", "timeout", "binary", "crnl", "columns",
    }
)  # fmt: skip


# git subcommands' options whose value is a file the subcommand reads (and shows or
# records: a commit message, a blamed file's contents).
_GIT_READ_OPTS: Mapping[str, tuple[str, ...]] = {
    "blame": ("--contents", "--ignore-revs-file", "-S"),
    "annotate": ("--contents", "--ignore-revs-file", "-S"),
    "commit": ("-F", "--file", "-t", "--template", "--pathspec-from-file"),
    "tag": ("-F", "--file"),
    "merge": ("-F", "--file"),
    "notes": ("-F", "--file"),
    "am": ("--signoff-file",),
    # pathspecs read from a file: a line that matches nothing is printed in the error
    **dict.fromkeys(
        ("add", "checkout", "reset", "restore", "rm", "stash"), ("--pathspec-from-file",)
    ),
}


# Builtins that take variable names: bash evaluates an array subscript in a name as
# arithmetic, and arithmetic runs `$(...)` (`printf -v 'a[$(cmd)]'`, `read 'a[$(cmd)]'`).
_NAME_TAKERS = frozenset(
    {
        "printf",
        "read",
        "mapfile",
        "readarray",
        "test",
        "[",
        "let",
        "unset",
        "getopts",
        "wait",
        "declare",
        "typeset",
        "local",
        "export",
        "readonly",
    }
)
_NPM_PROGRAM_VARS = frozenset(
    {"npm_config_browser", "npm_config_viewer", "npm_config_editor", "npm_config_shell"}
)
# git grep's flags that take no value, then -O and the pager it runs (`-niO/tmp/x`).
_GIT_GREP_O = re.compile(r"-[aIivwhHEGPFnlLqzcopWxu0-9]*O(.*)")


# Credential reconnaissance: a search for key, token or password files, or for secrets in
# file contents, over the home directory or the whole machine.
_SECRET_SEARCH = re.compile(
    r"(?i)(id_(rsa|dsa|ecdsa|ed25519)|\.pem\b|\.key\b|\.kdbx|\.p12|\.pfx|\.keystore|\.jks|"
    r"credential|passw|secret|token|api.{0,8}key|akia|private.key|\.env\b|netrc|\.ssh|wallet|"
    r"keychain|keyring|\.aws|\.gnupg|kubeconfig|htpasswd|shadow)"
)


# Names that only credentials have: a wildcard pattern matching one of them (`id_*`,
# `*.ppk`, `*_rsa`) searches for keys as surely as the name itself.
_SECRET_SAMPLES = (
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "server.pem",
    "server.key",
    "putty.ppk",
    "secring.gpg",
    "vault.kdbx",
    "cert.p12",
    "cert.pfx",
    "store.jks",
    "release.keystore",
    "credentials",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".htpasswd",
    "wallet.dat",
    ".npmrc",
    ".pypirc",
    ".env",
)
