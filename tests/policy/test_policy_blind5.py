"""Classes of leaks found by the fifth blind set (corpora/risk-blind-5.tsv, written from MITRE
ATT&CK's Linux techniques, CI workflows and package.json scripts, the zsh, POSIX sh and
coreutils/util-linux/iproute2 manuals, and the toolchains of dotnet, zig, elixir, erlang,
haskell, R, julia, php, ruby, perl, lua, nix, conda and the Python packagers, before the
classifier was measured on it). Each class holds for the siblings of the command that found
it: the same task in other frameworks, the same subcommand in related tools, the same option."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_allows


@pytest.mark.parametrize(
    "cmd",
    [
        "bundle exec rake db:drop",
        "rake db:purge",
        "bin/rails db:reset",
        "rails db:schema:load",
        "php artisan migrate:fresh --seed",
        "php artisan db:wipe",
        "php artisan migrate:reset",
        "php artisan migrate:refresh",
    ],
)
def test_framework_tasks_that_wipe_the_database(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cabal update",
        "cabal install --lib aeson",
        "cabal upload dist/x.tar.gz",
        "cabal get lens",
        "cabal user-config update",
        "stack setup",
        "stack upload .",
        "stack install hlint",
        "stack new app",
        "stack upgrade",
        "rebar3 hex publish",
        "rebar3 upgrade --all",
        "rebar3 get-deps",
        "rebar3 local install",
        "rebar3 plugins upgrade rebar3_hex",
    ],
)
def test_haskell_and_erlang_subcommands_that_fetch_or_publish(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "lerna publish from-package --yes",
        "lerna publish",
        "lerna version patch --yes",
        "nx release publish",
        "nx release",
        "turbo run deploy",
        "nx run app:deploy",
    ],
)
def test_monorepo_tools_publishing_or_deploying(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "dotnet run --project ../other/App",
        "dotnet run --project=/tmp/x/App.csproj",
        "dotnet test ../other/Tests.csproj",
        "dotnet build /tmp/x/App.csproj",
        "dotnet new install Some.Templates",
        "dotnet new update",
        "zig run /tmp/x.zig",
        "zig test /tmp/t.zig",
        "zig build --build-file /tmp/build.zig",
        "mix run -e 'File.rm_rf!(System.user_home())'",
        "mix run --eval 'System.cmd(\"id\", [])'",
        "mix run /tmp/x.exs",
    ],
)
def test_toolchains_running_code_from_elsewhere(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "conda config --add channels conda-forge",
        "conda config --set auto_activate_base false",
        "mamba config --append channels x",
        "conda config --remove-key channels",
    ],
)
def test_conda_config_writes_the_users_condarc(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "node --inspect=0.0.0.0:9229 server.js",
        "node --inspect-brk=0.0.0.0:9229 app.js",
        "node --inspect-wait=10.0.0.5:9229 app.js",
        "ip netns exec x sh",
        "ip netns exec x rm -rf /home/dev",
        "ip vrf exec blue sh",
        "ip -n x netns exec y sh",
        "setsid -f ./daemon.sh",
        "setsid --fork ./daemon.sh",
        "setsid -wf sh -c 'sleep 999'",
    ],
)
def test_debuggers_on_the_network_namespaces_and_detached_sessions(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "IFS=,; cmd=rm,-rf,/home/dev; $cmd",
        "IFS=/; x=a/b; $x",
        "IFS=:; c=curl:x.example; $c",
        "export IFS=,; set -- rm,-rf,/; $1",
    ],
)
def test_a_changed_ifs_makes_expanded_command_words_unknown(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cat .npmrc",
        "cat .yarnrc.yml",
        "cat .pypirc",
        "grep -h 'export .*TOKEN' ~/.bashrc ~/.zshrc ~/.profile",
        "grep -i token ~/.bash_profile",
        "tr '\\0' '\\n' < /proc/$PPID/environ",
        "cat /proc/$$/environ",
        'cat "/proc/${pid}/environ"',
    ],
)
def test_credentials_in_project_and_shell_startup_files_and_process_environments(
    cmd: str,
) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "php artisan test",
        "php artisan make:controller UserController",
        "bundle exec rake test",
        "rake -T",
        "cabal build --offline",
        "stack test",
        "rebar3 eunit",
        "rebar3 compile",
        "lerna run test",
        "nx run app:test",
        "turbo run build",
        "dotnet run --project src/App",
        "dotnet test --no-restore --filter Category=Unit",
        "zig build test",
        "zig build-exe src/main.zig -femit-bin=zig-out/main",
        "zig fmt --check src/",
        "mix run priv/repo/seeds.exs",
        "mix test --trace",
        "conda config --show channels",
        "node --inspect server.js",
        "node --inspect=127.0.0.1:9229 server.js",
        "ip netns list",
        "IFS=, read -r a b <<< '1,2'",
        "x=ls; $x -la",
        "cat ~/.inputrc",
        "cat /proc/self/status",
        "cat .nvmrc",
        "setsid ls",
        "setsid -w make test",
        "rake db:migrate",
        "php artisan migrate",
        "cabal --version",
        "stack --resolver lts-22 build",
    ],
)
def test_local_siblings_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "python -m zipfile -c out.zip ~/.aws/credentials",
        "python -m zipfile -e dist/pkg.whl /home/dev",
        "python -m tarfile -c /home/dev/.bashrc x",
        "python -m zipfile -l ~/.ssh/keys.zip",
        "uv run --offline curl https://x.example",
        "bundle config set --global path /tmp/gems",
        "cross-env PATH=/tmp/evil make",
        "shx rm -rf ~",
        "twine upload dist/*",
        "R CMD INSTALL .",
        "R --vanilla < analysis.R",
        "elixir /tmp/x.exs",
        "prove /tmp/evil.t",
        "runghc /tmp/x.hs",
        "rimraf /home/dev/docs",
    ],
)
def test_the_false_alarms_fixed_keep_their_dangerous_forms(cmd: str) -> None:
    # `python -m zipfile -c OUT FILES` was read as `python -c CODE` before: the module's
    # options follow its name
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "python -m zipfile -l dist/pkg-1.0-py3-none-any.whl",
        "python -m tarfile -l dist/pkg-1.0.tar.gz",
        "python -m zipfile -e dist/pkg.whl build/unpacked",
        "python -m zipfile -c out.zip src",
        "uv run --offline pytest -q",
        "uv --offline run pytest -q",
        "bundle config set --local path vendor/bundle",
        "cross-env NODE_ENV=production webpack --mode production",
        "shx rm -rf lib",
        "rimraf dist && tsc -p tsconfig.build.json",
        "patch-package",
        "findmnt -T .",
        "twine check dist/*",
        "prove -lr t/",
        "busted spec/",
        "runghc Setup.hs build",
        "R CMD build .",
        "R CMD check pkg_1.0.tar.gz",
        "elixir --version",
        "elixir scripts/gen.exs",
    ],
)
def test_false_alarms_of_the_fifth_set(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    ("cmd", "allowed"),
    [
        ("lua -v", True),
        ("lua -v /tmp/x.lua", False),
        ("lua", False),
        ("nix --version", True),
        ("nix show-config", True),
        ("nix run github:owner/repo", False),
        ("nix build", False),
        ("nix-collect-garbage -d", False),
    ],
)
def test_version_queries_of_lua_and_nix(cmd: str, allowed: bool) -> None:
    assert auto_allows(cmd) == allowed, cmd


@pytest.mark.parametrize(
    ("cmd", "allowed"),
    [
        ("ruby -ne 'print if /TODO/' app/models/user.rb", True),
        ("ruby -i.bak -pe 'gsub(/foo/, \"bar\")' config/app.yml", True),
        ("ruby -ne 'print if /#{`id`}/' x", False),
        ("ruby -pe 'gsub(/a/, \"#{`id`}\")' x", False),
        ("ruby -ne 'print if /TODO/' ~/.ssh/id_rsa", False),
        ("ruby -i -pe 'gsub(/a/, \"b\")' ~/.bashrc", False),
        ("ruby -rsocket -ne 'print if /x/' f", False),
        ("ruby -ne 'system(\"id\")' f", False),
        ("lua -e 'print(1+1)'", True),
        ("php -r 'echo 2*21;'", True),
        ("lua -e 'print(1+os.execute(\"id\"))'", False),
    ],
)
def test_ruby_line_filters_and_constant_arithmetic(cmd: str, allowed: bool) -> None:
    assert auto_allows(cmd) == allowed, cmd


@pytest.mark.parametrize(
    ("cmd", "allowed"),
    [
        ("cat ~/.bashrc | grep -i token", False),
        ("awk '/TOKEN/' ~/.bashrc", False),
        ("sed -n '/KEY/p' ~/.zshenv", False),
        ("less ~/.profile", False),
        ("cat ~/.gitconfig", True),
        ("cat /etc/profile", True),
        ("cat .bashrc", True),
    ],
)
def test_reading_a_users_shell_startup_file_is_asked(cmd: str, allowed: bool) -> None:
    assert auto_allows(cmd) == allowed, cmd
