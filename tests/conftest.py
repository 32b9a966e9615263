"""Shared fixtures of the suite's own tests: a tiny Llama with random weights and a word tokenizer,
built in the test session from a config, so engine mechanics are tested without any download."""

from __future__ import annotations

import os
from pathlib import Path

# The suite's own tests never reach a model hub: everything is built here or shipped in a package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

# No per-example deadline: on a shared 2-core CI machine a slow example is load, not a bug.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# Every word the tiny tokenizer knows; anything else becomes <unk>.
WORDS = ("the cat dog sat on mat a an is was red blue green big small yes no maybe one two three four "
         "five six seven eight nine ten hello world please answer question tell me story about sky").split()


def build_tiny_llama(directory: Path, seed: int = 0) -> Path:
    """A 2-layer Llama (hidden 32) and a whitespace word-level tokenizer, saved as a model directory."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    vocab = {token: index for index, token in enumerate([*specials, *WORDS, ":", ".", "?", "\n"])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", unk_token="<unk>")
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         pad_token_id=0, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))
