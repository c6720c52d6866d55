"""Property tests for the glob dialect shared by glob and grep's fallback."""

from __future__ import annotations

import fnmatch

from hypothesis import assume, given
from hypothesis import strategies as st

from wakeful.tools._paths import expand_braces, glob_regex, split_static_prefix

NAME_CHARS = st.sampled_from(list("abc.-_"))
names = st.text(NAME_CHARS, min_size=0, max_size=8)
pattern_tokens = st.lists(st.sampled_from(["a", "b", "c", ".", "-", "*", "?"]), max_size=8)


@given(pattern_tokens, names)
def test_single_segment_agrees_with_fnmatch(tokens: list[str], name: str) -> None:
    pattern = "".join(tokens)
    assert bool(glob_regex(pattern).match(name)) == fnmatch.fnmatchcase(name, pattern)


@given(pattern_tokens, names, names)
def test_star_never_crosses_a_slash(tokens: list[str], left: str, right: str) -> None:
    pattern = "".join(tokens)
    assume("**" not in pattern)  # `**` crosses directories by design
    assert not glob_regex(pattern).match(f"{left}/{right}")


@given(st.lists(names, min_size=1, max_size=4), names)
def test_double_star_matches_any_depth(dirs: list[str], name: str) -> None:
    path = "/".join([d or "d" for d in dirs] + [name + ".py"])
    assert glob_regex("**/*.py").match(path)
    assert glob_regex("**").match(path)


@given(st.lists(st.text(NAME_CHARS, min_size=1, max_size=4), min_size=1, max_size=4, unique=True))
def test_braces_expand_to_each_alternative(alts: list[str]) -> None:
    pattern = "x{" + ",".join(alts) + "}y"
    assert expand_braces(pattern) == [f"x{a}y" for a in alts]
    for a in alts:
        assert glob_regex(pattern).match(f"x{a}y")


def test_static_prefix_split() -> None:
    assert split_static_prefix("src/pkg/**/*.py") == ("src/pkg", "**/*.py")
    assert split_static_prefix("*.py") == ("", "*.py")
    assert split_static_prefix("a/b/c.txt") == ("a/b", "c.txt")
    assert split_static_prefix("a/*/c.txt") == ("a", "*/c.txt")
