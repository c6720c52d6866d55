"""Data only: what inline code may call and still be read-only (Python's safe calls and
modules, JavaScript's globals and calls, R, Perl and constant printers). `inline.py`
judges code with them."""

from __future__ import annotations

import re
from types import MappingProxyType

_SAFE_PY_CALLS = frozenset(
    {
        "print",
        "len",
        "sorted",
        "sum",
        "min",
        "max",
        "str",
        "int",
        "float",
        "repr",
        "list",
        "dict",
        "set",
        "tuple",
        "range",
        "enumerate",
        "zip",
        "map",
        "filter",
        "abs",
        "round",
        "format",
        "dumps",
        "loads",
        "version",
        "platform",
        "python_version",
        "get_paths",
        "getcwd",
        "cpu_count",
        "join",
        "split",
        "upper",
        "lower",
        "strip",
        "keys",
        "values",
        "items",
        "type",
        "isinstance",
        "hex",
        "ord",
        "chr",
        "bool",
        "any",
        "all",
        "uuid4",
        "getdefaultencoding",
        "getrecursionlimit",
        "exit",  # sys.exit(STATUS) and exit(STATUS): the status is judged as any expression
        "exists",
        "isfile",
        "isdir",
        "basename",
        "dirname",
        "abspath",
        "splitext",
        "get_python_lib",
        "find_spec",
        "metadata",
        "pformat",
        "pprint",
        "hexdigest",
        "sha256",
        "md5",
        "now",
        "today",
        "isoformat",
        "time",
        "gettempdir",
        "getsitepackages",
        "get_config_var",
        "calcsize",
        "maxsize",
        "encode",
        "decode",
        "count",
        "startswith",
        "endswith",
        "replace",
        "readlines",
        "reverse",
        "sort",
        "append",
        "extend",
        "load",
        "safe_load",
        "read",
        "readline",
        "get_version",
        "listdir",
        "expanduser",
        "glob",
        "getsizeof",
        "getpreferredencoding",
        "compile",
        "match",
        "fullmatch",
        "search",
        "findall",
        "sub",
        "group",
        "groups",
        "splitlines",
        "rstrip",
        "lstrip",
        "zfill",
        "ljust",
        "rjust",
        "title",
        "find",
        "index",
        "isdigit",
        "isalpha",
        "strftime",
        "fromtimestamp",
        "utcnow",
        "sqrt",
        "floor",
        "ceil",
        "pow",
        "mean",
        "median",
        "Counter",
        "defaultdict",
        "reduce",
        "chain",
        "product",
        "b64encode",
        "b64decode",
        "which",
        "stat",
        "get_platform",
        "python_implementation",
        "machine",
        "system_alias",
        "uname",
        "node_name",
        "processor",
        "get_default_verify_paths",
        "getfilesystemencoding",
        "asdict",
        "parse",
        "walk",
        "literal_eval",
        "get_docstring",
        "iter_child_nodes",
        "unparse",
    }
)
# Importing these does something by itself (opens a browser, a terminal, the network).
_UNSAFE_PY_IMPORTS = frozenset(
    {
        "antigravity",
        "webbrowser",
        "pty",
        "turtle",
        "pickle",
        "marshal",
        "shelve",
        "dill",
        "cloudpickle",
        "joblib",
        "jsonpickle",
        "code",
        "codeop",
        "runpy",
        "ctypes",
        "cffi",
    }
)
_SAFE_PY_MODULES = frozenset(
    {
        "sys",
        "json",
        "math",
        "platform",
        "os.path",
        "re",
        "sysconfig",
        "site",
        "datetime",
        "time",
        "uuid",
        "hashlib",
        "string",
        "collections",
        "itertools",
        "functools",
        "pprint",
        "struct",
        "decimal",
        "fractions",
        "statistics",
        "random",
        "textwrap",
        "importlib",
        "importlib.metadata",
        "importlib.util",
        "tempfile",
        "locale",
        "keyword",
        "unicodedata",
        "distutils.sysconfig",
        "tomllib",
        "typing",
        "dataclasses",
        "enum",
        "operator",
        "ssl",
        "zlib",
        "ast",
        "tokenize",
    }
)
_SHELL_CALLS = frozenset(
    {
        "system",
        "popen",
        "run",
        "call",
        "check_call",
        "check_output",
        "Popen",
        "getoutput",
        "getstatusoutput",
        "spawn",
        "execSync",
        "exec",
        "execFileSync",
        "spawnSync",
    }
)


# Calls allowed on modules outside _SAFE_PY_MODULES (`numpy.__version__` needs none;
# `django.get_version()` and `torch.cuda.is_available()` need these).
_PY_ANY_MODULE_CALLS = frozenset(
    {"get_version", "version", "is_available", "device_count", "get_device_name", "safe_load"}
)
_PY_MODULE_CALLS: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "os": frozenset(
            {"getcwd", "cpu_count", "listdir", "getpid", "getuid", "uname", "get_terminal_size"}
        ),
        "shutil": frozenset({"which", "disk_usage", "get_terminal_size"}),
        "multiprocessing": frozenset({"cpu_count"}),
        "numpy": frozenset({"show_config"}),
    }
)
_PY_PUBLIC_DUNDERS = frozenset({"__version__", "__file__", "__name__", "__doc__", "__path__"})


_PY_READ_MODES = frozenset({"r", "rb", "rt", "br", "tr"})


# Inline JavaScript that only prints: global names and called methods on these lists, no
# assignment, no template strings, `require` only of JSON files and harmless core modules.
_JS_GLOBALS = frozenset(
    {
        "console",
        "process",
        "JSON",
        "Object",
        "Math",
        "Date",
        "require",
        "Number",
        "String",
        "Array",
        "Boolean",
        "Intl",
        "parseInt",
        "parseFloat",
        "isNaN",
        "new",
        "typeof",
        "true",
        "false",
        "null",
        "undefined",
        "Buffer",
        "os",
        "path",
        "v8",
    }
)
_JS_CALLS = frozenset(
    {
        "log",
        "error",
        "info",
        "warn",
        "dir",
        "table",
        "stringify",
        "parse",
        "keys",
        "values",
        "entries",
        "cwd",
        "cpus",
        "totalmem",
        "freemem",
        "hostname",
        "type",
        "tmpdir",
        "platform",
        "arch",
        "release",
        "uptime",
        "resolve",
        "join",
        "dirname",
        "basename",
        "extname",
        "require",
        "now",
        "toISOString",
        "toString",
        "toFixed",
        "map",
        "filter",
        "split",
        "trim",
        "toUpperCase",
        "toLowerCase",
        "sort",
        "slice",
        "includes",
        "startsWith",
        "endsWith",
        "isArray",
        "from",
        "max",
        "min",
        "floor",
        "ceil",
        "round",
        "parseInt",
        "parseFloat",
        "Number",
        "String",
        "Boolean",
        "Date",
        "DateTimeFormat",
        "resolvedOptions",
        "reduce",
        "forEach",
        "find",
        "some",
        "every",
        "padStart",
        "padEnd",
        "concat",
        "reverse",
        "getTime",
        "toLocaleString",
        "memoryUsage",
        "hrtime",
        "getHeapStatistics",
        "availableParallelism",
    }
)
_JS_FORBIDDEN = re.compile(
    r"\b(env|constructor|prototype|__proto__|Function|eval|import|globalThis|global|module|"
    r"mainModule|binding|dlopen|Reflect|Proxy|exit|kill|abort|chdir|setuid|setgid)\b"
)


# One print of a constant or a literal (`puts RUBY_VERSION`, `echo PHP_VERSION;`,
# `print(_VERSION)`, `println(VERSION)`): upper-case names are constants in these languages,
# so nothing is called.
# R calls that only report: the session, the version, library paths, or a summary of a
# data file read by name (a literal path, judged as a read).
_R_READS = re.compile(
    r"\s*(sessionInfo\(\)|R\.version\.string|R\.version(\$\w+)?|\.libPaths\(\)|"
    r"(print|summary|str|head|tail|nrow|ncol|dim|names)\("
    r"(read\.csv|read\.csv2|read\.delim|read\.table|readRDS)\(\s*\"(?P<file>[^\"$\\`]+)\"\s*\)\))"
    r"\s*;?\s*"
)
_PRINTS_CONSTANT = re.compile(
    r"\s*(puts|print|p|println|echo|printf|io\.write)\s*\(?\s*"
    r"([A-Z_][A-Z0-9_]*|\d+(\.\d+)?(\s*[-+*/%]\s*\d+(\.\d+)?)*|\"[^\"\\$#{}]*\"|'[^'\\]*')"
    r"\s*\)?\s*;?\s*"
)


# Perl one-liners that only edit text (`perl -pi -e 's/a/b/g' files`): no code that reaches
# the system, no modules, no s///e.
_PERL_FORBIDDEN = re.compile(
    r"\b(system|exec|qx|fork|kill|unlink|rmdir|rename|mkdir|chmod|chown|chdir|symlink|link|"
    r"truncate|open|opendir|sysopen|socket|connect|eval|require|use|do|glob|syscall|dump|"
    r"utime|ARGV|ENV|SIG|INC|readpipe|pipe|fcntl|ioctl|dbmopen|setpgrp|sub)\b|`|<\s*[$*~/.\w]"
)
