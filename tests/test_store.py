"""The store of built variants: a second request is a hit, a damaged folder is rebuilt, two processes
asking at once build once, and the manifest says what was built from what."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compressed_trust.compressors.store import RELOAD_TOLERANCE, BuiltVariant, checkpoint_variant
from compressed_trust.compressors.verify import VerificationError, check_packed
from compressed_trust.fixtures.models.handles import Memory, ModelLoadError
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import FLOAT, PACKED, parse_variant
from tests.test_compressors import build

ROOT = Path(__file__).resolve().parents[1]


def _forbid_builds(monkeypatch):
    def no_build(self, staging, make_room):
        raise AssertionError(f"{self.variant.id} was rebuilt")

    monkeypatch.setattr(BuiltVariant, "_build", no_build)


def test_a_second_request_is_a_hit(tiny_llama_dir, tmp_path, monkeypatch):
    first = build(tiny_llama_dir, tmp_path, "gptq-w4")
    entry = Path(first.source[0])
    _forbid_builds(monkeypatch)
    again = build(tiny_llama_dir, tmp_path, "gptq-w4")
    assert Path(again.source[0]) == entry
    assert again.variant_fingerprint == first.variant_fingerprint


def test_the_key_covers_seed_calibration_and_method(tiny_llama_dir, tmp_path):
    keys = {build(tiny_llama_dir, tmp_path, spec, seed).variant_fingerprint
            for spec, seed in [("gptq-w4", 0), ("gptq-w4", 1), ("gptq-w4-g16", 0), ("awq-w4", 0), ("rtn-w4", 0)]}
    assert len(keys) == 5
    # uncalibrated methods ignore the seed: one build serves every seed
    assert build(tiny_llama_dir, tmp_path, "rtn-w4", 0).variant_fingerprint == \
        build(tiny_llama_dir, tmp_path, "rtn-w4", 7).variant_fingerprint


def test_the_manifest_says_what_was_built(tiny_llama_dir, tmp_path):
    handle = build(tiny_llama_dir, tmp_path, "gptq-w3-g16", seed=2)
    manifest = json.loads((Path(handle.source[0]) / "manifest.json").read_text())
    assert manifest["variant"] == "gptq-w3-g16" and manifest["group"] == 16
    assert manifest["recipe"]["seed"] == 2 and manifest["recipe"]["bits"] == 3
    assert manifest["recipe"]["model"] == handle.weights.dense.fingerprint
    assert manifest["calibration"] == {"source": "random-2", "samples": 8, "tokens_per_sample": 32,
                                       "fingerprint": handle.weights.calibration.fingerprint}
    assert manifest["verification"]["max_distinct_values_per_group"] <= 8
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= set(manifest["files"])
    # Loading verifies again and keeps what it found: the figures of the build, unchanged since
    assert handle.model is not None
    assert handle.verification["max_distinct_values_per_group"] == manifest["verification"]["max_distinct_values_per_group"]
    assert handle.verification["probe_change"] == pytest.approx(manifest["verification"]["probe_change"], abs=1e-4)
    assert handle.verification["change_since_built"] <= RELOAD_TOLERANCE


def test_every_variant_names_the_weights_it_measured(tiny_llama_dir, tmp_path):
    """The artifact digest: what a build wrote (sha256 of each file but the manifest, by name), so two
    builds of one recipe on two CPU types show as two models; the dense model's by its own files."""
    def digest(folder: Path) -> str:
        lines = sorted(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n"
                       for path in folder.iterdir() if path.is_file() and path.name != "manifest.json")
        return "dir:" + hashlib.sha256("".join(lines).encode()).hexdigest()

    handle = build(tiny_llama_dir, tmp_path, "gptq-w4")
    entry = Path(handle.source[0])
    expected = digest(entry)
    assert handle.provenance()["artifact"] == expected
    assert handle.weights.dense.provenance()["artifact"] == digest(tiny_llama_dir)
    assert build(tiny_llama_dir, tmp_path, "gptq-w4", seed=1).provenance()["artifact"] != expected
    packed = build(tiny_llama_dir, tmp_path, "gptq-w4", artifact=PACKED)  # the files it loads: those of packed/
    assert Path(packed.source[0]) == entry / PACKED and packed.provenance()["artifact"] == digest(entry / PACKED)
    # a build this machine does not hold (its outputs would come from the cache) names no weights
    shutil.rmtree(entry)
    assert build(tiny_llama_dir, tmp_path, "gptq-w4").weights.artifact is None


@pytest.mark.parametrize("damage", ["truncate", "delete-manifest", "delete-weights"])
def test_a_damaged_entry_is_rebuilt_not_used(damage, tiny_llama_dir, tmp_path):
    entry = Path(build(tiny_llama_dir, tmp_path, "wanda-50").source[0])
    weights = entry / "model.safetensors"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    elif damage == "delete-manifest":
        (entry / "manifest.json").unlink()
    else:
        weights.unlink()
    again = build(tiny_llama_dir, tmp_path, "wanda-50")
    with pytest.warns(UserWarning, match="is damaged .*; rebuilding it"):
        assert Path(again.source[0]) == entry
    assert again.weights.store.damage(entry) is None
    assert again.model is not None  # loads and verifies the rebuilt weights


@pytest.mark.parametrize("spec, symmetric", [("gptq-w4-g16", True), ("awq-w4-g16", False)])
def test_a_quantized_build_keeps_the_packed_checkpoint_that_ships(spec, symmetric, tiny_llama_dir, tmp_path):
    """GPTQ (symmetric) and AWQ (asymmetric: zero points packed too): the packed checkpoint says its packing
    in its config, is smaller, and transformers' decompression of it is the float copy bit for bit."""
    import torch
    from transformers import AutoModelForCausalLM, CompressedTensorsConfig

    handle = build(tiny_llama_dir, tmp_path, spec)
    entry = Path(handle.source[0])
    packed = handle.weights.manifest["packed"]
    assert packed["format"] == "compressed-tensors pack-quantized" and (packed["bits"], packed["group_size"]) == (4, 16)
    assert packed["symmetric"] is symmetric and packed["probe_change_from_float_decompressed"] <= RELOAD_TOLERANCE
    assert packed["weights_bytes"] < (entry / "model.safetensors").stat().st_size
    assert json.loads((entry / PACKED / "config.json").read_text())["quantization_config"]["format"] == "pack-quantized"
    assert "quantization_config" not in json.loads((entry / "config.json").read_text())  # the float copy is plain
    float_copy = AutoModelForCausalLM.from_pretrained(entry).state_dict()
    unpacked = AutoModelForCausalLM.from_pretrained(
        entry / PACKED, quantization_config=CompressedTensorsConfig(run_compressed=False)).state_dict()
    assert float_copy.keys() <= unpacked.keys()  # it keeps the scales beside the unpacked weights
    assert all(torch.equal(float_copy[name], unpacked[name]) for name in float_copy)


def test_a_pruned_build_ships_its_float_weights_only(tiny_llama_dir, tmp_path):
    handle = build(tiny_llama_dir, tmp_path, "wanda-50")
    entry = Path(handle.source[0])
    assert handle.weights.manifest["packed"] is None and not (entry / PACKED).exists()
    assert handle.variant.with_artifact(PACKED) == handle.variant  # --trust-artifact packed leaves it as it is
    assert handle.provenance()["form"]["artifact"] == FLOAT


def test_a_packed_checkpoint_is_checked_and_its_damage_rebuilt(tiny_llama_dir, tmp_path):
    handle = build(tiny_llama_dir, tmp_path, "rtn-w4-g16")
    entry = Path(handle.source[0])
    with pytest.raises(VerificationError, match="rtn-w8-g16: the packed checkpoint .* expected .*'bits': 8"):
        check_packed(entry / PACKED, parse_variant("rtn-w8-g16"), 16)
    (entry / PACKED / "model.safetensors").unlink()
    assert handle.weights.store.damage(entry) == "packed/model.safetensors is missing"
    packed = build(tiny_llama_dir, tmp_path, "rtn-w4-g16", artifact=PACKED)
    assert Path(packed.source[0]) == entry / PACKED and (entry / PACKED / "model.safetensors").is_file()
    assert packed.provenance()["form"] == {"artifact": PACKED, **packed.weights.manifest["packed"]}


def test_the_response_cache_never_returns_a_float_output_to_a_packed_request(tiny_llama_dir, tmp_path):
    from compressed_trust.fixtures.cache import ResponseCache
    from compressed_trust.fixtures.engine.engine import Engine
    from compressed_trust.fixtures.engine.requests import GenerationRequest

    class Computes:
        """The same backend for both artifacts (no model: what is computed is not the question here)."""

        def identity(self):
            return {"backend": "stub"}

        def generate(self, rows, settings, finished, stats):
            for row in rows:
                row.tokens = [5]
            finished(rows)

    cache = ResponseCache(tmp_path / "responses.sqlite3")
    requests = [GenerationRequest(messages=[("user", f"tell me a story about {word}")], max_new_tokens=4)
                for word in ("cat", "dog", "sky")]

    def engine(artifact: str) -> Engine:
        return Engine(build(tiny_llama_dir, tmp_path, "gptq-w4-g16", artifact=artifact), cache, progress_file=None,
                      backend=Computes())

    engine(FLOAT).generate(requests)
    packed = engine(PACKED)
    packed.generate(requests)
    assert (packed.stats["cache_hits"], packed.stats["rows_computed"]) == (0, len(requests)), "float outputs reused"
    again = engine(FLOAT)
    again.generate(requests)
    assert (again.stats["cache_hits"], again.stats["rows_computed"]) == (len(requests), 0)


_BUILDER = textwrap.dedent("""
    import sys
    import time
    from pathlib import Path
    from compressed_trust.compressors.store import BuiltVariant
    from tests.test_compressors import build

    original = BuiltVariant._build
    def announced(self, staging, make_room):
        print("BUILT", flush=True)
        return original(self, staging, make_room)
    BuiltVariant._build = announced
    Path(sys.argv[3]).touch()
    while len(list(Path(sys.argv[3]).parent.glob("ready-*"))) < 2:  # start building together
        time.sleep(0.01)
    print(build(Path(sys.argv[1]), Path(sys.argv[2]), "sparsegpt-2:4").source[0])
""")


def test_two_processes_build_once(tiny_llama_dir, tmp_path):
    builders = [subprocess.Popen([sys.executable, "-c", _BUILDER, str(tiny_llama_dir), str(tmp_path / "cache"),
                                  str(tmp_path / f"ready-{i}")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                for i in range(2)]
    outputs = [builder.communicate(timeout=300)[0] for builder in builders]
    assert [builder.returncode for builder in builders] == [0, 0]
    assert sum(output.count("BUILT") for output in outputs) == 1, outputs
    assert len({output.split()[-1] for output in outputs}) == 1, "the two processes got different folders"


def test_the_session_builds_verifies_and_stamps_each_variant(pytester, tiny_llama_dir, tmp_path):
    """Through pytest: self-generated calibration, one build per variant, the preflight verification
    test, and the provenance every trust result carries."""
    pytester.makepyfile(test_built=textwrap.dedent("""
        from trust_tests.test_preflight import test_variant_is_compressed, verified_variant

        def test_provenance(compressed_variant, model_handles):
            provenance = model_handles(compressed_variant).provenance()
            print("PROVENANCE", provenance)
            assert provenance["variant"] == compressed_variant.id
            calibrated = compressed_variant.method != "magnitude"
            assert (provenance["calibration"] is not None) == calibrated
            if calibrated:
                assert provenance["calibration"]["source"] == "self"
                assert (provenance["calibration"]["samples"], provenance["calibration"]["tokens_per_sample"]) == (16, 256)

        def test_one_model_in_memory_at_a_time(compressed_variant, model_handles, dense_model):
            dense_model.model
            variant = model_handles(compressed_variant)
            variant.model
            assert variant.loaded and not dense_model.loaded
    """))
    args = [f"--model={tiny_llama_dir}", "--trust-device", "cpu", f"--trust-cache={tmp_path}", "-v",
            "--quant", "4bit,wanda-2:4,magnitude-50"]
    result = pytester.runpytest_subprocess(*args)  # in-process, a second session re-imports `datasets`
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*test_variant_is_compressed[[]gptq-w4[]] PASSED*",
                                 "*test_variant_is_compressed[[]wanda-2:4[]] PASSED*"])
    built = {path: path.stat().st_mtime_ns for path in tmp_path.glob("compressed/*/manifest.json")}
    assert len(built) == 3
    # A second session finds all three in the store and its calibration text in the response cache.
    again = pytester.runpytest_subprocess(*args)
    again.assert_outcomes(passed=9)
    assert {path: path.stat().st_mtime_ns for path in tmp_path.glob("compressed/*/manifest.json")} == built


def test_a_checkpoint_variant_must_differ_from_dense(tiny_llama_dir, tmp_path):
    built = build(tiny_llama_dir, tmp_path, "magnitude-50")
    folder = built.source[0]
    checkpoint = checkpoint_variant(parse_model_spec(folder), parse_variant(folder), built.weights.dense)
    assert checkpoint.model is not None
    assert checkpoint.provenance()["checkpoint"] == folder
    assert checkpoint.verification["probe_change"] > 0  # a checkpoint shows only its outputs
    dense_again = checkpoint_variant(parse_model_spec(str(tiny_llama_dir)), parse_variant(str(tiny_llama_dir)),
                                     built.weights.dense)
    with pytest.raises(VerificationError, match="outputs on the probe text are those of the dense model"):
        _ = dense_again.model


def test_an_unloadable_checkpoint_is_a_clear_error(tiny_llama_dir, tmp_path):
    folder = tmp_path / "no-weights"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_bytes((tiny_llama_dir / name).read_bytes())
    dense = build(tiny_llama_dir, tmp_path, "rtn-w8").weights.dense
    with pytest.raises(ModelLoadError, match=f"cannot load the checkpoint {folder}: OSError"):
        _ = checkpoint_variant(parse_model_spec(str(folder)), parse_variant(str(folder)), dense).model


def test_one_resident_in_memory_at_a_time():
    """The memory's rule, whatever holds a model (a handle's weights, a vLLM engine or server): room
    for one releases every other, never the one asking; the end of the run releases the last."""
    released = []

    class Resident:
        def __init__(self, name: str):
            self.name = name

        def release(self) -> None:
            released.append(self.name)

    memory, weights, server = Memory(), Resident("weights"), Resident("server")
    memory.occupy(weights)
    memory.occupy(weights)
    assert released == []
    memory.occupy(server)
    assert released == ["weights"]
    memory.occupy(weights)
    memory.release()
    assert released == ["weights", "server", "weights"]
