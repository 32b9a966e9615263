"""Round-to-nearest: each weight group scaled to its min-max range and rounded, no calibration.
The baseline that shows what GPTQ and AWQ add."""

from __future__ import annotations

from typing import Any

from compressed_trust.compressors import oneshot
from compressed_trust.compressors.base import Calibration
from compressed_trust.fixtures.models.variants import VariantSpec


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None) -> None:
    from llmcompressor.modifiers.quantization import QuantizationModifier

    modifier = QuantizationModifier(config_groups=oneshot.weight_scheme(variant.bits, group, symmetric=True),
                                    ignore=oneshot.IGNORE)
    oneshot.run(model, tokenizer, [modifier], None)
