"""GPTQ (Frantar et al., 2023): layer-wise quantization that corrects the remaining columns for each
quantized one, using second-order statistics of the calibration activations. Symmetric, grouped,
as the study's AutoGPTQ checkpoints."""

from __future__ import annotations

from typing import Any

from compressed_trust.compressors import oneshot
from compressed_trust.compressors.base import Calibration
from compressed_trust.fixtures.models.variants import VariantSpec


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None) -> None:
    from llmcompressor.modifiers.quantization import GPTQModifier

    modifier = GPTQModifier(config_groups=oneshot.weight_scheme(variant.bits, group, symmetric=True),
                            ignore=oneshot.IGNORE)
    oneshot.run(model, tokenizer, [modifier], calibration)
