"""Calibration data for GPTQ, AWQ, SparseGPT and Wanda, built without network.

`self` (default): the dense model's own answers to varied short prompts shipped in
calibration_prompts.txt, each conversation rendered with the model's chat template (the study
calibrated its chat models on chat-formatted text). The answers come from the engine, so they sit in
the response cache: a re-run rebuilds the identical set without loading the model.
A file (.txt: one text per line; .jsonl/.json: a "text" field, or Alpaca "instruction"/"output"
rendered as a chat) or `hf:<dataset>[:config]` (the same fields, through `datasets`) when the user
has one. The conversations are concatenated and cut into samples of equal length; the seed picks
the prompts or rows, their order, and the sampled answers.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from compressed_trust.compressors.base import Calibration

# (samples, tokens per sample) by --trust-tier: small on a CPU, the study's 128 x 2048 at full.
SIZES = {"smoke": (16, 256), "standard": (64, 512), "full": (128, 2048)}
PROMPTS_FILE = Path(__file__).with_name("calibration_prompts.txt")
FILE_SUFFIXES = (".txt", ".jsonl", ".json")
ACCEPTED = f"self, hf:<dataset>[:config], or a local file ({', '.join(FILE_SUFFIXES)})"
MAX_SAMPLES_PER_PROMPT = 32


def parse_calibration(text: str) -> str:
    if text == "self" or (text.startswith("hf:") and len(text) > 3):
        return text
    path = Path(os.path.expanduser(text))  # pathlib raises on "~unknown-user"
    if path.suffix not in FILE_SUFFIXES:
        raise ValueError(f"{text!r} is not a calibration source; accepted: {ACCEPTED}")
    if not path.is_file():
        raise ValueError(f"{text!r}: no such calibration file; accepted: {ACCEPTED}")
    return str(path.resolve())


def build(source: str, tier: str, seed: int, tokenizer: Any, engine: Any) -> Calibration:
    """`engine` (the dense model's) writes the text for `self`; other sources only need the tokenizer."""
    samples, length = SIZES[tier]
    needed = samples * length
    if source == "self":
        stream = _self_generated(tokenizer, engine, seed, needed, answer_tokens=min(length, 512))
    else:
        stream = _tokens(tokenizer, _rendered_rows(tokenizer, _rows(source), seed))
    tokens = _take(stream, needed)
    if len(tokens) < needed:
        raise ValueError(f"calibration source {source!r} gives {len(tokens)} tokens; --trust-tier {tier} needs "
                         f"{samples} samples of {length} = {needed}")
    return Calibration(source, tuple(tuple(tokens[i:i + length]) for i in range(0, needed, length)))


def _self_generated(tokenizer: Any, engine: Any, seed: int, needed: int, answer_tokens: int) -> Iterable[int]:
    from compressed_trust.fixtures.engine.requests import GenerationRequest

    prompts = PROMPTS_FILE.read_text(encoding="utf-8").splitlines()
    random.Random(seed).shuffle(prompts)
    # As many prompts as full-length answers would need; if the answers stop early, more prompts,
    # then more samples per prompt (each step reuses the answers already in the cache).
    count, samples = min(len(prompts), -(-needed // answer_tokens)), 1
    while True:
        requests = [GenerationRequest(messages=[("user", prompt)], max_new_tokens=answer_tokens, temperature=1.0,
                                      top_p=0.95, n=samples, seed=seed) for prompt in prompts[:count]]
        chats = [[{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
                 for prompt, sampled in zip(prompts, engine.generate(requests)) for answer in sampled]
        tokens = _take(_tokens(tokenizer, (_render(tokenizer, chat) for chat in chats)), needed)
        if len(tokens) >= needed or samples == MAX_SAMPLES_PER_PROMPT:
            return tokens
        if count < len(prompts):
            count = min(len(prompts), 2 * count)
        else:
            samples += 1


def _rows(source: str) -> list[dict[str, Any]]:
    import datasets

    if source.startswith("hf:"):
        name, _, config = source[3:].partition(":")
        return list(datasets.load_dataset(name, config or None, split="train"))
    path = Path(source)
    if path.suffix == ".txt":
        return [{"text": line} for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(datasets.load_dataset("json", data_files=str(path), split="train"))


def _rendered_rows(tokenizer: Any, rows: list[dict[str, Any]], seed: int) -> Iterable[str]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    for row in rows:
        if row.get("text"):
            yield row["text"]
        elif row.get("instruction") and row.get("output"):
            prompt = row["instruction"] + (f"\n\n{row['input']}" if row.get("input") else "")
            yield _render(tokenizer, [{"role": "user", "content": prompt}, {"role": "assistant", "content": row["output"]}])
        else:
            raise ValueError(f"calibration row without a 'text' or 'instruction'/'output' field: {sorted(row)}")


def _render(tokenizer: Any, chat: list[dict[str, str]]) -> str:
    return tokenizer.apply_chat_template(chat, tokenize=False)


def _tokens(tokenizer: Any, texts: Iterable[str]) -> Iterable[int]:
    for text in texts:
        yield from tokenizer(text, add_special_tokens=False)["input_ids"]


def _take(tokens: Iterable[int], count: int) -> list[int]:
    taken = []
    for token in tokens:
        if len(taken) == count:
            break
        taken.append(token)
    return taken
