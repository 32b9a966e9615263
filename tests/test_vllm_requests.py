"""The translation of the engine's rows into vLLM requests and back, shared by the in-process and
the server backends (no vLLM needed), and the parser of --trust-server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compressed_trust.fixtures.engine.backend import ChoiceRow, Row, Settings
from compressed_trust.fixtures.engine.vllm_backend import finish, option_logprob, sampling
from compressed_trust.fixtures.options import parse_server

SETTINGS = Settings(max_new_tokens=7, temperature=0.8, top_p=0.9, eos_ids=(2, 5), pad_id=0)


def test_a_greedy_row_is_sent_greedy_and_a_sampled_row_with_its_own_seed():
    assert sampling(Row("k", [1, 2]), SETTINGS) == {
        "n": 1, "max_tokens": 7, "seed": None, "temperature": 0.0, "top_p": 1.0, "stop_token_ids": [2, 5],
        "skip_special_tokens": True}
    sampled = sampling(Row("k", [1, 2], seed=123456789012), SETTINGS)
    assert (sampled["seed"], sampled["temperature"], sampled["top_p"], sampled["n"]) == (123456789012, 0.8, 0.9, 1)


@pytest.mark.parametrize("generated, kept", [
    ([9, 8, 2], [9, 8]),      # stopped at an end of sequence: dropped, as the HF backend drops it
    ([9, 5], [9]),            # any of the model's end-of-sequence ids
    ([9, 8, 7], [9, 8, 7]),   # stopped at max_tokens
    ([2, 9], [2, 9]),         # an end-of-sequence id only counts at the end
    ([], []),
])
def test_finish_drops_only_a_final_end_of_sequence(generated, kept):
    assert finish(Row("k", [1]), generated, SETTINGS).tokens == kept


def test_option_log_likelihood_sums_the_options_tokens_in_both_shapes():
    row = ChoiceRow("k", ids=[1, 10, 11], option_ids=[20, 21])
    # prompt + option = [1, 10, 11, 20, 21]: position 0 has no log-probability; the option is 3 and 4.
    from_server = [None, {"10": {"logprob": -9.0}}, {"11": {"logprob": -8.0}},
                   {"20": {"logprob": -0.5}, "7": {"logprob": -0.1}}, {"21": {"logprob": -1.25}}]
    in_process = [None, {10: SimpleNamespace(logprob=-9.0)}, {11: SimpleNamespace(logprob=-8.0)},
                  {20: SimpleNamespace(logprob=-0.5), 7: SimpleNamespace(logprob=-0.1)},
                  {21: SimpleNamespace(logprob=-1.25)}]
    assert option_logprob(row, from_server) == option_logprob(row, in_process) == -1.75


@pytest.mark.parametrize("text, expected", [
    ("http://10.0.0.5:8000", ("none", "http://10.0.0.5:8000")),
    ("https://gpu.example/", ("none", "https://gpu.example")),
    ("gptq-w4=http://h:1", ("gptq-w4", "http://h:1")),
    ("hf:org/llama-gptq@main=http://h:1/v?x=1", ("hf:org/llama-gptq@main", "http://h:1/v?x=1")),
])
def test_server_option(text, expected):
    assert parse_server(text) == expected


@given(st.text())
def test_server_option_on_any_text_is_a_server_or_a_value_error(text):
    try:
        variant, url = parse_server(text)
    except ValueError as error:
        assert repr(text) in str(error) and "accepted: [VARIANT=]http(s)://HOST:PORT" in str(error)
    else:
        assert url.startswith(("http://", "https://")) and variant and "=" not in variant
