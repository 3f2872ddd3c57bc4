"""Conditional headers read into versions at the edge: pure, no app."""

from __future__ import annotations

import pytest

from pipeline.api.etags import NO_VERSION, etag_of, expected_version, none_match

TAG = etag_of("0d5e0b0a-7d3a-4a59-9b8e-0f6f6b1f3c11", 3)


@pytest.mark.parametrize(
    ("if_match", "version"),
    [
        (None, None),
        ("*", None),
        (TAG, 3),
        (f"W/{TAG}", 3),
        (f'"something-else", {TAG}', 3),
        ('"not ours"', NO_VERSION),
        ('"x.²"', NO_VERSION),
        ('"x.' + "9" * 5000 + '"', NO_VERSION),
        ("", NO_VERSION),
    ],
)
def test_if_match_becomes_the_version_a_client_expects(if_match: str | None, version: int | None) -> None:
    assert expected_version(if_match) == version


def test_if_none_match_compares_tags() -> None:
    assert none_match(TAG, TAG)
    assert none_match(f'"a", W/{TAG}', TAG)
    assert none_match("*", TAG)
    assert not none_match(None, TAG)
    assert not none_match(etag_of("x", 2), TAG)
