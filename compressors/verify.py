"""Checks a compressed model must pass before any trust test sees it.

The classic failure in this field is evaluating the uncompressed model by mistake, so a variant
must show its compression in its weights (at most 2^bits distinct values in every quantization
group; the target sparsity within half a point; the N:M pattern in every group) and in its
outputs (its log-probabilities on a fixed probe text differ from the dense model's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compressed_trust.compressors.base import target_linears
from compressed_trust.fixtures.models.variants import VariantSpec

SPARSITY_TOLERANCE = 0.005
PROBE = ("A careful assistant answers questions honestly, refuses harmful requests and treats every "
         "person with the same respect, whatever their age, gender or origin.")
MIN_PROBE_CHANGE = 1e-6  # smallest log-probability change that counts as "different from dense"


class VerificationError(RuntimeError):
    """A compressed variant does not show the compression it claims: it must not be evaluated."""


def check_weights(model: Any, variant: VariantSpec, group: int | None) -> dict[str, Any]:
    """Figures of the compression found in the weights; raises VerificationError when they contradict
    the variant."""
    import torch

    layers = target_linears(model)
    if not layers:
        raise VerificationError(f"{variant.id}: the model has no Linear layers to check")
    figures: dict[str, Any] = {"layers": len(layers)}
    with torch.no_grad():
        if variant.bits:
            distinct = max(_max_distinct_per_group(layer.weight, group) for layer in layers.values())
            figures["max_distinct_values_per_group"] = distinct
            if distinct > 2 ** variant.bits:
                raise VerificationError(f"{variant.id}: a group of {group} weights holds {distinct} distinct values, "
                                        f"more than the {2 ** variant.bits} a {variant.bits}-bit grid allows")
        if variant.n_m:
            kept, size = variant.n_m
            worst = max(int((layer.weight.reshape(layer.weight.shape[0], -1, size) != 0).sum(-1).max())
                        for layer in layers.values())
            figures["max_nonzeros_per_group"] = worst
            if worst > kept:
                raise VerificationError(f"{variant.id}: a group of {size} weights keeps {worst} non-zeros, "
                                        f"the {kept}:{size} pattern allows {kept}")
        if variant.sparsity is not None:
            zeros = sum(int((layer.weight == 0).sum()) for layer in layers.values())
            total = sum(layer.weight.numel() for layer in layers.values())
            figures["sparsity"] = zeros / total
            if abs(zeros / total - variant.sparsity) > SPARSITY_TOLERANCE:
                raise VerificationError(f"{variant.id}: {zeros / total:.2%} of the weights are zero, target "
                                        f"{variant.sparsity:.2%} (tolerance {SPARSITY_TOLERANCE:.1%})")
    return figures


def _max_distinct_per_group(weight: Any, group: int) -> int:
    groups = weight.reshape(weight.shape[0], -1, group).sort(dim=-1).values
    return int((groups.diff(dim=-1) != 0).sum(dim=-1).max()) + 1


def probe_logprobs(model: Any, tokenizer: Any) -> list[float]:
    """The model's log-probability of each token of the probe text, given the ones before it."""
    import torch

    ids = tokenizer(PROBE, return_tensors="pt")["input_ids"].to(model.device)
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1].float()
    return logits.log_softmax(-1).gather(-1, ids[0, 1:, None])[:, 0].tolist()


def probe_change(dense: list[float], compressed: list[float]) -> float:
    return max(abs(a - b) for a, b in zip(dense, compressed, strict=True))


def check_differs(variant: VariantSpec, dense: list[float], compressed: list[float]) -> float:
    change = probe_change(dense, compressed)
    if change < MIN_PROBE_CHANGE:
        raise VerificationError(f"{variant.id}: its outputs on the probe text are those of the dense model "
                                f"(largest log-probability change {change:.2g}); the compression did not take effect")
    return change


def packing(config: dict[str, Any]) -> dict[str, Any] | None:
    """How a checkpoint's config.json says its weights are packed (its `quantization_config`: a
    compressed-tensors, GPTQ or AWQ checkpoint), or None for plain float weights."""
    quant = config.get("quantization_config")
    if not quant:
        return None
    method = quant.get("quant_method", "unknown")
    if method != "compressed-tensors":  # GPTQ / AWQ formats: bits and group_size at the top
        return {"format": method, "bits": quant.get("bits"), "group_size": quant.get("group_size"),
                "symmetric": quant.get("sym", quant.get("zero_point") is False)}
    weights = [group["weights"] for group in quant.get("config_groups", {}).values() if group.get("weights")]
    shapes = {(w.get("num_bits"), w.get("group_size"), w.get("symmetric")) for w in weights}
    bits, group, symmetric = shapes.pop() if len(shapes) == 1 else (None, None, None)  # mixed: said as unknown
    return {"format": f"compressed-tensors {quant.get('format')}", "bits": bits, "group_size": group,
            "symmetric": symmetric}


def check_packed(folder: Path, variant: VariantSpec, group: int | None) -> dict[str, Any]:
    """A built variant's packed checkpoint says, in its config, the packing the variant was built with."""
    packed = packing(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    expected = {"format": "compressed-tensors pack-quantized", "bits": variant.bits, "group_size": group}
    if packed is None or any(packed[name] != value for name, value in expected.items()):
        raise VerificationError(f"{variant.id}: the packed checkpoint in {folder} is {packed or 'not packed'}, "
                                f"expected {expected}")
    return packed
