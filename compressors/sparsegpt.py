"""SparseGPT (Frantar & Alistarh, 2023): prunes with a second-order weight update that compensates
the removed weights, from calibration activations."""

from __future__ import annotations

from typing import Any

from compressed_trust.compressors import oneshot
from compressed_trust.compressors.base import Calibration
from compressed_trust.fixtures.models.variants import VariantSpec


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None) -> None:
    from llmcompressor.modifiers.pruning.sparsegpt import SparseGPTModifier

    modifier = SparseGPTModifier(sparsity=variant.sparsity, mask_structure=oneshot.mask_structure(variant),
                                 targets=["Linear"], ignore=oneshot.IGNORE)
    oneshot.run(model, tokenizer, [modifier], calibration)
