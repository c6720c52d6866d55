"""Classes of leaks found by the sixth blind set (corpora/risk-blind-6.tsv, written from web
frameworks' management commands, migration tools, test runners, linters, monorepo tools,
npx-style runners, mobile and data tools, infra and secrets CLIs and release tooling, before
the classifier was measured on it). Each class holds for the siblings of the command that
found it: the same task in other frameworks, the same option in related tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.testing.classifier import auto_allows


@pytest.mark.parametrize(
    "cmd",
    [
        # Rails: tasks that undo migrations, reveal or change credentials, serve, open a db
        "bin/rails db:rollback",
        "bin/rails db:migrate:redo STEP=2",
        "rails db:migrate:reset",
        "bin/rails credentials:show --environment staging",
        "bin/rails credentials:edit",
        "bin/rails server -b 0.0.0.0",
        "bin/rails s",
        "bin/rails dbconsole",
        "bin/rails runner /tmp/x.rb",
        "bin/rails runner 'Order.destroy_all'",
        # Laravel: keys, secrets, production runs, servers, queues, code
        "php artisan key:generate",
        "php artisan env:decrypt --force",
        "php artisan env:encrypt",
        "php artisan config:show app",
        "php artisan serve",
        "php artisan queue:clear redis",
        "php artisan migrate --force",
        "php artisan db:seed --force",
        "php artisan migrate --env=production",
        "php artisan tinker --execute='App\\Models\\User::truncate();'",
        "php artisan db",
        # Symfony console and Doctrine
        "php bin/console doctrine:database:drop --force",
        "php bin/console doctrine:schema:drop --force",
        "php bin/console doctrine:fixtures:load",
        "php bin/console dbal:run-sql 'DELETE FROM users'",
        "php bin/console doctrine:query:sql 'DROP TABLE x'",
        "php bin/console doctrine:migrations:migrate first --no-interaction",
        "php bin/console secrets:reveal APP_SECRET",
        "php bin/console secrets:list --reveal",
        "php bin/console secrets:decrypt-to-local",
        "php bin/console debug:dotenv",
        "php bin/console server:run 0.0.0.0:8000",
        "bin/console doctrine:database:drop --force",
        # Django
        "python manage.py migrate app zero",
        "python3 manage.py diffsettings",
        "python manage.py runserver",
        "python manage.py testserver fixtures.json",
        "python manage.py createsuperuser",
        "python manage.py changepassword admin",
        "python manage.py loaddata /tmp/users.json",
        "python manage.py check --pythonpath=/tmp",
        "./manage.py migrate billing zero",
        "uv run python manage.py migrate shop zero",
    ],
)
def test_framework_management_tasks_that_lose_data_reveal_secrets_or_serve(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "npx eslint -c /tmp/x.js src",
        "npx eslint --output-file /home/dev/out.json src",
        "npx prettier --write /home/dev/.bashrc",
        "npx prettier --plugin /tmp/p.mjs --check .",
        "npx jest -c /tmp/jest.config.js",
        "npx jest --rootDir=/home/dev",
        "npx jest --outputFile /home/dev/r.json --json",
        "npx vitest run --config /tmp/v.ts",
        "npx vitest --api.host=0.0.0.0",
        "npx vitest --root /home/dev/other",
        "npx mocha -r /tmp/x.js",
        "npx playwright test -c /tmp/pw.ts",
        "npx playwright show-report --host=0.0.0.0",
        "npx playwright codegen example.com",
        "npx playwright install chromium",
        "npx -p cowsay tsc",
        "npx --package=left-pad eslint .",
        "pnpm exec eslint --rulesdir /tmp/r src",
        "yarn exec jest --config /tmp/j.js",
    ],
)
def test_runners_judge_the_tool_they_run_by_its_options(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "npx nx add @nx/vite",
        "npx nx connect-to-nx-cloud",
        "npx nx migrate 19.0.0",
        "nx login",
        "npx turbo login --sso-team=x",
        "turbo link --scope=acme",
        "npx lerna bootstrap --hoist",
        "npx lerna add lodash",
        "lerna exec -- rm -rf /home/dev/.cache",
        "npx lerna exec -- curl -s x.example",
        "pre-commit autoupdate --freeze",
        "pre-commit try-repo ../hooks",
        "pre-commit install-hooks",
        "pre-commit gc",
        "hugo deploy --target=production",
        "hugo server",
        "mkdocs gh-deploy",
        "mkdocs serve",
        "maturin publish --skip-existing",
        "maturin upload dist/*",
        "buf push --tag v1",
        "buf registry login",
        "mypy --install-types",
        "tox --devenv /tmp/../home/dev/env -e py",
        "pytest --pastebin=all",
        "pytest /home/dev/other/tests",
        "pytest -o cache_dir=/home/dev/.cache/x",
        "rake -g",
        "rake --system",
        "pylint --rcfile /tmp/rc src",
        "rubocop --require /tmp/x.rb",
        "rubocop -r /tmp/x.rb app",
        "drizzle-kit push",
        "pnpm drizzle-kit push --force",
    ],
)
def test_tool_subcommands_and_options_that_publish_fetch_serve_or_load_code(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "cat .dev.vars",
        "cat .envrc",
        "grep TOKEN .envrc",
        "cat .vault_pass",
        "cat .vault-password",
        "cat android/key.properties",
        "cat key.properties",
        "cat auth.json",
        "jq . auth.json",
        "cat profiles.yml",
        "head dbt/profiles.yml",
    ],
)
def test_project_files_that_hold_credentials(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "mysql --defaults-extra-file=/home/dev/.my.cnf -e 'select 1'",
        "mysql --defaults-file=/home/dev/.my.cnf",
        "helm get values web",
        "helm get all web -n prod",
        "helm get manifest web",
    ],
)
def test_database_option_files_and_helm_release_values(cmd: str) -> None:
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "python manage.py makemigrations",
        "python manage.py test",
        "python manage.py migrate --plan",
        "python manage.py check",
        "bin/rails routes",
        "bin/rails test",
        "bin/rails generate model Post",
        "php artisan route:list",
        "php artisan test",
        "php artisan key:generate --show",
        "php artisan make:model Post",
        "php bin/console cache:clear",
        "php bin/console debug:router",
        "npx eslint --fix src",
        "npx eslint -c eslint.config.js src",
        "npx jest --ci",
        "npx vitest run --coverage",
        "npx prettier --write src",
        "npx mocha test",
        "npx playwright test",
        "npx lerna run build",
        "npx lerna exec -- rm -rf dist",
        "npx nx run-many -t test",
        "npx turbo run lint",
        "pytest -o cache_dir=.cache/pytest",
        "pre-commit run --all-files",
        "hugo --minify",
        "mkdocs build",
        "maturin build --release",
        "buf lint",
        "cat .env.example",
        "cat wrangler.toml",
        "redis-cli --version",
        "helm template ./chart",
    ],
)
def test_local_siblings_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "meson install -C build",
        "ninja -C build install",
        "dune install",
        "elm install elm/http",
        "elm publish",
        "gleam publish",
        "gleam add gleam_json",
        "lein deploy clojars",
        "esbuild app.js --serve=0.0.0.0:8000",
        "webpack serve --host 0.0.0.0",
        "vite --host",
        "parcel serve index.html --host 0.0.0.0",
        "storybook upgrade",
        "storybook dev --host 0.0.0.0",
        "coverage run /tmp/x.py",
        "nox -s release",
        "doxygen /tmp/Doxyfile",
        "phpstan analyse -c /tmp/phpstan.neon",
        "ant -f /tmp/build.xml",
        "air -c /tmp/air.toml",
        "vite build --config /tmp/vite.config.js",
    ],
)
def test_build_tools_whose_own_subcommands_install_publish_serve_or_load_code(cmd: str) -> None:
    """The audit of permissive defaults: a build tool's generic entry allowed every
    subcommand, including the tool's own install, publish and serve."""
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "meson setup build",
        "meson test -C build",
        "ninja -C build",
        "dune build",
        "gleam test",
        "lein test",
        "esbuild app.js --serve=127.0.0.1:8000",
        "vite build",
        "webpack --mode production",
        "storybook build",
        "coverage run -m pytest",
        "coverage html",
        "nox -s tests",
        "doxygen Doxyfile",
        "ant test",
    ],
)
def test_their_local_forms_stay_allowed(cmd: str) -> None:
    assert auto_allows(cmd), cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "perl -e 'print 1' -e 'system(\"id\")'",
        "ruby -e 'puts 1' -e 'system(\"id\")'",
        "lua -e 'print(1)' -e 'os.execute(\"id\")'",
        "node -e 'console.log(1)' -e 'require(\"child_process\").execSync(\"id\")'",
        "Rscript -e 'sessionInfo()' -e 'system(\"id\")'",
        "elixir -e 'IO.puts 1' -e 'File.rm_rf!(\"x\")'",
    ],
)
def test_every_inline_program_given_is_judged_not_only_the_first(cmd: str) -> None:
    """Found while widening what inline code reads: a harmless first -e hid the second."""
    assert not auto_allows(cmd), cmd


@pytest.mark.parametrize(
    ("cmd", "allowed"),
    [
        ("elixir -e 'IO.puts 1 + 1'", True),
        ("elixir -e 'IO.inspect :ok'", True),
        ('elixir -e \'IO.puts "#{File.read!("/home/dev/.ssh/id_rsa")}"\'', False),
        ("nix-instantiate --eval -E '1 + 2'", True),
        ("nix-instantiate --eval -E 'builtins.readFile /home/dev/.ssh/id_rsa'", False),
        ("nix-instantiate --eval -E 'import /tmp/x.nix'", False),
        ("nix-instantiate shell.nix", False),
        ("Rscript -e 'sessionInfo()'", True),
        ("Rscript -e 'summary(read.csv(\"data/sales.csv\"))'", True),
        ("Rscript -e 'summary(read.csv(\"/home/dev/.aws/credentials\"))'", False),
        ('Rscript -e \'summary(read.csv("a.csv")); system("id")\'', False),
    ],
)
def test_inline_code_that_only_reports_is_read_only(cmd: str, allowed: bool) -> None:
    assert auto_allows(cmd) is allowed, cmd


def test_a_project_rprofile_makes_inline_r_workspace_code(tmp_path: Path) -> None:
    """R runs ./.Rprofile before the expression: project code, not a read."""
    from wakeful.policy.shell import classify_command

    ws = tmp_path / "proj"
    ws.mkdir()
    assert classify_command("Rscript -e 'sessionInfo()'", ws, tmp_path).tier == "read_only"
    (ws / ".Rprofile").write_text('system("id")\n')
    got = classify_command("Rscript -e 'sessionInfo()'", ws, tmp_path)
    assert got.tier == "workspace"
    assert got.runs_workspace_code


@pytest.mark.parametrize(
    ("cmd", "allowed"),
    [
        ("pnpm exec prisma generate", True),
        ("npx prisma migrate diff --from-empty --to-schema-datamodel s.prisma --script", True),
        ("pnpm exec prisma migrate reset --force", False),
        ("npx prisma db push --accept-data-loss", False),
        ("npx prisma migrate deploy", False),
        ("npx knex migrate:make add_users", True),
        ("npx knex migrate:rollback --all", False),
        ("npx sequelize-cli db:drop", False),
        ("npx changeset version", True),
        ("npx changeset publish", False),
        ("npx changeset status --output=/home/dev/s.json", False),
        ("npx cypress run --spec e2e/a.cy.ts", True),
        ("npx cypress run --record --key k", False),
        ("npx cypress cache clear", False),
        ("pio test -e native", True),
        ("pio run -t upload", False),
        ("jar tf build/libs/app.jar", True),
        ("jar tf ~/.ssh/id_rsa", False),
        ("flyway info", True),
        ("flyway clean", False),
        ("alembic revision -m x", True),
        ("alembic downgrade base", False),
    ],
)
def test_new_entries_for_the_sets_tools(cmd: str, allowed: bool) -> None:
    """False alarms fixed by giving the tools entries; each keeps its dangerous forms."""
    assert auto_allows(cmd) is allowed, cmd
