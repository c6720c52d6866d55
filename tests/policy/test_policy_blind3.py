"""Classes of leaks and false alarms found by the third blind set (corpora/risk-blind-3.tsv,
written from other projects' command-safety tests, GTFOBins and tools' manuals before the
classifier was measured on it). Each class holds for the siblings of the command that found
it: the same option in related programs, the same variable, the same kind of operand."""

from __future__ import annotations

import pytest

from wakeful.policy.shell import classify_command
from wakeful.testing.classifier import HOME, WS, auto_allows, tier


@pytest.mark.parametrize(
    "cmd",
    [
        "date -f ~/.ssh/id_rsa",
        "date --file=/home/dev/.aws/credentials",
        "dmesg -rF ~/.ssh/id_rsa",
        "dmesg --file ~/.ssh/id_rsa",
        "ss -a -F ~/.ssh/id_rsa",
        "ss --filter=/home/dev/.ssh/id_rsa",
        "last -a -f ~/.ssh/id_rsa",
        "lastb -f ~/.ssh/id_rsa",
        "man ~/.ssh/id_rsa",
        "man -l ~/.netrc",
        "history -r ~/.ssh/id_rsa",
        "history -n ~/.aws/credentials",
        "git blame --contents ~/.ssh/id_rsa README.md",
        "git blame --contents=/home/dev/.ssh/id_rsa README.md",
        "aws ec2 describe-instances --filter file://$HOME/.ssh/id_rsa",
        "aws ec2 describe-instances --cli-input-json file:///home/dev/.aws/credentials",
        "aws lambda list-functions --cli-input-yaml fileb://~/.ssh/id_rsa",
    ],
)
def test_options_and_operands_naming_a_file_read_it(cmd: str) -> None:
    assert tier(cmd) == "critical", cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "date -f dates.txt",
        "dmesg -F saved/kernel.log",
        "man ./docs/tool.1",
        "man 5 crontab",
        "git blame --contents draft.py src/app.py",
        "last -n 5",
        "history 20",
    ],
)
def test_reading_workspace_files_through_those_options_stays_allowed(cmd: str) -> None:
    assert tier(cmd) == "read_only", cmd


@pytest.mark.parametrize(
    "cmd",
    ["ip -force -batch ~/.ssh/id_rsa", "ip -b cmds.txt", "ip -batch - < cmds.txt"],
)
def test_ip_batch_runs_commands_from_a_file(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cat /dev/input/event0",
        "cat /dev/input/mice > moves.bin",
        "head -c 4096 /dev/snd/pcmC0D0c > mic.raw",
        "dd if=/dev/video0 of=frame.raw bs=1M count=1",
        "cat /dev/vcs1",
        "cat /dev/vcsa2",
        "cat /dev/hidraw0",
    ],
)
def test_keyboards_microphones_cameras_and_consoles_are_never_read(cmd: str) -> None:
    assert tier(cmd) == "critical", cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "npm config get //registry.npmjs.org/:_authToken",
        "npm config get _auth",
        "npm get //npm.pkg.github.com/:_authToken",
        "pnpm config get //registry.npmjs.org/:_authToken",
        "yarn config get npmAuthToken",
        "kubectl config view --raw",
        "kubectl config view --minify --raw -o jsonpath='{.users[0].user.token}'",
        "gcloud config config-helper --format=json",
    ],
)
def test_configuration_commands_that_print_credentials(cmd: str) -> None:
    assert tier(cmd) == "critical", cmd


@pytest.mark.parametrize(
    "cmd", ["npm config get registry", "kubectl config view", "yarn config get npmRegistryServer"]
)
def test_configuration_reads_without_credentials_stay_allowed(cmd: str) -> None:
    assert tier(cmd) == "read_only", cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cowsay -f /tmp/x.cow hi",
        "cowthink -f /tmp/x.cow hi",
        "hash -p /tmp/evil ls; ls",
        "service ../../bin/sh",
        "service ./x.sh start",
        "PYTHONPATH=/tmp/evil python -m pytest",
        "PYTHONPATH=src:/tmp/evil pytest",
        "PYTHONPATH=$(pwd)/../evil pytest",
        'PYTHONPATH="$PYTHONPATH:/tmp/e" pytest',
        "PYTHONPATH=$(echo /tmp/x) pytest",
        "PERL5LIB=/tmp/x perl tools/fix.pl",
        "RUBYLIB=/tmp/x ruby app.rb",
        "NODE_PATH=/tmp/x node app.js",
        "export PYTHONPATH=/tmp/evil",
        "env PYTHONPATH=/tmp/evil pytest",
        "NODE_OPTIONS='--require /tmp/evil.js' npm test",
        "NODE_OPTIONS=--inspect=0.0.0.0:9229 node app.js",
        "eslint --rulesdir /tmp/rules src",
        "eslint -c /tmp/evil.config.js src",
        "eslint --config=/tmp/e.js src",
        "jest --config /tmp/jest.config.js",
        "vitest -c /tmp/v.config.ts",
        "rake -f /tmp/Rakefile",
        "rake --rakefile=/tmp/Rakefile build",
        "rake -p 'system(\"rm -rf ~\")'",
        "rake -e 'x'",
        "latexmk -pdf -pdflatex='sh -c \"rm -rf ~\" #' paper.tex",
        "latexmk -lualatex='rm -rf ~' paper.tex",
        "npm run build --script-shell='sh -c \"rm -rf ~\" #'",
        "npm test --node-options='--require /tmp/evil.js'",
        "pnpm run build --script-shell=/tmp/sh",
        "npm_config_script_shell=/tmp/sh npm run build",
        "NPM_CONFIG_SCRIPT_SHELL=/tmp/sh npm run build",
        "npm_config_node_options='--require /tmp/x.js' npm test",
        "./gradlew -I /tmp/init.gradle build",
        "gradle -b /tmp/build.gradle build",
        "mvn -f /tmp/pom.xml package",
    ],
)
def test_code_loaded_from_outside_the_workspace(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cowsay -f dragon hi",
        "PYTHONPATH=src pytest",
        "PYTHONPATH=src:tests python -m pytest",
        "PYTHONPATH=$(pwd)/src pytest",
        'PYTHONPATH="${PYTHONPATH}:src" pytest',
        "export PYTHONPATH=$PYTHONPATH:$(pwd)",
        "PERL5LIB=lib perl tools/fix.pl",
        "NODE_OPTIONS=--max-old-space-size=4096 npm run build",
        "NODE_OPTIONS='--enable-source-maps --max-old-space-size=8192' node dist/app.js",
        "eslint -c .eslintrc.cjs src",
        "jest --config jest.config.js",
        "rake -f tasks/build.rake",
        "latexmk -pdf paper.tex",
        "npm run build",
    ],
)
def test_the_same_options_on_workspace_files_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "exiftool -filename=$HOME/.bashrc payload.jpg",
        "exiftool -FileName=/home/dev/.bashrc x.jpg",
        "exiftool -Directory=/home/dev/.config/autostart x.jpg",
        "exiftool '-description<=/home/dev/.ssh/id_rsa' photo.jpg",
        "exiftool '-Comment<=/home/dev/.aws/credentials' -o out.jpg photo.jpg",
        "exiftool '-FileName<${CreateDate}' photo.jpg",
        "exiftool '-Directory<Keywords' photo.jpg",
        "npm pack --pack-destination ~",
        "pnpm pack --pack-destination /home/dev/pkgs",
        "python3 -m venv ~/.venvs/x",
        "python -m venv --clear /home/dev/.local",
        "virtualenv ~/.venvs/x",
        "uv venv ~/.venvs/x",
    ],
)
def test_destinations_and_sources_given_as_option_values(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "exiftool -FileName=renamed.jpg x.jpg",
        "exiftool '-Comment<=notes.txt' photo.jpg",
        "npm pack --pack-destination dist",
        "python3 -m venv .venv",
    ],
)
def test_destinations_inside_the_workspace_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        ".venv/bin/pip install -e .",
        "venv/bin/pip install requests",
        ".venv/bin/pip3 install -r requirements.txt",
        ".venv/bin/python -m pip install requests",
        "php -S 0.0.0.0:80",
        "php -S 0.0.0.0:8000 -t public",
        "find /tmp -name '*.tmp' -delete",
        "find /var/tmp -type f -delete",
        "find /tmp -name '*.log' -exec rm {} +",
    ],
)
def test_project_tools_that_fetch_serve_or_sweep_shared_scratch(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        ".venv/bin/pip uninstall -y requests",
        ".venv/bin/pip list",
        "rm -f /tmp/build.log",
    ],
)
def test_project_tools_and_own_scratch_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "find ~ -name 'id_*' -type f",
        "find / -name '*.ppk' 2>/dev/null",
        "find ~ -iname '*_rsa'",
        "find /home -name '*.gpg'",
        "locate '*.kdbx'",
        "fd id_rsa ~",
        "fd -e pem . /home/dev",
    ],
)
def test_searches_for_credential_file_names_by_wildcard(cmd: str) -> None:
    assert tier(cmd) == "critical", cmd


@pytest.mark.parametrize("cmd", ["find ~ -name '*.py'", "find . -name 'id_*'", "find ~ -name '*'"])
def test_other_wildcard_searches_are_not_reconnaissance(cmd: str) -> None:
    assert tier(cmd) != "critical", cmd


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("sysctl -n vm.swappiness", "read_only"),
        ("sysctl -a", "read_only"),
        ("sysctl net.ipv4.ip_forward", "read_only"),
        ("sysctl -w vm.swappiness=10", "critical"),
        ("sysctl vm.swappiness=10", "critical"),
        ("sysctl -p", "critical"),
        ("rpm --eval '%{_libdir}'", "read_only"),
        ("rpm --eval '%(id)'", "high"),
        ("rpm --eval '%{lua: os.execute(\"id\")}'", "high"),
        ("gem build mygem.gemspec", "workspace"),
    ],
)
def test_false_alarms_and_their_dangerous_siblings(cmd: str, expected: str) -> None:
    assert tier(cmd) == expected, cmd


@pytest.mark.parametrize(
    "cmd",
    [
        'sysctl -n "/../../home/dev/.ssh/id_rsa"',
        "sysctl -n ../../../home/dev/.aws/credentials",
        "gem build /tmp/x.gemspec",
        "f() { rm -rf ~; }; f",
    ],
)
def test_siblings_of_the_false_alarms_stay_denied(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "chrt 1 git push origin main",
        "chrt -i 0 git push origin main",
        "entr -r git push origin main",
        "choom -n 0 git push origin main",
        "cpulimit -l 50 -- git push origin main",
        "grc git push origin main",
    ],
)
def test_scheduling_and_watching_wrappers_expose_the_inner_command(cmd: str) -> None:
    """A deny rule on `git push` matches these forms as it does `nice git push`."""
    c = classify_command(cmd, WS, HOME)
    assert any(form.startswith("git push") for form in c.commands), c.commands


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("basenc --base64 logo.svg", "read_only"),
        ("hd -n 64 build/app.bin", "read_only"),
        ("pygmentize -l python src/app.py", "read_only"),
        ("csvtool col 1-2 data.csv", "read_only"),
        ("fzf --filter main < files.txt", "read_only"),
        ("run-parts --test scripts.d", "read_only"),
        ("expect tests/login.exp", "workspace"),
        ("gnuplot plots/latency.gp", "workspace"),
        ("msgfmt -o locale/de/app.mo locale/de/app.po", "workspace"),
        ("ls src/*.py | entr -r python app.py", "workspace"),
        ("basenc --base64 ~/.aws/credentials", "critical"),
        ("pygmentize -o ~/.bashrc src/app.py", "critical"),
        ("csvtool call 'rm -rf ~;false' data.csv", "high"),
        ("fzf --bind 'enter:execute(rm -rf ~)'", "high"),
        ("run-parts /etc/cron.daily", "high"),
        ("gnuplot -e 'system(\"rm -rf ~\")'", "high"),
        ("msgattrib -P ~/.ssh/id_rsa", "critical"),
    ],
)
def test_programs_that_were_unknown_are_judged_by_their_options(cmd: str, expected: str) -> None:
    assert tier(cmd) == expected, cmd


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ('node -e "const a=(b)=>b"', "read_only"),
        ('node -e "const fn = (x) => x * 2; console.log(fn(2))"', "read_only"),
        ("php -r 'echo PHP_VERSION;'", "read_only"),
        ("ruby -e 'puts RUBY_VERSION'", "read_only"),
        ("lua -e 'print(_VERSION)'", "read_only"),
        ("julia -e 'println(VERSION)'", "read_only"),
        ("node -e \"const m = './evil.js'; require(m)\"", "high"),
        ("node -e \"const r = require; r('./evil.js')\"", "high"),
        ("node -e \"const run = (m) => require(m); run('./x.js')\"", "high"),
        ("node -e \"const f = () => require('child_process').execSync('id'); f()\"", "high"),
        ('node -e "let g = globalThis; g.x = 1"', "high"),
        ("ruby -e 'puts exit'", "high"),
        ("ruby -e 'puts `id`'", "high"),
        ("php -r 'echo `id`;'", "high"),
        ("lua -e 'print(os.execute(\"id\"))'", "high"),
    ],
)
def test_inline_code_that_only_declares_or_prints_constants(cmd: str, expected: str) -> None:
    assert tier(cmd) == expected, cmd
