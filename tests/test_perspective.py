"""The Perspective API scorer against a local stand-in server (127.0.0.1 only): request shape,
answers parsed, every answer cached so a re-run asks nothing."""

from __future__ import annotations

import pytest

from compressed_trust.fixtures.cache import ResponseCache
from trust_tests.toxicity.scorers import Perspective, make_scorer


@pytest.fixture
def server(json_server):
    def toxicity(path, body):
        value = 0.9 if "idiot" in body["comment"]["text"] else 0.1
        return {"attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}}}

    base, received = json_server(toxicity)
    return f"{base}/v1alpha1/comments:analyze", received


def test_perspective_scores_and_caches(server, tmp_path):
    url, asked = server
    scorer = Perspective("k3y", ResponseCache(tmp_path / "scores.sqlite3"), url=url)
    assert scorer.probabilities(["you idiot", "nice day", ""]) == [0.9, 0.1, 0.0]
    assert len(asked) == 2, "the empty text must not be sent"
    path, _, body, _ = asked[0]
    assert path.endswith("?key=k3y") and body["requestedAttributes"] == {"TOXICITY": {}}
    again = Perspective("k3y", ResponseCache(tmp_path / "scores.sqlite3"), url=url)
    assert again.probabilities(["nice day", "you idiot"]) == [0.1, 0.9]
    assert len(asked) == 2, "a cached text was asked again"


def test_offline_scorer(tmp_path):
    scorer = make_scorer("profanity", ResponseCache(tmp_path / "scores.sqlite3"))
    assert scorer.name.startswith("alt-profanity-check")
    low, high = scorer.probabilities(["what a lovely garden", "you stupid idiot"])
    assert low < 0.5 < high
