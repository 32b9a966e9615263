"""AWQ (Lin et al., 2024): scales the input channels that carry large activations before
quantizing, so the salient weights lose less. Asymmetric (with a zero point), grouped, as AutoAWQ."""

from __future__ import annotations

from typing import Any

from compressed_trust.compressors import oneshot
from compressed_trust.compressors.base import Calibration
from compressed_trust.fixtures.models.variants import VariantSpec


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None) -> None:
    from llmcompressor.modifiers.quantization import QuantizationModifier

    # Not `llmcompressor.modifiers.awq`: that compatibility shim adds an empty QuantizationModifier.
    from llmcompressor.modifiers.transform.awq import AWQModifier

    quantize = QuantizationModifier(config_groups=oneshot.weight_scheme(variant.bits, group, symmetric=False),
                                    ignore=oneshot.IGNORE)
    oneshot.run(model, tokenizer, [AWQModifier(), quantize], calibration)
