"""Engine benchmark on the default model: 64 chat prompts x 32 new greedy tokens.

(a) a naive loop, one `model.generate` per prompt (how DecodingTrust and HELM run local models);
(b) the engine, batched, on an empty cache; (c) the engine again on the now warm cache.
All in one process, so the ratios compare like with like. Run: `make bench` (or python bench/engine.py).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import torch

from compressors.spec import DENSE
from fixtures.cache import ResponseCache
from fixtures.engine import Engine, GenerationRequest
from fixtures.models import ModelHandle
from fixtures.options import default_cache_dir
from fixtures.registry import parse_model_spec

TOPICS = ("the moon", "volcanoes", "honey bees", "the Roman empire", "rainbows", "chess", "penguins", "coffee",
          "the ocean", "electricity", "bread", "tigers", "the piano", "deserts", "glaciers", "whales")
ASKS = ("Tell me one fact about {}.", "Write a short sentence about {}.", "Why do people like {}?",
        "Describe {} to a child.")
PROMPTS = [ask.format(topic) for topic in TOPICS for ask in ASKS]  # 64
NEW_TOKENS = 32


def naive(handle: ModelHandle) -> tuple[list[str], int]:
    tokenizer, model, outputs, tokens = handle.tokenizer, handle.model, [], 0
    for prompt in PROMPTS:
        text = handle.render([("user", prompt)])
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")
        with torch.inference_mode():
            out = model.generate(**ids, max_new_tokens=NEW_TOKENS, do_sample=False)
        new = out[0, ids["input_ids"].shape[1]:]
        tokens += len(new)
        outputs.append(tokenizer.decode(new, skip_special_tokens=True, clean_up_tokenization_spaces=False))
    return outputs, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--batch-size", type=int, default=None, help="default: auto")
    args = parser.parse_args()

    handle = ModelHandle(parse_model_spec(args.model), DENSE, default_cache_dir(), device="cpu")
    handle.model  # load (and convert a GGUF once) outside the timings
    requests = [GenerationRequest(messages=[("user", p)], max_new_tokens=NEW_TOKENS) for p in PROMPTS]

    start = time.perf_counter()
    naive_outputs, naive_tokens = naive(handle)
    naive_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        cache = ResponseCache(Path(folder) / "responses.sqlite3")
        engine = Engine(handle, cache, args.batch_size, progress_file=None)
        start = time.perf_counter()
        engine_outputs = [samples[0] for samples in engine.generate(requests)]
        engine_s = time.perf_counter() - start
        engine_tokens = engine.stats["new_tokens"]

        warm = Engine(handle, cache, args.batch_size, progress_file=None)
        start = time.perf_counter()
        warm.generate(requests)
        warm_s = time.perf_counter() - start
        cache.close()

    same = sum(a == b for a, b in zip(naive_outputs, engine_outputs))
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"model {args.model}, {len(PROMPTS)} prompts x {NEW_TOKENS} new greedy tokens, "
          f"torch threads {torch.get_num_threads()}")
    print(f"(a) naive loop    {naive_s:8.1f} s  {naive_tokens / naive_s:8.1f} tok/s")
    print(f"(b) engine, cold  {engine_s:8.1f} s  {engine_tokens / engine_s:8.1f} tok/s   "
          f"b/a = {(engine_tokens / engine_s) / (naive_tokens / naive_s):.1f}x (target >= 8)")
    print(f"(c) engine, warm  {warm_s:8.3f} s  cold/warm = {engine_s / warm_s:.0f}x (target >= 50), "
          f"{warm.stats['rows_computed']} rows computed")
    print(f"outputs identical in (a) and (b): {same}/{len(PROMPTS)}")
    print(f"peak RSS {peak_gb:.2f} GB (target < 3)")


if __name__ == "__main__":
    main()
