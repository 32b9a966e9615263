"""The engine on a tiny random Llama: batching never changes an output, the cache is used, choice
scoring agrees with a plain unbatched forward pass."""

from __future__ import annotations

import io
import random
import re

import pytest
import torch

from compressed_trust.fixtures.cache import ResponseCache
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.hf_backend import HfBackend
from compressed_trust.fixtures.engine.requests import ChoiceRequest, GenerationRequest
from compressed_trust.fixtures.models.handles import PLAIN_CHAT_TEMPLATE, ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE
from tests.conftest import WORDS, build_tiny_llama


@pytest.fixture(scope="module")
def handle(tiny_llama_dir, tmp_path_factory):
    return ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path_factory.mktemp("cache"), device="cpu")


def _prompts(count: int, seed: int = 1) -> list[str]:
    """Prompts of very different lengths, so batches need padding."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 40))) for _ in range(count)]


def _requests(**settings) -> list[GenerationRequest]:
    prompts = _prompts(11)
    return ([GenerationRequest(text=p, max_new_tokens=12, **settings) for p in prompts[:6]]
            + [GenerationRequest(messages=[("system", "tell me"), ("user", p)], max_new_tokens=12, **settings)
               for p in prompts[6:]])


@pytest.mark.parametrize("settings", [{}, {"temperature": 1.0, "n": 3, "seed": 5},
                                      {"temperature": 0.7, "top_p": 0.8, "n": 2, "seed": 9}],
                         ids=["greedy", "sampled", "sampled-top-p"])
def test_outputs_do_not_depend_on_batch_size_or_order(handle, settings):
    requests = _requests(**settings)
    single = Engine(handle, progress_file=None, backend=HfBackend(handle, 1)).generate(requests)
    assert all(len(samples) == requests[0].n for samples in single)
    for batch_size in (7, None):
        assert Engine(handle, progress_file=None, backend=HfBackend(handle, batch_size)).generate(requests) == single, \
            f"batch size {batch_size or 'auto'} changed outputs"
    order = list(range(len(requests)))
    random.Random(3).shuffle(order)
    shuffled = Engine(handle, progress_file=None, backend=HfBackend(handle, 4)).generate([requests[i] for i in order])
    assert shuffled == [single[i] for i in order]


def _few_shot_requests(**settings) -> list[GenerationRequest]:
    """Two few-shot prompt families (40+ shared words each), inputs of different lengths, and
    prompts that share nothing: the three ways rows can meet in one call."""
    rng = random.Random(5)
    families = [" ".join(rng.choices(WORDS, k=40)) for _ in range(2)]
    requests = [GenerationRequest(messages=[("system", family), ("user", " ".join(rng.choices(WORDS, k=rng.randint(1, 9))))],
                                  max_new_tokens=12, **settings) for family in families for _ in range(7)]
    return requests + [GenerationRequest(text=p, max_new_tokens=12, **settings) for p in _prompts(4, seed=9)]


@pytest.mark.parametrize("settings", [{}, {"temperature": 1.0, "n": 3, "seed": 5}], ids=["greedy", "sampled"])
def test_shared_prefixes_do_not_change_outputs(handle, settings):
    """Rows decoded from one computation of their common prefix give the outputs they give alone."""
    requests = _few_shot_requests(**settings)
    alone = Engine(handle, progress_file=None, backend=HfBackend(handle, 1, share_prefixes=False)).generate(requests)
    rows = 7 * (settings.get("n", 1))  # per family
    for batch_size in (3, None):
        engine = Engine(handle, progress_file=None, backend=HfBackend(handle, batch_size))
        assert engine.generate(requests) == alone, f"batch size {batch_size or 'auto'}: sharing changed outputs"
        # Each family's 40 words are computed once, not once per row.
        assert engine.stats["prefix_tokens_saved"] >= 2 * 40 * (rows - 1), "shared prefixes were recomputed"


@pytest.mark.parametrize("capacity", [4, 16])
def test_rows_join_a_running_batch_and_leave_it_when_they_end(tmp_path, monkeypatch, capacity):
    """Continuous batching: 24 prompts that end at different steps join a running batch in more
    passes than static batches would take, and an ended row is computed again only while the ended
    rows are fewer than an eighth of the batch (with room for 4 rows: never)."""
    handle = ModelHandle(parse_model_spec(str(build_tiny_llama(tmp_path / "model"))), DENSE, tmp_path, device="cpu")
    head = handle.model.lm_head  # a small push towards end of sequence: rows end at different steps
    head.bias = torch.nn.Parameter(torch.zeros(head.out_features))
    head.bias.data[handle.tokenizer.eos_token_id] = 0.15
    requests = [GenerationRequest(text=p, max_new_tokens=10) for p in _prompts(24, seed=1) if len(p.split()) > 1]
    shapes = []
    forward = type(handle.model).forward

    def recorded(model, *args, **kwargs):
        shapes.append(tuple(kwargs["input_ids"].shape))
        return forward(model, *args, **kwargs)

    monkeypatch.setattr(type(handle.model), "forward", recorded)
    engine = Engine(handle, progress_file=None, backend=HfBackend(handle, capacity))
    outputs = engine.generate(requests)
    monkeypatch.undo()
    assert outputs == Engine(handle, progress_file=None, backend=HfBackend(handle, 1)).generate(requests)
    joins = [rows for rows, width in shapes if width > 1]
    steps = [rows for rows, width in shapes if width == 1]
    assert len(joins) > len(requests) / capacity and max(joins) <= capacity, f"rows did not join a running batch: {shapes}"
    # new_tokens counts every generated token (the end of sequence included); each row's first
    # comes from its joining pass, each further one from a decoding step, plus the steps that
    # computed rows which had ended (at most 16 // 8 - 1 = 1 per step with room for 16).
    recomputed = sum(steps) - (engine.stats["new_tokens"] - len(requests))
    assert 0 <= recomputed <= (max(1, capacity // 8) - 1) * len(steps), f"{recomputed} ended rows were computed again"


def test_sampling_varies_with_seed_and_sample_index(handle):
    prompt = _prompts(1)[0]
    engine = Engine(handle, progress_file=None)
    first, second = engine.generate([GenerationRequest(text=prompt, max_new_tokens=12, temperature=1.0,
                                                       n=2, seed=seed) for seed in (1, 2)])
    assert first[0] != first[1], "two samples of one request came out identical"
    assert first != second, "two seeds gave the same samples"


def test_generation_stops_at_end_of_sequence(tmp_path):
    """A head whose only possible token is </s> ends every row after one token, nothing decoded."""
    handle = ModelHandle(parse_model_spec(str(build_tiny_llama(tmp_path / "model"))), DENSE, tmp_path, device="cpu")
    head = torch.nn.Linear(handle.model.config.hidden_size, handle.model.config.vocab_size, bias=True)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    head.bias.data[handle.tokenizer.eos_token_id] = 1.0
    handle.model.lm_head = head
    engine = Engine(handle, progress_file=None)
    outputs = engine.generate([GenerationRequest(text=p, max_new_tokens=20) for p in _prompts(3)])
    assert outputs == [[""]] * 3
    assert engine.stats["new_tokens"] == 3, "rows kept generating after end of sequence"


def test_greedy_token_ranks_first_in_choice_scoring(handle):
    """Greedy decoding emits the most likely next token, so among single-token options it must
    have the highest log-likelihood."""
    engine = Engine(handle, progress_file=None)
    for prompt in _prompts(5, seed=7):
        [[generated]] = engine.generate([GenerationRequest(text=prompt, max_new_tokens=1)])
        options = tuple(dict.fromkeys([generated.strip(), *WORDS[:12]]))
        [scores] = engine.score_choices([ChoiceRequest(text=prompt + " ", options=options)])
        assert options[scores.index(max(scores))] == generated.strip()


def test_choice_scores_match_an_unbatched_forward_pass(handle):
    prompts, options = _prompts(4, seed=11), ("red", "blue dog", "one two three")
    scores = Engine(handle, progress_file=None, backend=HfBackend(handle, 5)).score_choices(
        [ChoiceRequest(text=p + " ", options=options) for p in prompts])
    tokenizer, model = handle.tokenizer, handle.model
    for prompt, row in zip(prompts, scores):
        context = tokenizer(prompt + " ")["input_ids"]
        for option, score in zip(options, row):
            continuation = tokenizer(option, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([context + continuation])
            with torch.no_grad():
                logprobs = torch.log_softmax(model(ids).logits[0].float(), -1)
            expected = sum(logprobs[len(context) - 1 + i, token].item() for i, token in enumerate(continuation))
            assert score == pytest.approx(expected, abs=1e-4)


def test_second_run_is_served_from_the_cache_without_the_model(handle, tiny_llama_dir, tmp_path):
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    requests = _requests(temperature=1.0, n=2, seed=3)
    choices = [ChoiceRequest(text=p, options=("yes", "no")) for p in _prompts(3)]
    first = Engine(handle, cache, progress_file=None)
    outputs, scores = first.generate(requests), first.score_choices(choices)

    fresh = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    again = Engine(fresh, cache, progress_file=None)
    assert again.generate(requests) == outputs
    assert again.score_choices(choices) == scores
    assert again.stats["rows_computed"] == 0
    assert not fresh.loaded, "a fully cached run loaded the model weights"


def test_plain_chat_template_for_models_without_one(handle):
    assert handle.tokenizer.chat_template == PLAIN_CHAT_TEMPLATE
    rendered = handle.render([("system", "Be brief."), ("user", "hello"), ("assistant", "yes"), ("user", "why")])
    assert rendered == "Be brief.\n\nUser: hello\nAssistant: yes\nUser: why\nAssistant:"


def test_request_needs_exactly_one_prompt_form():
    with pytest.raises(ValueError, match="exactly one"):
        GenerationRequest(text="a", messages=[("user", "b")])
    with pytest.raises(ValueError, match="exactly one"):
        ChoiceRequest(options=("a",))
    with pytest.raises(ValueError, match="non-empty options"):
        ChoiceRequest(text="a", options=("yes", ""))


def test_progress_shows_rows_tokens_per_second_and_cache_hits(handle, tmp_path):
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    requests = _requests()
    Engine(handle, cache, progress_file=None).generate(requests[:4])
    stream = io.StringIO()
    Engine(handle, cache, progress_file=stream, backend=HfBackend(handle, 2)).generate(requests)
    final = stream.getvalue().split("\r")[-1]
    assert f"{len(requests) - 4}/{len(requests) - 4}" in final
    assert re.search(r"\d+\.\d tok/s, 4 cached", final), final
