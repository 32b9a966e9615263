"""Compression benchmark on the default model at the smoke calibration size (16 x 256 tokens).

For each method: the time to compress (the method alone) and to build (load, compress, verify,
save), the peak memory above the process's resting size while building, and the size of the stored
variant, against round-to-nearest (no calibration) as the baseline in the same process. Every
variant is built fresh in a temporary store; the calibration text comes from the user cache.
Run: `make bench` (or python bench/compress.py [--methods gptq-w4,...]).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psutil

from compressed_trust.compressors import calibration
from compressed_trust.compressors.store import built_variant
from compressed_trust.fixtures.cache import ResponseCache, default_cache_dir
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE, parse_variant

METHODS = "rtn-w4,gptq-w4,gptq-w3,awq-w4,sparsegpt-50,wanda-50,wanda-2:4,magnitude-50,magnitude-2:4"


class PeakMemory:
    """Samples this process's resident memory every 20 ms while in use."""

    def __enter__(self) -> PeakMemory:
        self.process, self.peak, self.running = psutil.Process(), 0, True
        self.start = self.process.memory_info().rss
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc_info: object) -> None:
        self.running = False
        self.thread.join()

    @property
    def above_start_gb(self) -> float:
        return (self.peak - self.start) / 1e9


def folder_gb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir()) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--methods", default=METHODS)
    args = parser.parse_args()

    cache_dir = default_cache_dir()
    responses = ResponseCache(cache_dir / "responses.sqlite3")
    converted = ModelHandle(parse_model_spec(args.model), DENSE, cache_dir, device="cpu").source[0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as store:
        dense = ModelHandle(parse_model_spec(converted), DENSE, store, device="cpu", digests=responses)
        calibration_set = calibration.build("self", "smoke", 0, dense.tokenizer, Engine(dense, responses, progress_file=None))
        print(f"model {args.model} ({folder_gb(Path(converted)):.2f} GB as float32); calibration {calibration_set.shape[0]} x "
              f"{calibration_set.shape[1]} tokens, self-generated, {time.perf_counter() - started:.1f} s "
              "(from the response cache when warm)")
        print(f"{'variant':<15}{'compress s':>11}{'build s':>9}{'x rtn':>7}{'peak GB':>9}{'stored GB':>11}  verification")
        baseline = None
        for spec in args.methods.split(","):
            handle = built_variant(dense, parse_variant(spec).with_seed(0, show=False), lambda seed: calibration_set)
            with PeakMemory() as memory:
                started = time.perf_counter()
                entry = Path(handle.source[0])
                built = time.perf_counter() - started
            compress_s = handle.weights.manifest["build_seconds"]
            baseline = baseline or compress_s
            figures = {k: round(v, 4) if isinstance(v, float) else v for k, v in handle.weights.manifest["verification"].items()}
            print(f"{spec:<15}{compress_s:>11.1f}{built:>9.1f}{compress_s / baseline:>7.1f}{memory.above_start_gb:>9.2f}"
                  f"{folder_gb(entry):>11.2f}  {figures}", flush=True)


if __name__ == "__main__":
    main()
