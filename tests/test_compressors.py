"""Each compression method on a tiny random Llama: the compression is really in the weights (checked
here with plain torch, not with compressors/verify.py), the head and embeddings stay dense, the
outputs change, and the same seed builds the same weights (on every core, whatever thread count the
engine left: CPU sums, so the weights, depend on it)."""

from __future__ import annotations

import pytest
import torch

from compressed_trust.compressors import store
from compressed_trust.compressors.base import Calibration
from compressed_trust.compressors.magnitude import keep_mask
from compressed_trust.compressors.store import BuiltVariant, built_variant
from compressed_trust.compressors.verify import VerificationError, check_differs, check_weights
from compressed_trust.fixtures.engine.threads import cores
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE, parse_variant

METHODS = ["gptq-w4", "gptq-w3-g16", "gptq-w2", "awq-w4", "awq-w3-g16", "rtn-w8", "rtn-w4", "rtn-w2",
           "sparsegpt-50", "sparsegpt-2:4", "wanda-75", "wanda-4:8", "magnitude-50", "magnitude-1:4"]


def random_calibration(seed: int) -> Calibration:
    tokens = torch.randint(4, 40, (8, 32), generator=torch.Generator().manual_seed(seed))
    return Calibration(f"random-{seed}", tuple(map(tuple, tokens.tolist())))


def build(tiny_llama_dir, cache_dir, spec: str, seed: int = 0, artifact: str = "float") -> ModelHandle:
    dense = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, cache_dir, device="cpu")
    return built_variant(dense, parse_variant(spec).with_seed(seed, show=False).with_artifact(artifact),
                         random_calibration)


@pytest.fixture(scope="module")
def dense_weights(tiny_llama_dir):
    return ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tiny_llama_dir, device="cpu").model.state_dict()


def _linears(model) -> dict[str, torch.Tensor]:
    return {name: module.weight.detach() for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and not name.endswith("lm_head")}


@pytest.mark.parametrize("spec", METHODS)
def test_method_puts_the_compression_in_the_weights(spec, tiny_llama_dir, tmp_path, dense_weights):
    handle = build(tiny_llama_dir, tmp_path, spec)
    variant, model = handle.variant, handle.model
    linears = _linears(model)
    assert len(linears) == 14  # 2 layers x (q, k, v, o, gate, up, down)
    for name, weight in linears.items():
        rows = weight.shape[0]
        if variant.bits:
            group = variant.group or 32  # the tiny model's widths are 32 and 64: the default is 32
            for row_groups in weight.reshape(rows, -1, group):
                for values in row_groups:
                    assert len(torch.unique(values)) <= 2 ** variant.bits, name
        if variant.n_m:
            kept, size = variant.n_m
            assert int((weight.reshape(rows, -1, size) != 0).sum(-1).max()) <= kept, name
    if variant.sparsity is not None:
        zeros = sum(int((w == 0).sum()) for w in linears.values())
        assert abs(zeros / sum(w.numel() for w in linears.values()) - variant.sparsity) <= 0.005
    state = model.state_dict()
    for dense_only in ("lm_head.weight", "model.embed_tokens.weight"):
        assert torch.equal(state[dense_only], dense_weights[dense_only]), f"{dense_only} was changed"
    changed = sum(not torch.equal(weight, dense_weights[f"{name}.weight"]) for name, weight in linears.items())
    assert changed == len(linears), f"only {changed}/{len(linears)} layers were compressed"
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])
    with torch.no_grad():
        logits = model(ids).logits
    assert torch.isfinite(logits).all()
    assert handle.weights.manifest["verification"]["probe_change"] > 0


@pytest.mark.parametrize("spec", ["gptq-w4", "wanda-50", "sparsegpt-50"])
def test_the_same_seed_builds_the_same_weights(spec, tiny_llama_dir, tmp_path):
    first = build(tiny_llama_dir, tmp_path / "a", spec, seed=1).model.state_dict()
    again = build(tiny_llama_dir, tmp_path / "b", spec, seed=1).model.state_dict()
    other = build(tiny_llama_dir, tmp_path / "c", spec, seed=2).model.state_dict()
    assert all(torch.equal(first[name], again[name]) for name in first)
    assert not all(torch.equal(first[name], other[name]) for name in first), "a new seed changed nothing"


@pytest.mark.skipif(cores() < 2, reason="needs two cores: a build on every core against one thread")
def test_a_build_runs_on_every_core_whatever_the_engine_left(tiny_llama_dir, tmp_path, monkeypatch):
    threads_seen = []
    real_compress = store.compress
    monkeypatch.setattr(store, "compress", lambda *args: (threads_seen.append(torch.get_num_threads()),
                                                          real_compress(*args)))
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # what the engine leaves beside a competing process (fixtures/engine/threads.py)
    try:
        handle = build(tiny_llama_dir, tmp_path, "sparsegpt-50")
        assert handle.model is not None  # builds it
        assert threads_seen == [cores()]
        assert torch.get_num_threads() == 1, "the build kept its threads instead of giving the engine's back"
    finally:
        torch.set_num_threads(before)
    assert handle.weights.manifest["recipe"]["threads"] == cores()


def test_a_store_built_on_another_core_count_is_not_reused(tiny_llama_dir, tmp_path, monkeypatch):
    dense = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    variant = parse_variant("sparsegpt-50").with_seed(0, show=False)
    here = BuiltVariant(dense, variant, random_calibration).variant_fingerprint
    monkeypatch.setattr(store, "cores", lambda: cores() + 1)
    assert BuiltVariant(dense, variant, random_calibration).variant_fingerprint != here


def test_magnitude_masks_by_hand():
    weight = torch.tensor([[1.0, -4.0, 2.0, 3.0], [0.5, 0.1, -0.2, 0.3]])
    assert keep_mask(weight, parse_variant("magnitude-2:4")).tolist() == [[False, True, False, True],
                                                                          [True, False, False, True]]
    # 50% of 8 weights: the 4 smallest magnitudes (0.1, 0.2, 0.3, 0.5) go, wherever they are
    assert keep_mask(weight, parse_variant("magnitude-50")).tolist() == [[True, True, True, True],
                                                                         [False, False, False, False]]
    with pytest.raises(ValueError, match="cannot be split in groups of 8"):
        keep_mask(weight, parse_variant("magnitude-2:8"))


@pytest.mark.parametrize("spec, claim", [
    ("rtn-w4", "more than the 16 a 4-bit grid allows"),
    ("wanda-50", "0.00% of the weights are zero, target 50.00%"),
    ("magnitude-2:4", "keeps 4 non-zeros"),
])
def test_a_variant_that_was_not_compressed_fails_verification(spec, claim, tiny_llama_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("compressed_trust.compressors.store.compress", lambda *args: None)  # the method "forgot" to run
    with pytest.raises(VerificationError, match=claim):
        _ = build(tiny_llama_dir, tmp_path, spec).source
    assert not list((tmp_path / "compressed").glob("*/manifest.json")), "a failed build was stored"


def test_outputs_equal_to_dense_fail_verification():
    with pytest.raises(VerificationError, match="outputs on the probe text are those of the dense model"):
        check_differs(parse_variant("rtn-w8"), [-1.5, -2.0], [-1.5, -2.0])
    assert check_differs(parse_variant("rtn-w8"), [-1.5, -2.0], [-1.5, -2.25]) == 0.25


def test_check_weights_counts_by_hand():
    layer = torch.nn.Linear(4, 2, bias=False)
    model = torch.nn.Sequential(layer)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.0, 1.0, 0.0, 1.0], [2.0, 0.0, 0.0, 3.0]]))
    figures = check_weights(model, parse_variant("magnitude-2:4"), None)
    assert figures == {"layers": 1, "sparsity": 0.5, "max_nonzeros_per_group": 2}
    assert check_weights(model, parse_variant("rtn-w2"), 4)["max_distinct_values_per_group"] == 3
    with pytest.raises(VerificationError, match="holds 3 distinct values, more than the 2"):
        check_weights(model, parse_variant("rtn-w2").__class__("rtn-w1", "rtn", bits=1), 4)
