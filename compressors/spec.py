"""The `--quant` grammar: what a compressed variant is called and how it is fingerprinted.

Only `none` (the dense model) is accepted until the compression methods land; they extend
`parse_variant` and nothing else changes for the options, the fixtures or the cache.
Parse errors are ValueErrors whose message names the value and the accepted forms.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAMMAR = "none (the dense model)"


@dataclass(frozen=True)
class VariantSpec:
    """One compressed variant of the model under test. `id` is what test ids and reports show."""

    id: str
    method: str | None = None

    @property
    def is_dense(self) -> bool:
        return self.method is None

    @property
    def fingerprint(self) -> str:
        """Part of every response-cache key, so variants never share each other's outputs."""
        return "dense" if self.is_dense else self.id


DENSE = VariantSpec("none")


def parse_variant(text: str) -> VariantSpec:
    text = text.strip().lower()
    if text in ("none", "dense"):
        return DENSE
    raise ValueError(f"{text!r} is not a known compression spec; accepted: {GRAMMAR}")


def parse_variants(text: str) -> list[VariantSpec]:
    """A comma-separated list, as in `--quant 4bit,3bit`."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError(f"{text!r} names no variant; accepted: {GRAMMAR}")
    return [parse_variant(part) for part in parts]
