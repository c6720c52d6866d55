"""Worker clones (fleet.clone) with real git: the URL vetting, git's own guards, checkout of
the job's branch or commit, one clone under concurrency, and clones that could redirect the
worker's writes. Each attack is first shown to work against plain git."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from wakeful.fleet.clone import (
    CloneFailed,
    CloneRefused,
    CloneRequest,
    _git,
    clone_path,
    ensure_clone,
    public_url,
    vet_clone_url,
    vet_ref,
)


def _git_in(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def served(untrusted_repo: Path, tmp_path: Path) -> Path:
    """A bare repository (what a team's server would hold) with a `main` and a `feature`."""
    _git_in(untrusted_repo, "checkout", "-q", "-b", "feature")
    (untrusted_repo / "FEATURE.md").write_text("feature\n")
    _git_in(untrusted_repo, "add", ".")
    _git_in(untrusted_repo, "commit", "-qm", "feature")
    _git_in(untrusted_repo, "checkout", "-q", "main")
    bare = tmp_path / "served.git"
    _git_in(tmp_path, "clone", "-q", "--bare", str(untrusted_repo), str(bare))
    return bare


def _request(tmp_path: Path, url: str, **kw: object) -> CloneRequest:
    base: dict[str, object] = {
        "repository": "example.invalid/team/app",
        "url": url,
        "ref": None,
        "repos_dir": tmp_path / "clones",
        "allow_file": False,
        "env": {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    }
    base.update(kw)
    return CloneRequest(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/team/app.git",
        "ssh://git@github.com/team/app.git",
        "ssh://git@[::1]:2222/team/app",
        "git@github.com:team/app.git",
        "github.com:team/app.git",
    ],
)
def test_ordinary_clone_urls_are_accepted(url: str) -> None:
    assert vet_clone_url(url, allow_file=False) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ext::sh -c touch% /tmp/pwned", "spaces"),
        ("ext::sh%20-c%20id", "transport helper"),
        ("fd::3", "transport helper"),
        ("--upload-pack=touch pwned", "spaces"),
        ("--upload-pack=touch", "looks like a git option"),
        ("-uid", "looks like a git option"),
        ("ssh://-oProxyCommand=touch%20pwned/x", "malformed host"),
        ("-oProxyCommand=x:path", "looks like a git option"),
        ("git@host:-u", "option-like path"),
        ("http://example.invalid/app.git", "scheme http://"),
        ("git://example.invalid/app.git", "scheme git://"),
        ("file:///srv/app.git", "--allow-file-clones"),
        ("https://me:secret@example.invalid/app.git", "password"),
        ("/srv/app.git", "not a clone URL"),
        ("ssh://[::1]]/team/app", "malformed host"),
        ("ssh://[::1/team/app", "malformed"),
        ("[::1]:team/app", "malformed host"),
        ("", "empty"),
    ],
)
def test_dangerous_clone_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(CloneRefused, match=why.replace("(", r"\(").replace(")", r"\)")):
        vet_clone_url(url, allow_file=False)


def test_file_urls_only_with_the_option() -> None:
    assert vet_clone_url("file:///srv/app.git", allow_file=True) == "file:///srv/app.git"
    with pytest.raises(CloneRefused, match="file:///absolute/path"):
        vet_clone_url("file://server/srv/app.git", allow_file=True)


@pytest.mark.parametrize("ref", ["-f", "--orphan=x", "a..b", "main@{1}", "x.lock", "a b"])
def test_option_like_or_odd_refs_are_refused(ref: str) -> None:
    with pytest.raises(CloneRefused):
        vet_ref(ref)


def test_origin_credentials_are_not_recorded() -> None:
    assert public_url("https://bot:ghp_x@github.com/t/a.git") == "https://github.com/t/a.git"
    assert public_url("git@github.com:t/a.git") == "git@github.com:t/a.git"


def test_repository_keys_cannot_leave_the_repos_dir(tmp_path: Path) -> None:
    for key in ("../../etc", "/etc/passwd", "..", "a/../../b", ""):
        path = clone_path(tmp_path, key)
        assert path.parent == tmp_path and not path.name.startswith(".")


def test_ext_transport_is_off_even_when_the_users_git_allows_it(tmp_path: Path) -> None:
    """git refuses ext:: by default, but a user's config may allow it; the worker's guards
    (GIT_ALLOW_PROTOCOL, protocol.allow=never) win over any config."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[protocol]\n\tallow = always\n")
    pwned = tmp_path / "pwned"
    url = f"ext::sh -c touch% {pwned}"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    # The attack works against plain git with that config ...
    subprocess.run(
        ["git", "clone", "-q", url, str(tmp_path / "plain")],
        env=env,
        capture_output=True,
        cwd=tmp_path,
    )
    assert pwned.exists()
    pwned.unlink()
    # ... and not through the worker's git, even past the URL vetting.
    with pytest.raises(CloneFailed):
        _git(["clone", "-q", "--", url, str(tmp_path / "guarded")], _request(tmp_path, url))
    assert not pwned.exists()
    with pytest.raises(CloneRefused):
        ensure_clone(_request(tmp_path, url))
    assert not pwned.exists()


def test_upload_pack_option_cannot_be_smuggled_as_a_url(served: Path, tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    url = f"--upload-pack=touch {pwned}; git-upload-pack"
    # Given to git as an argument before the repository, it is an option and runs ...
    subprocess.run(
        ["git", "clone", "-q", url, str(served), str(tmp_path / "plain")],
        capture_output=True,
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert pwned.exists()
    pwned.unlink()
    # ... the worker refuses it, and after `--` git would take it for a path anyway.
    with pytest.raises(CloneRefused, match="option"):
        ensure_clone(_request(tmp_path, url))
    with pytest.raises(CloneFailed):
        _git(["clone", "-q", "--", url, str(tmp_path / "guarded")], _request(tmp_path, url))
    assert not pwned.exists()
    assert not (tmp_path / "clones").exists() or not any((tmp_path / "clones").iterdir())


def test_file_clone_without_the_option_never_reaches_git(served: Path, tmp_path: Path) -> None:
    with pytest.raises(CloneRefused, match="--allow-file-clones"):
        ensure_clone(_request(tmp_path, f"file://{served}"))
    # and git itself refuses the file transport when the option is off
    with pytest.raises(CloneFailed, match="transport 'file' not allowed"):
        _git(
            ["clone", "-q", "--", f"file://{served}", str(tmp_path / "x")],
            _request(tmp_path, f"file://{served}"),
        )


def test_clone_checks_out_the_jobs_branch_or_commit(served: Path, tmp_path: Path) -> None:
    url = f"file://{served}"
    got = ensure_clone(_request(tmp_path, url, allow_file=True, ref="feature"))
    assert got.cloned and got.path == clone_path(tmp_path / "clones", "example.invalid/team/app")
    assert (got.path / "FEATURE.md").is_file() and (got.path / "app.py").is_file()
    assert _git_in(got.path, "symbolic-ref", "--short", "HEAD") == "feature"
    again = ensure_clone(_request(tmp_path, url, allow_file=True, ref="feature"))
    assert again == type(got)(got.path, False)

    main = _git_in(served, "rev-parse", "main")
    pinned = ensure_clone(
        _request(tmp_path, url, allow_file=True, ref=main, repository="example.invalid/t/pin")
    )
    assert _git_in(pinned.path, "rev-parse", "HEAD") == main
    assert not (pinned.path / "FEATURE.md").exists()
    default = ensure_clone(
        _request(tmp_path, url, allow_file=True, repository="example.invalid/t/default")
    )
    assert _git_in(default.path, "symbolic-ref", "--short", "HEAD") == "main"
    assert (default.path / "app.py").is_file()
    with pytest.raises(CloneFailed, match="no branch or commit"):
        ensure_clone(
            _request(tmp_path, url, allow_file=True, ref="gone", repository="example.invalid/x")
        )
    leftovers = [p.name for p in (tmp_path / "clones").iterdir() if "partial" in p.name]
    assert leftovers == []


def test_concurrent_runs_clone_a_missing_repository_once(served: Path, tmp_path: Path) -> None:
    request = _request(tmp_path, f"file://{served}", allow_file=True)
    results: list[object] = []
    start = threading.Barrier(6)

    def one() -> None:
        start.wait()
        results.append(ensure_clone(request))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert sum(1 for r in results if r.cloned) == 1  # type: ignore[attr-defined]
    assert len({r.path for r in results}) == 1  # type: ignore[attr-defined]
    names = sorted(p.name for p in (tmp_path / "clones").iterdir() if not p.name.endswith(".lock"))
    assert names == [clone_path(tmp_path / "clones", request.repository).name]


def test_a_clone_linking_wakeful_elsewhere_is_refused(untrusted_repo: Path, tmp_path: Path) -> None:
    """The worker appends its run journal under the clone's .wakeful/; a committed link there
    would send those writes to any file the worker can write."""
    target = tmp_path / "home" / ".bashrc"
    target.parent.mkdir()
    target.write_text("# decoy\n")
    (untrusted_repo / ".wakeful").mkdir()
    (untrusted_repo / ".wakeful" / "fleet").symlink_to(target.parent)
    _git_in(untrusted_repo, "add", ".")
    _git_in(untrusted_repo, "commit", "-qm", "links")
    bare = tmp_path / "linked.git"
    _git_in(tmp_path, "clone", "-q", "--bare", str(untrusted_repo), str(bare))
    with pytest.raises(CloneRefused, match=r"symbolic links under .wakeful \(.wakeful/fleet\)"):
        ensure_clone(_request(tmp_path, f"file://{bare}", allow_file=True))
    assert [p for p in (tmp_path / "clones").iterdir() if not p.name.endswith(".lock")] == []
    assert target.read_text() == "# decoy\n"


def test_workers_in_separate_processes_clone_once(served: Path, tmp_path: Path) -> None:
    """Several worker processes sharing one repos dir: the lock is a file lock."""
    import json
    import sys

    code = (
        "import json, sys; from pathlib import Path; "
        "from wakeful.fleet.clone import CloneRequest, ensure_clone; "
        "r = ensure_clone(CloneRequest('example.invalid/team/app', sys.argv[1], None, "
        "Path(sys.argv[2]), True, {'PATH': '/usr/bin:/bin'})); "
        "print(json.dumps([str(r.path), r.cloned]))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, f"file://{served}", str(tmp_path / "clones")],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert sorted(cloned for _, cloned in outs) == [False, False, False, True]
    assert len({path for path, _ in outs}) == 1


def test_git_variables_of_the_worker_cannot_hide_links_under_wakeful(
    untrusted_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker started from a git hook inherits GIT_DIR: the link check must still look at
    the clone, not at the repository GIT_DIR names (which has no links)."""
    (untrusted_repo / ".wakeful").mkdir()
    (untrusted_repo / ".wakeful" / "fleet").symlink_to(tmp_path)
    _git_in(untrusted_repo, "add", ".")
    _git_in(untrusted_repo, "commit", "-qm", "links")
    bare = tmp_path / "linked.git"
    _git_in(tmp_path, "clone", "-q", "--bare", str(untrusted_repo), str(bare))
    decoy = tmp_path / "decoy"
    _git_in(tmp_path, "init", "-q", str(decoy))
    monkeypatch.setenv("GIT_DIR", str(decoy / ".git"))
    with pytest.raises(CloneRefused, match="symbolic links under .wakeful"):
        ensure_clone(_request(tmp_path, f"file://{bare}", allow_file=True))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-a-repository"))
    with pytest.raises((CloneRefused, CloneFailed)):
        ensure_clone(_request(tmp_path, f"file://{bare}", allow_file=True))
    assert [p for p in (tmp_path / "clones").iterdir() if not p.name.endswith(".lock")] == []


def test_a_host_path_url_never_clones_a_local_folder_of_that_name(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git clone reads `host:repo` (and `https://h/p`) as a local path when a folder of that
    name exists where git runs; file clones allowed or not, the URL must mean the remote."""
    where = tmp_path / "cwd"
    where.mkdir()
    _git_in(where, "clone", "-q", "--bare", str(served), "host:repo")
    # plain git, run there, clones the local folder
    _git_in(where, "clone", "-q", "--no-checkout", "--", "host:repo", str(tmp_path / "plain"))
    assert (tmp_path / "plain" / ".git").is_dir()
    monkeypatch.chdir(where)
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "GIT_SSH_COMMAND": "false"}
    for allow_file in (True, False):
        with pytest.raises(CloneFailed):
            ensure_clone(_request(tmp_path, "host:repo", allow_file=allow_file, env=env))
    assert [p for p in (tmp_path / "clones").iterdir() if not p.name.endswith(".lock")] == []


@pytest.mark.parametrize("kind", ["tag", "branch"])
def test_a_pinned_commit_cannot_be_shadowed_by_a_ref_of_that_name(
    served: Path, tmp_path: Path, kind: str
) -> None:
    """A job pinned to a reviewed commit id must run that commit, not a tag or branch someone
    pushed under the same name."""
    main = _git_in(served, "rev-parse", "main")
    feature = _git_in(served, "rev-parse", "feature")
    pinned = main[:12]
    where = "refs/tags" if kind == "tag" else "refs/heads"
    _git_in(served, "update-ref", f"{where}/{pinned}", feature)
    request = _request(tmp_path, f"file://{served}", allow_file=True, ref=pinned)
    try:
        got = ensure_clone(request)
    except CloneFailed as exc:
        assert "commit id" in str(exc)
    else:
        assert _git_in(got.path, "rev-parse", "HEAD") == main
    clone = clone_path(tmp_path / "clones", request.repository)
    assert not clone.exists() or _git_in(clone, "rev-parse", "HEAD") == main
