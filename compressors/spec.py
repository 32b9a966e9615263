"""The `--quant` grammar: what a compressed variant is called, and what building it takes.

    none | dense                         the dense model
    4bit | 3bit | 8bit                   GPTQ at that width (the study's main quantizer)
    gptq-w{2,3,4,8}[-g{N}]               GPTQ, group size N (default: 128, else the largest of
    awq-w{3,4,8}[-g{N}]                    64/32 that divides every layer's input width)
    rtn-w{2,3,4,8}[-g{N}]                round-to-nearest, no calibration
    sparsegpt-{P|N:M}                    P% unstructured, or N non-zeros in every M weights
    wanda-{P|N:M}
    magnitude-{P|N:M}                    no calibration
    hf:<id>[@revision] | <directory>     an already compressed checkpoint
    study                                the study's matrix (PRESETS): dense, GPTQ 3/4/8-bit, AWQ 3/4-bit,
                                         SparseGPT, Wanda 50% and 2:4, magnitude 50%, RTN 4-bit

Pure parsing, no torch. Errors are ValueErrors naming the value and the grammar.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
import os
from pathlib import Path

GRAMMAR = ("none | 4bit | 3bit | 8bit | gptq-w{2,3,4,8}[-g{N}] | awq-w{3,4,8}[-g{N}] | rtn-w{2,3,4,8}[-g{N}] | "
           "sparsegpt-{P|N:M} | wanda-{P|N:M} | magnitude-{P|N:M} (P: percent of weights zeroed, 1-99; "
           "N:M: N non-zeros in every M) | hf:<id>[@revision] | <directory of a compressed checkpoint> | study (the "
           "study's matrix: dense and 11 variants)")

BITS = {"gptq": (2, 3, 4, 8), "awq": (3, 4, 8), "rtn": (2, 3, 4, 8)}
CALIBRATED = ("gptq", "awq", "sparsegpt", "wanda")  # their result depends on calibration data and its seed
DEFAULT_GROUPS = (128, 64, 32)
SHORTHANDS = {"4bit": "gptq-w4", "3bit": "gptq-w3", "8bit": "gptq-w8"}
# The compression x trust matrix of "Decoding Compressed Trust" (Hong et al., 2024), with RTN 4-bit as
# the reference that takes no calibration; the dense model is its first column.
PRESETS = {"study": ("none", "gptq-w3", "gptq-w4", "gptq-w8", "awq-w3", "awq-w4", "sparsegpt-50", "sparsegpt-2:4",
                     "wanda-50", "wanda-2:4", "magnitude-50", "rtn-w4")}

# What a quantized variant's evaluation loads: the fake-quantized float copy (its weights dequantized
# onto their grid; any backend runs it), or the packed checkpoint that ships (compressed-tensors integer
# weights with their scales), run by vLLM's integer kernels. Dense and pruned variants are float only.
FLOAT, PACKED = "float", "packed"
ARTIFACTS = (FLOAT, PACKED)

_QUANT = re.compile(r"(?P<method>gptq|awq|rtn)-w(?P<bits>\d+)(?:-g(?P<group>\d+))?")
_PRUNE = re.compile(r"(?P<method>sparsegpt|wanda|magnitude)-(?:(?P<percent>\d+)%?|(?P<n>\d+):(?P<m>\d+))")


@dataclass(frozen=True)
class VariantSpec:
    """One variant of the model under test. `id` is what test ids and reports show."""

    id: str
    method: str | None = None            # None: dense; "checkpoint": loaded as it is
    bits: int | None = None
    group: int | None = None             # None: chosen from the model's layer widths
    sparsity: float | None = None        # fraction of weights zeroed
    n_m: tuple[int, int] | None = None   # N non-zeros in every M consecutive weights of a row
    seed: int | None = None              # calibrated methods only
    location: str | None = None          # checkpoint: hub id[@revision] or directory, as --model takes it
    artifact: str = FLOAT                # a built quantized variant: FLOAT or PACKED (its id ends "-packed")

    @property
    def is_dense(self) -> bool:
        return self.method is None

    @property
    def is_checkpoint(self) -> bool:
        return self.method == "checkpoint"

    @property
    def quantized(self) -> bool:
        """Built here by a quantizer: it has a packed checkpoint beside its float copy."""
        return self.bits is not None

    @property
    def calibrated(self) -> bool:
        return self.method in CALIBRATED

    @property
    def fingerprint(self) -> str:
        """Part of every response-cache key; a built variant's handle replaces it by its store key."""
        if self.is_dense:
            return "dense"
        return f"checkpoint:{self.location}" if self.is_checkpoint else self.id

    def with_seed(self, seed: int, show: bool) -> VariantSpec:
        """The variant calibrated with `seed`; `show` puts the seed in the id (when the user chose seeds)."""
        if not self.calibrated:
            return self
        return dataclasses.replace(self, seed=seed, id=f"{self.id}-s{seed}" if show else self.id)

    def with_artifact(self, artifact: str) -> VariantSpec:
        """The variant evaluated from `artifact`; dense, pruned and checkpoint variants have one form only."""
        if not self.quantized or artifact == self.artifact:
            return self
        base = self.id.removesuffix(f"-{PACKED}")
        return dataclasses.replace(self, artifact=artifact, id=base if artifact == FLOAT else f"{base}-{PACKED}")

    def describe(self) -> str:
        if self.is_dense:
            return "dense"
        if self.is_checkpoint:
            return f"checkpoint {self.location}"
        if self.bits:
            shape = f"{self.bits}-bit, group {self.group or 'auto'}"
        elif self.n_m:
            shape = f"{self.n_m[0]}:{self.n_m[1]} sparse"
        else:
            shape = f"{self.sparsity:.0%} sparse"
        return (f"{self.method} {shape}" + (f", seed {self.seed}" if self.seed is not None else "")
                + (", packed checkpoint" if self.artifact == PACKED else ""))


DENSE = VariantSpec("none")


def _error(text: str, why: str) -> ValueError:
    return ValueError(f"{text!r} is not a valid compression spec: {why}; accepted: {GRAMMAR}")


def parse_variant(text: str) -> VariantSpec:
    raw = text.strip()
    lowered = SHORTHANDS.get(raw.lower(), raw.lower())
    if lowered in ("none", "dense"):
        return DENSE
    if raw.startswith("hf:"):
        if not re.fullmatch(r"[\w.-]+/[\w.-]+(@[\w./-]+)?", raw[3:]):
            raise _error(text, "a hub checkpoint is hf:<org>/<name>[@revision]")
        return VariantSpec(raw, "checkpoint", location=raw[3:])
    if (match := _QUANT.fullmatch(lowered)):
        method, bits = match["method"], int(match["bits"])
        if bits not in BITS[method]:
            raise _error(text, f"{method} supports {', '.join(map(str, BITS[method]))} bits, not {bits}")
        group = int(match["group"]) if match["group"] else None
        if group is not None and group < 1:
            raise _error(text, "the group size must be a positive number of columns")
        return VariantSpec(lowered, method, bits=bits, group=group)
    if (match := _PRUNE.fullmatch(lowered)):
        method = match["method"]
        if match["percent"] is not None:
            percent = int(match["percent"])
            if not 1 <= percent <= 99:
                raise _error(text, f"sparsity must be 1-99 percent, not {percent}")
            return VariantSpec(f"{method}-{percent}", method, sparsity=percent / 100)
        n, m = int(match["n"]), int(match["m"])
        if not 0 < n < m <= 64:
            raise _error(text, f"N:M needs 0 < N < M <= 64, not {n}:{m}")
        return VariantSpec(f"{method}-{n}:{m}", method, sparsity=1 - n / m, n_m=(n, m))
    directory = Path(os.path.expanduser(raw))  # pathlib's expanduser raises on "~unknown-user"
    if directory.is_dir():
        directory = directory.resolve()
        if not (directory / "config.json").is_file():
            raise _error(text, f"directory {directory} has no config.json, so it is not a model checkpoint")
        return VariantSpec(f"dir:{directory.name}", "checkpoint", location=str(directory))
    raise _error(text, "unknown form")


def parse_variants(text: str) -> list[VariantSpec]:
    """A comma-separated list, as in `--quant 4bit,3bit`; a preset (`study`) stands for its variants."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError(f"{text!r} names no variant; accepted: {GRAMMAR}")
    return [parse_variant(name) for part in parts for name in PRESETS.get(part.strip().lower(), (part,))]


def choose_group(variant: VariantSpec, widths: set[int]) -> int:
    """The group size to quantize with: the one asked for, or the first default that divides every
    layer's input width. A group size that does not divide them all is an error naming both."""
    candidates = (variant.group,) if variant.group else DEFAULT_GROUPS
    for group in candidates:
        if all(width % group == 0 for width in widths):
            return group
    raise ValueError(f"{variant.id!r}: group size {'/'.join(map(str, candidates))} does not divide every layer "
                     f"input width of this model ({', '.join(map(str, sorted(widths)))}); choose -g{{N}} with N "
                     f"dividing all of them; accepted: {GRAMMAR}")
