"""What every compression method shares: the layers it compresses and the calibration set it gets.

A method is one module `compressors/<method>.py` (the name used in `--quant`) with

    def compress(model, tokenizer, variant: VariantSpec, group: int | None, calibration: Calibration | None)

which compresses `model` in place. A quantizer leaves llmcompressor's quantization wrappers on the
layers; `compress` below then writes the packed checkpoint from them (what ships) and folds them into
plain float weights (quantized weights dequantized onto their grid; pruned weights are zero already).
Any backend loads the float copy like a dense model, and the verification reads the grid and the
zeros straight from its weights.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compressed_trust.fixtures.models.variants import VariantSpec

OUTPUT_HEAD = "lm_head"  # stays dense, as do the embeddings (not Linear layers), in every method


@dataclass(frozen=True)
class Calibration:
    """Token-id samples of equal length, and where their text came from."""

    source: str
    samples: tuple[tuple[int, ...], ...]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.samples).encode()).hexdigest()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.samples), len(self.samples[0])

    def dataset(self) -> Any:
        from datasets import Dataset

        return Dataset.from_dict({"input_ids": [list(s) for s in self.samples],
                                  "attention_mask": [[1] * len(s) for s in self.samples]})

    def describe(self) -> dict[str, Any]:
        samples, length = self.shape
        return {"source": self.source, "samples": samples, "tokens_per_sample": length,
                "fingerprint": self.fingerprint}


def target_linears(model: Any) -> dict[str, Any]:
    """Every Linear layer that compression touches: all but the output head."""
    import torch

    return {name: module for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and name.rpartition(".")[2] != OUTPUT_HEAD}


def input_widths(config: Any) -> set[int]:
    """The input widths of a decoder's Linear layers (attention in/out, MLP in/out), from its config,
    so the group size is known (and a bad one rejected) before any weights load."""
    text = config.get_text_config()
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    return {text.hidden_size, text.intermediate_size, text.num_attention_heads * head_dim}


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None, packed: Path | None = None) -> None:
    """Run the variant's method (imported on demand: llmcompressor takes seconds to import); a
    quantizer's packed checkpoint is written to `packed` (when given) before the weights are folded."""
    from compressed_trust.compressors import oneshot

    method = importlib.import_module(f"compressed_trust.compressors.{variant.method}")
    method.compress(model, tokenizer, variant, group, calibration)
    if variant.quantized:
        if packed is not None:
            oneshot.save_packed(model, tokenizer, packed)
        oneshot.fold_quantization(model)
