"""The glue to llmcompressor's `oneshot`, shared by GPTQ, AWQ, RTN, SparseGPT and Wanda."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from compressed_trust.compressors.base import OUTPUT_HEAD, Calibration
from compressed_trust.fixtures.models.variants import VariantSpec

# A regular expression without an end anchor: the pruners (llmcompressor 0.14) name the head "lm_head."
# with a trailing dot, so neither a plain "lm_head" nor an anchored pattern matches it there.
# llmcompressor logs every lifecycle step at INFO (and "no accelerator" at WARNING) into pytest's
# output; set LLM_COMPRESSOR_LOG_LEVEL yourself to see them.
os.environ.setdefault("LLM_COMPRESSOR_LOG_LEVEL", "ERROR")

IGNORE = [f"re:.*{OUTPUT_HEAD}"]


def weight_scheme(bits: int, group: int, symmetric: bool) -> dict[str, Any]:
    """Integer weight-only quantization in groups of `group` input columns (activations stay float)."""
    from compressed_tensors.quantization import QuantizationArgs, QuantizationScheme

    weights = QuantizationArgs(num_bits=bits, type="int", symmetric=symmetric, strategy="group", group_size=group)
    return {"group_0": QuantizationScheme(targets=["Linear"], weights=weights)}


@contextlib.contextmanager
def _without_pinned_memory() -> Iterator[None]:
    """AWQ pins its cached activations for fast host-to-GPU copies; without an accelerator,
    `Tensor.pin_memory()` raises, so on such a machine pinning is skipped (it only saves time)."""
    import torch
    from llmcompressor.pipelines.cache import IntermediatesCache

    if torch.accelerator.is_available():
        yield
        return
    with mock.patch.object(IntermediatesCache, "pin_memory", lambda *args, **kwargs: None):
        yield


def run(model: Any, tokenizer: Any, modifiers: list[Any], calibration: Calibration | None) -> None:
    """Apply the modifiers to `model` in place (a quantizer's wrappers stay on: `base.compress` folds them)."""
    from llmcompressor import oneshot

    data = {}
    if calibration is not None:
        samples, length = calibration.shape
        data = dict(dataset=calibration.dataset(), num_calibration_samples=samples, max_seq_length=length,
                    shuffle_calibration_samples=False)  # the seed already chose the samples and their order
    with _without_pinned_memory():
        oneshot(model=model, recipe=modifiers, processor=tokenizer, **data)


def save_packed(model: Any, tokenizer: Any, target: Path) -> None:
    """The checkpoint that ships: llmcompressor's compressed save (compressed-tensors "pack-quantized":
    int4 weights eight to an int32 with their group scales, and zero points when asymmetric; the
    config's `quantization_config` says so), which vLLM serves through its integer kernels. Measured on
    SmolLM2-135M gptq-w4: 173 MB against the float copy's 538 MB, and transformers' decompression of
    it equals the folded float copy bit for bit. Before folding: it reads the quantization wrappers.
    The save packs the layers in place; they are unpacked again after it, for the float copy."""
    import warnings

    from compressed_tensors.compressors import ModelCompressor

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Attempting to save a model with offloaded modules")  # see store.py
        model.save_pretrained(target, save_compressed=True)
    tokenizer.save_pretrained(target)
    ModelCompressor.from_pretrained_model(model).decompress_model(model)


def fold_quantization(model: Any) -> None:
    """Replace each quantized layer's weight by its dequantized value and drop the quantization
    wrapper, so the model is a plain float model whose weights lie on the quantization grid
    (the same numbers an int kernel computes with)."""
    from compressed_tensors.quantization.lifecycle.forward import forward_quantize

    for module in model.modules():
        scheme = getattr(module, "quantization_scheme", None)
        if scheme is None:
            continue
        if scheme.weights is not None:
            module.weight.data = forward_quantize(module, module.weight.data, "weight", scheme.weights)
        for name in ("weight_scale", "weight_zero_point", "weight_g_idx", "weight_shape"):  # shape: left by unpacking
            if hasattr(module, name):
                delattr(module, name)
        module.__dict__.pop("forward", None)  # the wrapper is an instance attribute over Linear.forward
        del module.quantization_scheme, module.quantization_status


def mask_structure(variant: VariantSpec) -> str:
    """llmcompressor's "N:M" counts the weights pruned in every M; ours (the usual convention) counts
    the ones kept. "0:0" is unstructured."""
    if variant.n_m is None:
        return "0:0"
    kept, size = variant.n_m
    return f"{size - kept}:{size}"
