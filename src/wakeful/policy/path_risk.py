"""Where a path lies, and what reading, writing or deleting it costs.

One place decides this for both the shell classifier and the file tools, so `cat ~/.ssh/id_rsa`
and `read(~/.ssh/id_rsa)` get the same answer.
"""

from __future__ import annotations

import fnmatch
import functools
import os.path
import re
import stat
from collections.abc import Iterable
from typing import NamedTuple

from wakeful.policy.types import Tier

# Relative to the home directory. A path inside one of these is a credential.
_HOME_SECRETS = (
    ".ssh",
    ".aws",
    ".gnupg",
    ".netrc",
    ".git-credentials",
    ".config/gh/hosts.yml",  # gh keeps its tokens here; config.yml holds settings and aliases
    ".config/gcloud",
    ".azure",
    ".kube",
    ".docker/config.json",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".config/hub",
    ".terraform.d/credentials.tfrc.json",
    ".password-store",
    ".local/share/keyrings",
    ".pgpass",
    ".my.cnf",
    ".vault-token",
    ".config/op",
    ".gem/credentials",
    ".m2/settings.xml",
    ".config/rclone",
    ".mozilla",
    ".config/google-chrome",
    ".config/chromium",
    ".bash_history",
    ".zsh_history",
    # macOS: the login keychain, TCC's consent database, browsers' and Messages' data, the
    # list of every download and where it came from
    "Library/Keychains",
    "Library/Application Support/com.apple.TCC",
    "Library/Cookies",
    "Library/Safari",
    "Library/Messages",
    "Library/Application Support/Google/Chrome",
    "Library/Application Support/Firefox",
    "Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2",
    # Tokens kept beside settings: their directories are persistence locations (writes run
    # code later) whose other files are plain reads, so the token files are named here.
    ".config/wakeful/config.toml",  # wakeful's own provider keys
    ".claude/.credentials.json",
    ".claude.json",
    ".codex/auth.json",
    ".gemini/oauth_creds.json",
    ".config/github-copilot",
    ".continue/config.json",
)
_SYSTEM_SECRETS = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
    "/etc/sudoers",
    "/root",
    "/etc/ssl/private",
    "/var/lib/sudo",
    # Wi-Fi and VPN keys, Kerberos keytabs, cluster administrators' kubeconfigs, the
    # maintenance password of Debian's MySQL, SSSD's directory password
    # macOS: BSD's password file, the local directory's user records (password hashes),
    # root's home, sudo's timestamps, the system keychains, and TCC's consent database
    # (which apps may read every file, record the screen or send keystrokes)
    "/etc/master.passwd",
    "/private/etc/master.passwd",
    "/var/db/dslocal",
    "/private/var/db/dslocal",
    "/var/root",
    "/private/var/root",
    "/var/db/sudo",
    "/private/var/db/sudo",
    "/Library/Keychains",
    "/Library/Application Support/com.apple.TCC",
    "/etc/NetworkManager/system-connections",
    "/etc/wpa_supplicant",
    "/etc/ipsec.secrets",
    "/etc/ppp/chap-secrets",
    "/etc/ppp/pap-secrets",
    "/etc/krb5.keytab",
    "/etc/kubernetes/admin.conf",
    "/etc/kubernetes/super-admin.conf",
    "/etc/kubernetes/pki",
    "/etc/rancher/k3s/k3s.yaml",
    "/etc/mysql/debian.cnf",
    "/etc/sssd",
    # WireGuard's and OpenVPN's private keys, Tailscale's node key, netplan's Wi-Fi
    # passwords, the kubelet's cluster credentials, CUPS's printer passwords
    "/etc/wireguard",
    "/etc/openvpn",
    "/var/lib/tailscale",
    "/etc/netplan",
    "/var/lib/kubelet/kubeconfig",
    "/var/lib/kubelet/pki",
    "/etc/cups/printers.conf",
)
_SECRET_NAMES = (
    "ssh_host_*_key",  # /etc/ssh's private host keys (its configuration is no secret)
    "krb5cc_*",  # Kerberos ticket caches (/tmp/krb5cc_1000): a live login to every service
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*_rsa",  # keys under names their owners chose: deploy_rsa, github_ed25519
    "*_dsa",
    "*_ecdsa",
    "*_ed25519",
    "*.ppk",  # PuTTY's private keys
    "*.keytab",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "credentials",
    "credentials.json",
    ".netrc",
    "*.kdbx",
    "service-account*.json",
    ".htpasswd",
    "secrets.y*ml",
    "secrets.json",
    "secrets.txt",
    "secrets.toml",
    "secrets.ini",
    "secrets.env",
    ".secrets",
    "*.ovpn",
    ".pgpass",
    # registry and cloud tokens a project may keep next to its code (MITRE T1552.001)
    ".npmrc",
    ".pypirc",
    ".yarnrc.yml",
    ".git-credentials",
    ".dockercfg",
    ".s3cfg",
    # tools' own files for secrets: wrangler's local secrets, direnv's exported variables,
    # Ansible's vault password, Android's signing passwords, Composer's HTTP tokens (and
    # Playwright's saved sessions), dbt's connection profiles
    ".dev.vars",
    ".dev.vars.*",
    ".envrc",
    ".vault_pass*",
    ".vault-pass*",
    ".vault_password*",
    ".vault-password*",
    "key.properties",
    "auth.json",
    "profiles.yml",
    # terraform's and OpenTofu's state: every resource's attributes in clear (passwords,
    # keys), and the only record of what the configuration manages
    "*.tfstate",
    "*.tfstate.backup",
    "terraform.tfstate.d",
)
_NOT_SECRET = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.pub")
# Files whose contents run later, unasked: persistence.
_HOME_PERSIST = (
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".config/fish",
    ".ssh/authorized_keys",
    ".ssh/rc",
    ".config/autostart",
    ".config/systemd",
    ".local/share/systemd",
    ".xprofile",
    ".xinitrc",
    ".inputrc",
    ".gitconfig",
    ".config/git",
    ".vimrc",
    ".pam_environment",
    "Library/LaunchAgents",
    # On PATH (Debian's and Ubuntu's ~/.profile add them): a program placed there runs
    # instead of the real one, as a line in ~/.bashrc would.
    ".local/bin",
    "bin",
    # GitHub CLI's settings: an alias in config.yml that starts with `!` runs shell code
    # (its tokens are in hosts.yml, a credential)
    ".config/gh",
    # wakeful's and Claude Code's user settings, trust list and audit log: hooks and rules
    # there decide what runs and what is allowed later.
    ".config/wakeful",
    ".local/share/wakeful",
    ".claude",
    ".claude.json",
)
_SYSTEM_PERSIST = (
    "/etc/ssh",  # sshd's configuration: who logs in and how (its host keys are secrets)
    "/etc/cron",
    "/etc/cron.d",
    "/etc/crontab",
    "/etc/cron.daily",
    "/etc/cron.hourly",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron",
    "/etc/systemd",
    "/etc/init.d",
    "/etc/rc.local",
    "/etc/profile",
    "/etc/profile.d",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/ld.so.preload",
    "/etc/sudoers.d",
    "/etc/pam.d",
    "/etc/passwd",
    "/etc/group",
    "/lib/systemd",
    "/usr/lib/systemd",
    "/etc/xdg/autostart",
    "/Library/LaunchDaemons",
)
_HARMLESS = (
    "/dev/null",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/stdin",
    "/dev/tty",
    "/dev/zero",
    "/dev/random",
    "/dev/urandom",
    "/dev/fd",
)
_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
# Whole disks, partitions and memory: reading one copies every secret on the machine.
# Keyboards, mice, microphones, cameras and the consoles' screens: reading one records
# what the user types, says, shows or sees.
_RAW_DEVICE = re.compile(
    r"^/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|md\d|dm-|loop|sr|nbd|rbd|zd|mapper/|disk/|"
    r"(?:mem|kmem|port|root)$|input/|snd/|video\d|v4l/|hidraw|uinput$|vcsa?\d*$|dsp|audio|"
    r"mixer)|^/proc/kcore$"
)
_SYSTEM = (
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/boot",
    "/var",
    "/opt",
    "/srv",
    "/sys",
    "/proc",
    "/snap",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/home",
    "/Users",
    "/mnt",
    "/media",
    "/run",
)
# Files under .git/ that git itself treats as disposable (a stale index.lock is removed by hand).
_GIT_SCRATCH = frozenset(
    {
        ".git/COMMIT_EDITMSG",
        ".git/MERGE_MSG",
        ".git/SQUASH_MSG",
        ".git/FETCH_HEAD",
        ".git/ORIG_HEAD",
    }
)
_TIER_ORDER = {"read_only": 0, "workspace": 1, "network": 2, "high": 3, "critical": 4}


def tier_max(a: Tier, b: Tier) -> Tier:
    return a if _TIER_ORDER[a] >= _TIER_ORDER[b] else b


def tier_rank(tier: Tier) -> int:
    return _TIER_ORDER[tier]


class Place(NamedTuple):
    """The zone of one resolved path: workspace, git_internal (hooks, config), git_store (the
    rest of .git), scratch, harmless, device, secret, persist, system, home, other or unknown
    (not known before it runs). A named tuple: one is made for every path word a command
    holds, and a frozen dataclass costs several times more to make."""

    path: str | None
    zone: str
    contains_workspace: bool = False
    is_home: bool = False
    is_root: bool = False
    is_workspace: bool = False

    @property
    def label(self) -> str:
        return self.path or _COMPUTED


# How a path only known at run time is named in messages.
_COMPUTED = "a path computed at run time"


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


def _names(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class _Bases:
    """A set of directories, answering `_under(path, any of them)` with one lookup and one
    startswith: place_of runs for every path word, so this is on the hot path."""

    __slots__ = ("exact", "listed", "prefixes", "common", "by_first")

    def __init__(self, bases: Iterable[str]) -> None:
        listed = [b.rstrip("/") or "/" for b in bases]
        self.exact = frozenset(listed)
        self.listed = tuple(listed)  # in the order written: what is reported is the same each run
        self.prefixes = tuple(b if b == "/" else b + "/" for b in listed)
        # The directory every prefix starts with, and the prefixes by the name that follows
        # it: a path is compared only with the prefixes that share its next name.
        common = os.path.commonprefix(listed)
        self.common = common[: common.rfind("/") + 1]
        by_first: dict[str, list[str]] = {}
        for prefix in self.prefixes:
            first = prefix[len(self.common) :].split("/", 1)[0]
            by_first.setdefault(first, []).append(prefix)
        self.by_first = {first: tuple(group) for first, group in by_first.items()}
        if "/" in self.exact:
            self.by_first = {}  # the root holds every absolute path: compare them all

    def holds(self, path: str) -> bool:
        if path in self.exact:
            return True
        if not self.by_first:
            return path.startswith(self.prefixes)
        if not path.startswith(self.common):
            return False
        group = self.by_first.get(path[len(self.common) :].split("/", 1)[0])
        return group is not None and path.startswith(group)


# `id_deploy`, `id_github`: ssh-keygen's `id_` naming with a name of the owner's choosing,
# without an extension (`id_map.py` is code).
_SECRET_NAME_RE = re.compile(_names(_SECRET_NAMES).pattern + r"|(?:id_[^./]+\Z)")
_NOT_SECRET_RE = _names(_NOT_SECRET)
# Both at once, exceptions first: a name the first alternative matches is never a secret.
_NAME_VERDICT = re.compile(
    f"(?P<plain>{_NOT_SECRET_RE.pattern})|(?P<secret>{_SECRET_NAME_RE.pattern})"
)
_SYSTEM_SECRET_BASES = _Bases(_SYSTEM_SECRETS)
_SYSTEM_PERSIST_BASES = _Bases(_SYSTEM_PERSIST)
_HARMLESS_BASES = _Bases(_HARMLESS)
_SCRATCH_BASES = _Bases(_SCRATCH)
_SYSTEM_BASES = _Bases(_SYSTEM)


@functools.lru_cache(maxsize=32)
def _home_bases(home: str) -> tuple[_Bases, _Bases]:
    return (
        _Bases(os.path.join(home, s) for s in _HOME_SECRETS),
        _Bases(os.path.join(home, p) for p in _HOME_PERSIST),
    )


def home_persist_bases(home: str) -> tuple[str, ...]:
    """The persistence paths in `home` (see _HOME_PERSIST), each ending in a slash."""
    return _home_bases(home)[1].prefixes


def _hard_linked(path: str) -> bool:
    """A regular file with more than one name: writing it may change a file elsewhere."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return st.st_nlink > 1 and stat.S_ISREG(st.st_mode)


_OTHER_HOME = re.compile(r"/(?:home|Users)/[^/*?\[]+")


def _owner_home(path: str, home: str) -> str:
    """The home directory whose credentials `path` may name: another user's when the path
    lies in one (/home/alice/.bash_history, ~alice/.kube/config), else the user's own."""
    if path.startswith(("/home/", "/Users/")) and not _under(path, home):
        m = _OTHER_HOME.match(path)
        if m is not None:
            return m.group(0)
    return home


def secret_below(path: str, home: str) -> str | None:
    """A listed credential of the home directory that reading `path` reaches: one below the
    directory `path` names (`cp -r ~/.claude`, which holds .claude/.credentials.json), or one
    that the wildcards in its last names match as the shell expands them (`~/.config/*/x`;
    `*` matches no leading dot). Another user's home holds the same credentials."""
    path = path.rstrip("/") or "/"
    home = _owner_home(path, home)
    lead = path + "/" if path != "/" else "/"
    wild = any(c in path for c in "*?[")
    parts = path.split("/")
    for secret in _home_bases(home)[0].listed:
        if secret.startswith(lead):
            return secret
        if wild:
            names = secret.split("/")
            if len(names) >= len(parts) and all(
                _glob_name(pattern, name) for pattern, name in zip(parts, names, strict=False)
            ):
                return secret
    return None


_PROC_OF_A_PROCESS = re.compile(r"/proc(/(self|thread-self|\d+))?")


def credential_held_below(path: str, home: str) -> str | None:
    """A listed credential that lies below the directory `path` names: the home
    directory's (`secret_below`), the system's (/etc holds /etc/shadow, /var holds
    /var/lib/sudo) or a process's environment (/proc/self holds /proc/self/environ)."""
    found = secret_below(path, home)
    if found is not None:
        return found
    path = path.rstrip("/") or "/"
    lead = path + "/" if path != "/" else "/"
    for base in _SYSTEM_SECRET_BASES.listed:
        if base.startswith(lead):
            return base
    if _PROC_OF_A_PROCESS.fullmatch(path):
        return path + ("/self/environ" if path == "/proc" else "/environ")
    return None


def glob_matches(pattern: str, path: str) -> bool:
    """Whether the shell's expansion of an absolute wildcard path takes in `path`: name by
    name (a wildcard matches no `/` and no leading dot)."""
    parts = pattern.split("/")
    names = path.split("/")
    return len(parts) == len(names) and all(
        _glob_name(part, name) for part, name in zip(parts, names, strict=True)
    )


def glob_name_matches(pattern: str, name: str) -> bool:
    """Whether the shell's wildcard `pattern` matches the file name `name`."""
    return _glob_name(pattern, name)


def _glob_name(pattern: str, name: str) -> bool:
    if pattern == name:
        return True
    if name.startswith(".") and not pattern.startswith("."):
        return False  # the shell's wildcards match no leading dot
    return fnmatch.fnmatchcase(name, bash_glob(pattern))


def holds_home(path: str, home: str) -> bool:
    """Whether a recursive walk of `path` reaches the home directory (or every home)."""
    return _under(home, path) or path in ("/home", "/Users", "/root")


# Package managers' project settings: a project keeps `.npmrc` or `.yarnrc.yml` for its
# registry and install options, and some hold a token. Reading one is reading credentials;
# writing one in the workspace is project work unless it holds a token already.
_PROJECT_SETTINGS = frozenset({".npmrc", ".yarnrc.yml"})
_TOKEN_KEY = re.compile(
    rb"(?i)(_authToken|_auth|_password|npmAuthToken|npmAuthIdent|npmPassword)\s*[=:]"
)


def token_free_settings(path: str | None, workspace: str) -> bool:
    """Whether `path` is a package manager's settings file in the workspace (not a link) that
    is new or holds no token, so that writing it loses or changes no credential."""
    if (
        path is None
        or os.path.basename(path) not in _PROJECT_SETTINGS
        or not path.startswith(workspace.rstrip("/") + "/")
    ):
        return False
    try:
        if os.path.islink(path):
            return False
        with open(path, "rb") as settings:
            head = settings.read(65537)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return len(head) <= 65536 and _TOKEN_KEY.search(head) is None


def new_env_file(path: str | None, workspace: str) -> bool:
    """Whether `path` is a `.env` or `.env.*` file in the workspace that does not exist yet
    (not even as a link): copying the project's template there (`cp .env.example .env`)
    loses no credential, where over an existing one it loses what no checkout holds."""
    if path is None or not path.startswith(workspace.rstrip("/") + "/"):
        return False
    name = os.path.basename(path)
    if not (name == ".env" or name.startswith(".env.")) or is_template(name):
        return False
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def is_template(name: str) -> bool:
    """`.env.example` and its kind: a project's template for a secrets file, not a secret."""
    return name.startswith(".env.") and _NOT_SECRET_RE.match(name) is not None


# Data that lives only in the working tree (ignored or untracked, and rewritten in place):
# neither git nor a checkpoint of the sources brings a deleted database back.
_UNRECOVERABLE_NAMES = _names(
    ("*.db", "*.sqlite", "*.sqlite3", "*.db3", "*.mdb", "*.accdb", "*.realm", "*.ldb")
)


@functools.lru_cache(maxsize=4096)  # a pure function of the path's text
def unrecoverable(path: str | None) -> str | None:
    """Why deleting or overwriting `path` inside the workspace cannot be undone, if so
    (`.wakeful/` is judged as a protected path, above)."""
    if path is None:
        return None
    if _UNRECOVERABLE_NAMES.match(os.path.basename(path)):
        return "a database, which no checkpoint or git restores"
    return None


# Names a wildcard is tried against: `.env*`, `id_*` and `cred*` name the secrets above.
_SECRET_SAMPLES = (
    ".env",
    ".env.local",
    ".env.production",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "credentials",
    "credentials.json",
    ".netrc",
    ".pgpass",
    ".htpasswd",
    "secrets.json",
    "secrets.yaml",
    "service-account.json",
)
# A directory of secrets (Zed's suggested `secrets?/` rule): its data files are secrets,
# its code (a secrets manager's sources) is not.
_CODE_SUFFIXES = (
    ".py",
    ".js",
    ".ts",
    ".tsx",
    ".jsx",
    ".go",
    ".rs",
    ".rb",
    ".java",
    ".kt",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cs",
    ".php",
    ".swift",
    ".md",
    ".rst",
)


def _secret_name(path: str, name: str) -> bool | None:
    """Whether the name alone says secret (True) or not (False); None when it does not
    decide. A wildcard with a literal start decides by the secret names it can match."""
    verdict = _NAME_VERDICT.match(name)  # _NOT_SECRET_RE, then _SECRET_NAME_RE
    if verdict is not None:
        return verdict.group("plain") is None
    if "*" in name or "?" in name or "[" in name:
        glob = min(i for i in (name.find("*"), name.find("?"), name.find("[")) if i >= 0)
        pattern = bash_glob(name)
        if glob > 0 and any(
            sample.startswith(name[:glob]) and fnmatch.fnmatchcase(sample, pattern)
            for sample in _SECRET_SAMPLES
        ):
            return True
    if (
        "secrets/" in path
        and ("/secrets/" in path or "/.secrets/" in path)
        and not name.endswith(_CODE_SUFFIXES)
    ):
        return True
    return None


def names_secret(path: str) -> bool:
    """Whether a path's names alone say it is a secret (`config/.env`, `deploy/key.pem`,
    `secrets/prod.yml`), as for a path inside the workspace."""
    return _secret_name(path, path[path.rfind("/") + 1 :]) is True


# Names no one keeps secrets in: a pattern that matches one of them selects ordinary files
# (`*.*`, `*`), whatever secrets it also matches.
_PLAIN_SAMPLES = (
    *("README.md", "app.py", "index.js", "notes.txt", "Makefile", "data.csv"),
    # every extension that secrets share with everyday files (`*.json` finds package.json)
    *("package.json", "docker-compose.yml", "config.yaml", "pyproject.toml", "setup.cfg"),
    *("tox.ini", "nginx.conf", "pom.xml", "app.log", "index.html", "main.go", "lib.rs"),
)


def bash_glob(pattern: str) -> str:
    """`pattern` with bash's `[^...]` written as fnmatch's `[!...]`: bash negates a bracket
    expression with either, Python's fnmatch only with `!` (it reads `[^.]` as `^` or `.`)."""
    return pattern.replace("[^", "[!") if "[^" in pattern else pattern


def find_secret_sample(pattern: str) -> str | None:
    """A secret's name that find's `-name PATTERN` selects, or None. find matches names with
    fnmatch without FNM_PERIOD, so a wildcard matches a leading dot (`*.env` and `?env` find
    `.env`, `*_history` finds `.bash_history`); a pattern that also matches ordinary names
    (`*`, `*.*`) is a walk over everything, not a search for secrets."""
    pattern = bash_glob(pattern)
    if not any(c in pattern for c in "*?["):
        return None
    if any(fnmatch.fnmatchcase(plain, pattern) for plain in _PLAIN_SAMPLES):
        return None
    for sample in (*_SECRET_SAMPLES, ".bash_history", ".zsh_history"):
        if fnmatch.fnmatchcase(sample, pattern):
            return sample
    return None


def secret_pattern(name: str) -> bool:
    """Whether a file name, or a wildcard for names, names secrets (`.env*`, `*.pem`)."""
    return _secret_name(name, name) is True


def is_secret(path: str, home: str) -> bool:
    name = path[path.rfind("/") + 1 :]  # os.path.basename
    verdict = _secret_name(path, name)
    if verdict is not None:
        return verdict
    if _SYSTEM_SECRET_BASES.holds(path):
        return True
    if path.startswith("/proc/") and path.endswith(("/environ", "/mem")):
        return True  # a process's environment and memory hold its keys
    home = _owner_home(path, home)
    if _home_bases(home)[0].holds(path):
        return True
    # a wildcard that can name the home directory (`/home/*/.ssh/*`), or another user's home
    # (`/home/alice/.config/gh/hosts.yml`): their credential files are credentials too
    return (
        "*" in path or "?" in path or "[" in path or path.startswith(("/home/", "/Users/"))
    ) and _wildcard_home_secret(path, home)


def _below_a_home_glob(path: str, home: str) -> list[str] | None:
    """The components below a home directory that leading wildcards can match (`/home/*/x`,
    `/h*/d?v/x`: the user's own, or any user's under /home or /Users), or None."""
    parts = path.strip("/").split("/")
    for root in (home.strip("/").split("/"), ["home", "*"], ["Users", "*"]):
        if len(parts) > len(root) and all(
            h == "*" or fnmatch.fnmatchcase(h, p) for p, h in zip(parts, root, strict=False)
        ):
            return parts[len(root) :]
    return None


@functools.lru_cache(maxsize=1024)
def _wildcard_home_secret(path: str, home: str) -> bool:
    """Whether a wildcard below the home directory (`~/.ss?`, `~/.a[w]s/config`, `~/.s*h`)
    matches a credential directory or file there, or a path below one. As in bash, a name
    starting with a dot is matched only by a pattern starting with one."""
    if path.startswith(home.rstrip("/") + "/"):
        parts = path[len(home.rstrip("/")) + 1 :].split("/")
    else:
        below = _below_a_home_glob(path, home)
        if below is None:
            return False
        parts = below
    for base in _HOME_SECRETS:
        names = base.split("/")
        if len(parts) >= len(names) and all(
            (name[:1] != "." or part[:1] == ".") and fnmatch.fnmatchcase(name, bash_glob(part))
            for part, name in zip(parts, names, strict=False)
        ):
            return True
    return False


# Inside the workspace: settings, state and instructions that decide what wakeful (or Claude
# Code) may do or will run. The session's scratch directory is the one exception.
_PROTECTED = (".wakeful", ".claude", ".mcp.json")
_PROTECTED_EXCEPT = (".wakeful/tmp",)


_PROTECTED_BASES = _Bases(_PROTECTED)
_PROTECTED_EXCEPT_BASES = _Bases(_PROTECTED_EXCEPT)


def is_protected(rel: str) -> bool:
    """Whether a workspace-relative path is one the agent never changes without asking.
    Compared without case: on a case-insensitive file system (macOS, Windows, casefolded
    directories) `.WAKEFUL/config.toml` is `.wakeful/config.toml`."""
    rel = rel.lower()
    if _PROTECTED_EXCEPT_BASES.holds(rel):
        return False
    return _PROTECTED_BASES.holds(rel)


@functools.lru_cache(maxsize=64)
def checkout_of_worktree(workspace: str) -> str | None:
    """The user's checkout when `workspace` is one of its wakeful worktrees
    (`<checkout>/.wakeful/worktrees/<id>`), judged from the path alone; else None."""
    parts = workspace.rstrip("/").rsplit("/", 3)
    if len(parts) == 4 and parts[1] == ".wakeful" and parts[2] == "worktrees" and parts[3]:
        return parts[0] or "/"
    return None


_UNKNOWN = Place(None, "unknown")


# What lstat said about paths during one command: its result, or None when the path does
# not exist (or cannot be searched). Made afresh for every command, never kept beyond it.
Looked = dict[str, os.stat_result | None]


def place_of(path: str | None, workspace: str, home: str, looked: Looked | None = None) -> Place:
    """Classify an absolute, normalised path (None: computed at run time).

    What the path's text decides is looked up once per path (`_lexical`); what the file
    system decides (symlinks and hard links inside the workspace, a `.git` file, whether a
    name in the shared temporary space exists) is looked up again on every call, or once
    per command with `looked`, the lstat results of the command's earlier paths."""
    if path is None:
        return _UNKNOWN
    lexical = _lexical(path, workspace, home)
    if isinstance(lexical, Place):
        return lexical
    if isinstance(lexical, _Inside):
        return _inside_place(path, workspace, home, lexical, looked)
    # _Scratch: the machine's shared temporary space is not this session's scratch (that
    # is `.wakeful/tmp/`, inside the workspace): a new name there harms nobody, but an
    # existing one may be another project's data.
    # A wildcard there (`/tmp/*.log`) names whatever exists, other programs' files too.
    # (os.path.lexists(path), without the exception a missing name costs it)
    try:
        existing = (
            os.access(path, os.F_OK, follow_symlinks=False)
            if _ACCESS_NOFOLLOW
            else os.path.lexists(path)
        )
    except ValueError:  # a NUL byte: no such name
        existing = False
    existing = existing or any(c in path for c in "*?[")
    return _new_place(Place, (path, "shared_tmp" if existing else "scratch", *lexical.flags))


class _Inside(NamedTuple):
    """A path inside the workspace, as far as its text tells: the flags of its Place
    (contains_workspace, is_home, is_root, is_workspace), its workspace-relative name, and
    the verdicts its name gives before and after the file system is asked (see
    `_inside_place`)."""

    flags: tuple[bool, bool, bool, bool]
    rel: str
    git_internal: bool  # .git/hooks..., .git/config
    dot_git: bool  # the `.git` entry itself
    protected: bool
    git_store: bool
    # The path of each component of `rel` below the workspace, in order (what the walk for
    # symlinks looks up), and the Place of the path when the file system finds nothing to
    # change its zone.
    steps: tuple[str, ...]
    plain: Place


class _Scratch(NamedTuple):
    """A name in the shared temporary space (with its Place's flags): whether it exists
    decides its zone."""

    flags: tuple[bool, bool, bool, bool]


# Other version control's repository configuration, which names hooks, aliases, pagers and
# extensions that run on the next command as .git/config does (Mercurial, Jujutsu), and
# their stores (and Subversion's and Fossil's checkout state): the repository's own data.
_VCS_CONFIG = (".hg/hgrc", ".hg/hgrc-not-shared", ".jj/repo/config.toml")
_VCS_DIRS = (".hg", ".jj", ".svn")
_VCS_STORE_NAMES = frozenset({*_VCS_DIRS, ".fslckout", "_fossil_"})


def _vcs_internal(folded: str) -> bool:
    """.git/hooks, .git/config and their like in other version control (case folded), and
    the directories hook managers point `core.hooksPath` at (husky's `.husky/`, the
    `.githooks/` convention): a hook written there runs at the user's next commit, outside
    any sandbox."""
    return (
        folded.startswith((".git/hooks", ".husky/", ".githooks/"))
        # the directories themselves: what is copied, moved or extracted into them lands
        # among their hooks (`cp EVIL/pre-commit .husky`)
        or folded in (".husky", ".githooks")
        or folded == ".git/config"
        or folded in _VCS_CONFIG
        or folded.startswith(".hg/hgrc.d/")
    )


def _vcs_store(rel: str) -> bool:
    """A path inside a repository's own data (.git/ but its disposable files, .hg/, .jj/,
    .svn/, Fossil's checkout database)."""
    if rel.startswith(".git/"):
        return not (rel.endswith(".lock") or rel in _GIT_SCRATCH or rel.startswith(".git/info/"))
    return rel.lower() in _VCS_STORE_NAMES or rel.split("/", 1)[0].lower() in _VCS_DIRS


# Workspace places whose files run code or decide what wakeful may do, as a wildcard may
# reach them (`.g*/hooks/pre-commit`, `.*/config`, `.cl*/settings.json`): the longest first.
_GUARDED_RELS = (
    ".git/hooks", ".git/config", ".hg/hgrc", ".jj/repo/config.toml",
    ".git", ".husky", ".githooks", ".wakeful", ".claude", ".mcp.json",
)  # fmt: skip


def glob_reaches(pattern: str, base: str) -> bool:
    """Whether the shell's expansion of a wildcard path can name `base` or a path below it
    (the pattern's leading names match base's names, one by one)."""
    parts = pattern.split("/")
    names = base.split("/")
    return len(parts) >= len(names) and all(
        _glob_name(part, name) for part, name in zip(parts, names, strict=False)
    )


def _guarded_rel(rel: str) -> str:
    """A workspace-relative wildcard path with its leading names replaced by the guarded
    place they can name (`.g*/hooks/x` is judged as `.git/hooks/x`), else as given."""
    if not any(c in rel for c in "*?["):
        return rel
    for guarded in _GUARDED_RELS:
        if glob_reaches(rel, guarded):
            depth = guarded.count("/") + 1
            return "/".join([guarded, *rel.split("/")[depth:]])
    return rel


@functools.lru_cache(maxsize=8192)
def _lexical(path: str, workspace: str, home: str) -> Place | _Inside | _Scratch:
    """Everything `place_of` decides from the path's text alone (a pure function of its
    arguments, so it is computed once per path)."""
    contains_ws = _under(workspace, path) and path != workspace
    is_home = path == home or (_under(home, path) and path != home)
    is_root = path == "/"
    is_ws = path == workspace
    zone = _zone(path, workspace, home, is_home, is_root)
    if zone is None:
        flags = (contains_ws, is_home, is_root, is_ws)
        if _under(path, workspace):
            rel = path[len(workspace) :].lstrip("/")
            steps: list[str] = []
            current = workspace
            for part in rel.split("/") if rel else ():
                current = current + "/" + part
                steps.append(current)
            judged = _guarded_rel(rel)
            folded = judged.lower()
            return _Inside(
                flags,
                rel,
                _vcs_internal(folded),
                folded == ".git",
                is_protected(judged),
                _vcs_store(judged),
                tuple(steps),
                Place(path, "workspace", *flags),
            )
        return _Scratch(flags)
    return Place(path, zone, contains_ws, is_home, is_root, is_ws)


@functools.lru_cache(maxsize=32)
def _bases_apart(workspace: str, home: str) -> bool:
    """Whether no directory that `_zone` tests before the workspace (harmless devices,
    /dev and /proc, system and home credentials and persistence) lies inside the workspace
    or around it. A path inside the workspace is then held by none of them (two directories
    that both hold a path are one inside the other), so only its name can make it a secret."""
    home_secrets, home_persist = _home_bases(home)
    bases = (
        _HARMLESS_BASES.exact
        | _SYSTEM_SECRET_BASES.exact
        | _SYSTEM_PERSIST_BASES.exact
        | home_secrets.exact
        | home_persist.exact
        | {"/dev", "/proc"}
    )
    return not any(_under(base, workspace) or _under(workspace, base) for base in bases)


def _zone(path: str, workspace: str, home: str, is_home: bool, is_root: bool) -> str | None:
    """The zone that the path's text decides; None for a path inside the workspace or in
    the shared temporary space (the file system decides: see `place_of`)."""
    if _under(path, workspace) and _bases_apart(workspace, home):
        # What the checks below decide for a path inside the workspace, without the ones
        # that cannot hold it (see _bases_apart); is_home is false here for the same reason.
        if _secret_name(path, path[path.rfind("/") + 1 :]):
            return "secret"
        return None
    if _HARMLESS_BASES.holds(path):
        return "harmless"
    if path.startswith("/dev/") or path == "/proc/kcore":
        return "device"
    if is_secret(path, home) and not is_home:
        return "secret"
    if _home_bases(home)[1].holds(path) or _SYSTEM_PERSIST_BASES.holds(path):
        return "persist"
    if _under(path, workspace):
        return None
    checkout = checkout_of_worktree(workspace)
    if checkout is not None and _under(path, checkout):
        # The workspace is a wakeful worktree (`<checkout>/.wakeful/worktrees/<id>`): the
        # user's own checkout around it is outside this run's workspace, and its `.git` and
        # `.wakeful` (other runs' worktrees among them) are protected as they are there.
        rel = path[len(checkout) :].lstrip("/")
        folded = rel.lower()
        if _vcs_internal(folded) or folded == ".git":
            return "git_internal"
        if is_protected(rel):
            return "protected"
        if folded.startswith(".git/") or _vcs_store(rel):
            return "git_store"
        return "other"
    if _under(path, home):
        return "home"
    if ("*" in path or "?" in path or "[" in path) and _below_a_home_glob(path, home):
        return "home"  # `/home/*/notes.txt`: a wildcard that can name the home directory
    if _SCRATCH_BASES.holds(path) and path not in _SCRATCH:
        return None  # scratch or shared_tmp: see place_of
    if is_root or _SYSTEM_BASES.holds(path) or path in _SCRATCH:
        return "system"
    return "other"


_new_place = tuple.__new__  # Place(...) without the named tuple's Python-level __new__
# Whether access(2) can be asked about a name without following a link there (Linux and
# macOS can): then a missing name is found missing without lstat's exception.
_ACCESS_NOFOLLOW = os.access in os.supports_follow_symlinks


def _inside_place(
    path: str, workspace: str, home: str, inside: _Inside, looked: Looked | None
) -> Place:
    """The Place of a path inside the workspace, once no base directory holds it: its
    symlinks, its `.git` file and its hard links are looked up now (one lstat per component
    of the path: when one fails, the component does not exist or cannot be searched, so no
    deeper one is a link; the last lstat tells about hard links too), its name was judged
    once (`inside`)."""
    found: os.stat_result | None = None
    # A workspace that this command found missing holds nothing: no component exists.
    for current in inside.steps if looked is None or looked.get(workspace, 0) is not None else ():
        if looked is not None and current in looked:
            found = looked[current]
        else:
            # os.lstat, asked only of a name that exists: access(2) without following links
            # answers a missing one (most) for less than lstat's exception costs.
            try:
                found = (
                    os.lstat(current)
                    if not _ACCESS_NOFOLLOW or os.access(current, os.F_OK, follow_symlinks=False)
                    else None
                )
            except (OSError, ValueError):
                found = None
            if looked is not None:
                looked[current] = found
        if found is None:
            # Missing or not searchable: no deeper component is a link either.
            break
        if stat.S_ISLNK(found.st_mode):
            joined = workspace + "/" + inside.rel
            real = os.path.realpath(joined)
            if real != joined:
                # A symlink inside the workspace: judge the place it leads to.
                return place_of(real, workspace, home, looked)
            try:  # a link that resolves to its own path (a loop)
                found = os.lstat(joined)
            except OSError:
                found = None
            break
    if inside.git_internal:
        zone = "git_internal"
    elif inside.dot_git:
        # A worktree's (or submodule's) `.git` file names its git directory: pointing it
        # elsewhere would send wakeful's own commits into another repository. What is
        # copied, moved or extracted into a `.git` directory lands among its config and
        # hooks (`cp EVIL/config .git`, `tar xf X -C .git`).
        zone = "git_internal"
    elif inside.protected:
        zone = "protected"
    elif (
        found.st_nlink > 1 and stat.S_ISREG(found.st_mode)
        if found is not None
        else not inside.rel
        and (looked is None or looked.get(workspace, 0) is not None)
        and _hard_linked(path)
    ):
        zone = "hardlinked"
    elif inside.git_store:
        zone = "git_store"
    else:
        return inside.plain
    return _new_place(Place, (path, zone, *inside.flags))


_SHELL_STARTUP = re.compile(
    r".*/\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin)$"
    # fish's (`set -gx GITHUB_TOKEN ...` lives there as `export` does in .bashrc)
    r"|.*/\.config/fish/(config\.fish|conf\.d/[^/]+\.fish)$"
)


# A public key beside the private ones (`~/.ssh/id_ed25519.pub`, `~/.ssh/*.pub`): the name
# says public (see _NOT_SECRET), and it is made to be handed out
_SSH_PUBLIC_KEY = re.compile(r"/\.ssh/[^/]+\.pub\Z")


def read_tier(place: Place) -> tuple[Tier, str]:
    zone = place.zone
    if zone == "workspace":  # most paths: the last verdict below, reached first
        return Tier.READ_ONLY, f"reads {place.path or _COMPUTED}"
    if zone == "hardlinked":
        return Tier.HIGH, (
            f"reads {place.label}, a file with several hard links: its contents may be a file "
            "outside the workspace"
        )
    if zone == "secret":
        return Tier.CRITICAL, f"reads credentials at {place.label}"
    if zone == "device" and place.path is not None and _RAW_DEVICE.match(place.path):
        return Tier.CRITICAL, (
            f"reads the raw device {place.label} (a whole disk, memory, an input device, a "
            "microphone, a camera or a console's screen)"
        )
    if zone == "unknown":
        return Tier.READ_ONLY, "reads a path computed at run time"
    if zone in ("home", "other"):
        if place.path is not None and _SSH_PUBLIC_KEY.search(place.path):
            return Tier.READ_ONLY, f"reads the public key {place.label}"
        return Tier.HIGH, f"reads {place.label}, outside the workspace"
    if zone == "persist" and place.path is not None and _SHELL_STARTUP.match(place.path):
        # a user's shell startup file is where API tokens are exported (MITRE T1552.001)
        return Tier.HIGH, f"reads {place.label}, a shell startup file that may export tokens"
    if zone in ("system", "persist") and place.path is not None and _private_file(place.path):
        return Tier.HIGH, (
            f"reads {place.label}, a file others may not read (credentials are kept so)"
        )
    return Tier.READ_ONLY, f"reads {place.path or _COMPUTED}"


def _private_file(path: str) -> bool:
    """Whether `path` is a regular file that others may not read (mode without o+r), as
    credentials are kept wherever they live (Wi-Fi keys, a tool's token file, a cluster's
    admin kubeconfig): a secret no list names. Asked of the file system on every call."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IROTH


# A repository's config, hooks or git directory in the temporary space: git run there
# (`cd /tmp/x && git status`) runs what they name (core.fsmonitor, hooks).
_SCRATCH_GIT_INTERNAL = re.compile(r".*/\.git(/config|/hooks(/.*)?)?")


def write_tier(place: Place) -> tuple[Tier, str]:
    zone = place.zone
    label = place.path or _COMPUTED  # place.label, without the property's call
    if zone == "harmless":
        return Tier.READ_ONLY, f"writes to {label}"
    if zone == "scratch" and _SCRATCH_GIT_INTERNAL.fullmatch(label):
        return Tier.HIGH, (
            f"writes {label}, a repository's config or hooks in the temporary space: git run "
            "there runs what they name"
        )
    if zone in ("workspace", "scratch"):
        return Tier.WORKSPACE, f"writes {label} inside the workspace" if zone == "workspace" else (
            f"writes {label} in temporary space"
        )
    if zone == "secret":
        return Tier.CRITICAL, f"writes credentials at {label}"
    if zone == "persist":
        return Tier.CRITICAL, f"writes {label}, which runs code later (persistence)"
    if zone == "device":
        return Tier.CRITICAL, f"writes the device {label}"
    if zone == "git_internal":
        return Tier.CRITICAL, (
            f"writes {'git' if '/.git/' in f'{label}/' else 'repository'} internals {label} "
            "(hooks and config run code; protected, "
            "never changed without asking)"
        )
    if zone == "hardlinked":
        return Tier.HIGH, (
            f"writes {label}, a file with several hard links: the write would change the "
            "same file wherever else it is linked"
        )
    if zone == "protected":
        return Tier.CRITICAL, (
            f"writes {label}, wakeful's own settings or state (protected, never changed "
            "without asking)"
        )
    if zone == "shared_tmp":
        return Tier.HIGH, (
            f"writes {label}, which already exists in the shared temporary space (it may be "
            "another program's data; this session's scratch is .wakeful/tmp/)"
        )
    if zone == "git_store":
        return Tier.HIGH, f"writes the repository's own data {label} (can lose history)"
    if zone == "unknown":
        return Tier.HIGH, "writes a path computed at run time"
    if zone == "system":
        return Tier.HIGH, f"writes the system path {label}"
    return Tier.HIGH, f"writes {label}, outside the workspace"


def delete_tier(place: Place, recursive: bool, glob_all: bool = False) -> tuple[Tier, str]:
    label = place.path or _COMPUTED  # place.label, without the property's call
    zone = place.zone
    if (
        place.is_root
        or place.is_home
        or (
            place.contains_workspace
            and zone in ("home", "system")
            and place.path is not None
            and len(place.path.strip("/").split("/")) <= 2
        )
    ):
        return Tier.CRITICAL, f"deletes {label}, which holds the home directory or the system"
    if zone in ("secret", "persist", "device"):
        return Tier.CRITICAL, f"deletes {label} ({zone})"
    if (
        zone == "git_internal"
        and place.path is not None
        and os.path.basename(place.path) == ".git"
        and os.path.isdir(place.path)
    ):
        return Tier.HIGH, f"deletes the repository history {label}"
    if zone in ("protected", "git_internal"):
        return Tier.CRITICAL, f"deletes {label} (protected: wakeful's or git's settings)"
    if zone == "shared_tmp":
        return Tier.HIGH, (
            f"deletes {label} in the shared temporary space, which may be another program's "
            "data (this session's scratch is .wakeful/tmp/)"
        )
    if place.contains_workspace:
        return (
            Tier.CRITICAL if zone == "home" else Tier.HIGH,
            f"deletes {label}, which contains the workspace",
        )
    if zone == "system":
        return (Tier.CRITICAL if recursive else Tier.HIGH), f"deletes the system path {label}"
    if zone == "git_store":
        return Tier.HIGH, f"deletes the repository's own data {label} (history can be lost)"
    if zone in ("workspace", "scratch", "hardlinked"):
        if place.path is not None and zone == "workspace":
            base = os.path.basename(place.path)
            if base == ".git" or base.lower() in _VCS_STORE_NAMES:
                return Tier.HIGH, f"deletes the repository history {label}"
        if place.is_workspace:
            return Tier.HIGH, f"deletes the whole workspace {label} (mass deletion)"
        if glob_all and recursive and zone == "git_internal":
            return Tier.HIGH, f"deletes everything in {label} (mass deletion)"
        return Tier.WORKSPACE, f"deletes {label} inside the workspace" if zone != "scratch" else (
            f"deletes {label} in temporary space"
        )
    if zone == "unknown":
        return Tier.HIGH, "deletes a path computed at run time"
    return Tier.HIGH, f"deletes {label}, outside the workspace"
