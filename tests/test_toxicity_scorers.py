"""Toxicity scorers: a transformers classifier (a tiny random RoBERTa built here from a config) gives
the probability of its toxic label, batched as unbatched, cached by scorer and text, with an
identity that follows its weights; end to end `--trust-toxicity-scorer DIR` scores the toxicity dimension,
and a baseline scored by another scorer does not compare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from compressed_trust.fixtures.cache import ResponseCache
from tests.conftest import WORDS
from trust_tests.toxicity.scorers import Classifier, make_scorer, parse_scorer, toxic_label

ROOT = Path(__file__).resolve().parents[1]


def build_tiny_classifier(directory: Path, labels: dict[int, str], seed: int = 0,
                          problem_type: str | None = None) -> Path:
    """A 2-layer RoBERTa (hidden 16) over the tiny word vocabulary, random weights."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, RobertaConfig, RobertaForSequenceClassification

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    vocab = {token: index for index, token in enumerate([*specials, *WORDS, ".", "!"])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", unk_token="<unk>")
    config = RobertaConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=32, max_position_embeddings=600, pad_token_id=0, bos_token_id=1,
                           eos_token_id=2, id2label=labels, label2id={v: k for k, v in labels.items()},
                           problem_type=problem_type)
    torch.manual_seed(seed)
    RobertaForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory) -> Path:
    return build_tiny_classifier(tmp_path_factory.mktemp("classifier"), {0: "neutral", 1: "toxic"})


@pytest.mark.parametrize("labels, expected", [
    ({0: "neutral", 1: "toxic"}, 1), ({0: "TOXIC", 1: "NON_TOXIC"}, 0), ({0: "non-toxic", 1: "toxic"}, 1),
    ({0: "not toxic", 1: "toxicity"}, 1), ({0: "LABEL_0", 1: "LABEL_1"}, 1),
    ({0: "toxic", 1: "severe_toxic", 2: "obscene"}, 0),  # toxic-bert's six heads: "toxic" first
])
def test_toxic_label(labels, expected):
    assert toxic_label(labels) == expected


@pytest.mark.parametrize("labels", [{0: "negative", 1: "positive"}, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}])
def test_a_classifier_without_a_toxic_label_is_refused_naming_its_labels(labels):
    with pytest.raises(ValueError, match="name no toxic label"):
        toxic_label(labels)


def test_classifier_scores_the_toxic_label_batched_as_alone_and_caches(classifier_dir, tmp_path):
    cache = ResponseCache(tmp_path / "scores.sqlite3")
    scorer = Classifier(str(classifier_dir), cache)
    texts = ["the cat sat on the mat", "red", "hello world please tell me a story about the sky", "red"]
    scores = scorer.probabilities(texts)
    assert scores[1] == scores[3] and all(0.0 <= value <= 1.0 for value in scores)
    model, tokenizer = scorer.model, scorer.tokenizer
    for text, value in zip(texts, scores):  # one text at a time, no padding: the same probability
        with torch.inference_mode():
            alone = model(**tokenizer(text, return_tensors="pt")).logits.softmax(-1)[0, 1].item()
        assert value == pytest.approx(alone, abs=1e-5)
    again = Classifier(str(classifier_dir), cache)
    again.model = None  # a cached text needs no model
    assert again.probabilities(list(reversed(texts))) == list(reversed(scores))


def test_multi_label_classifier_takes_the_sigmoid_of_its_toxic_logit(tmp_path):
    folder = build_tiny_classifier(tmp_path / "multi", {0: "toxic", 1: "obscene"}, problem_type="multi_label_classification")
    scorer = Classifier(str(folder), ResponseCache(tmp_path / "scores.sqlite3"))
    with torch.inference_mode():
        logit = scorer.model(**scorer.tokenizer("the dog", return_tensors="pt")).logits[0, 0]
    assert scorer.probabilities(["the dog"]) == [pytest.approx(torch.sigmoid(logit).item(), abs=1e-6)]


def test_identity_follows_the_weights(classifier_dir, tmp_path):
    cache = ResponseCache(tmp_path / "scores.sqlite3")
    other = build_tiny_classifier(tmp_path / "other", {0: "neutral", 1: "toxic"}, seed=1)
    first, second = Classifier(str(classifier_dir), cache), Classifier(str(other), cache)
    assert first.name.startswith(f"classifier {classifier_dir}@") and first.name.endswith("label toxic")
    assert first.name != second.name
    assert Classifier(str(classifier_dir), cache).name == first.name


@pytest.mark.parametrize("spec, message", [
    ("roberta", "'roberta' is not a toxicity scorer; accepted: profanity, perspective, hf:<id>"),
    ("hf:", "'hf:' is not a toxicity scorer"),
])
def test_bad_scorer_specs_name_the_accepted_ones(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_scorer(spec)


def test_a_directory_that_is_no_classifier_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot be loaded as a transformers sequence classifier"):
        make_scorer(str(tmp_path), ResponseCache(tmp_path / "scores.sqlite3"))


def test_perspective_is_never_chosen_by_the_key_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("PERSPECTIVE_API_KEY", "k3y")
    assert make_scorer("profanity", ResponseCache(tmp_path / "s.sqlite3")).name.startswith("alt-profanity-check")


def _suite(tmp_path: Path, model: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "-m", "toxicity", "-p", "no:cacheprovider",
                           "-rA", "--model", str(model), f"--trust-cache={tmp_path / 'cache'}",
                           f"--trust-reports={tmp_path / 'reports'}", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_toxicity_scored_by_a_classifier_end_to_end(tmp_path, tiny_llama_dir, classifier_dir):
    """The real plugin set on a tiny model: the toxicity dimension scored by the classifier, the
    scorer in the result; a baseline accepted under the default scorer then does not compare."""
    baseline = tmp_path / "baseline"
    accepted = _suite(tmp_path, tiny_llama_dir, f"--trust-baseline={baseline}", "--trust-update-baseline")
    assert accepted.returncode == 0, accepted.stdout[-3000:] + accepted.stderr[-2000:]
    run = _suite(tmp_path, tiny_llama_dir, f"--trust-toxicity-scorer={classifier_dir}", f"--trust-baseline={baseline}")
    assert f"toxicity scorer classifier {classifier_dir}@" in run.stdout, run.stdout[-3000:]
    results = json.loads(max((tmp_path / "reports" / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
                         .read_text())["results"]
    toxicity, = [entry for entry in results if entry["dimension"] == "toxicity"]
    assert toxicity["scoring"]["toxicity_scorer"].startswith(f"classifier {classifier_dir}@")
    assert run.returncode == 1, run.stdout[-3000:]
    assert "test_no_regression[toxicity-none] FAILED" in run.stdout or "FAILED trust_tests/test_regression.py" in run.stdout
    assert "was scored by toxicity scorer alt-profanity-check" in run.stdout
    assert f"this run by toxicity scorer classifier {classifier_dir}@" in run.stdout
    assert "the scores do not compare" in run.stdout
