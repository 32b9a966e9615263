"""Magnitude pruning: the weights of smallest absolute value are zeroed, per matrix (unstructured)
or per group of M consecutive weights in a row (N:M). No calibration, no weight update.

Our own short function: llmcompressor's MagnitudePruningModifier prunes only during training and
does nothing in oneshot."""

from __future__ import annotations

from typing import Any

from compressed_trust.compressors.base import Calibration, target_linears
from compressed_trust.fixtures.models.variants import VariantSpec


def keep_mask(weight: Any, variant: VariantSpec) -> Any:
    """True where a weight survives. Ties are broken by position, so the result is deterministic."""
    import torch

    magnitude = weight.abs()
    if variant.n_m is not None:
        kept, size = variant.n_m
        rows, columns = weight.shape
        if columns % size:
            raise ValueError(f"{variant.id}: a layer with {columns} input columns cannot be split in groups of {size}")
        groups = magnitude.reshape(rows, columns // size, size)
        mask = torch.zeros_like(groups, dtype=torch.bool)
        mask.scatter_(-1, groups.topk(kept, dim=-1, sorted=False).indices, True)
        return mask.reshape(rows, columns)
    pruned = round(variant.sparsity * weight.numel())
    mask = torch.ones(weight.numel(), dtype=torch.bool, device=weight.device)
    mask[magnitude.flatten().argsort(stable=True)[:pruned]] = False
    return mask.reshape(weight.shape)


def compress(model: Any, tokenizer: Any, variant: VariantSpec, group: int | None,
             calibration: Calibration | None) -> None:
    import torch

    with torch.no_grad():
        for linear in target_linears(model).values():
            linear.weight.mul_(keep_mask(linear.weight, variant))
