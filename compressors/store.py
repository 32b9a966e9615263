"""Compressed variants: the store of built ones, and the weights a model handle loads for a variant
(`BuiltVariant`, compressed here from the dense model; `CheckpointWeights`, already compressed).

The store (`VariantStore`) is `<cache>/compressed/<variant id>-<key>/`, one folder per built model
(a quantized one also holds, in `packed/`, the packed checkpoint that ships: variants.PACKED), and knows
folders and manifests, not models: `get` returns the path of a complete build. The key
is a digest of everything that decides the built weights: the dense model's fingerprint, the
method and its arguments, the calibration set's fingerprint, the seed, the build device and dtype
(on CPU, the thread count too), and the library versions. A folder is built under a file lock
(xdist workers and parallel runs build it once) in a staging folder that is renamed into place with
its manifest.json inside, so a folder that exists was complete once; every use re-checks its files
against the manifest (size and sha256), and a damaged folder is rebuilt, never used.
"""

from __future__ import annotations

import datetime
import functools
import json
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import filelock

from compressed_trust.compressors.base import Calibration, compress, input_widths
from compressed_trust.compressors.verify import (
    PROBE,
    VerificationError,
    check_differs,
    check_packed,
    check_weights,
    packing,
    probe_change,
    probe_logprobs,
)
from compressed_trust.fixtures.cache import ResponseCache, cache_key
from compressed_trust.fixtures.engine.threads import cores, pinned
from compressed_trust.fixtures.models.handles import DenseWeights, ModelHandle, combined_digest, file_digest, load_config
from compressed_trust.fixtures.models.specs import ModelSpec
from compressed_trust.fixtures.models.variants import DENSE, FLOAT, PACKED, VariantSpec, choose_group

STORE_FORMAT = "2"  # bump when what a store folder holds changes (2: the packed checkpoint)
MANIFEST = "manifest.json"
RELOAD_TOLERANCE = 1e-3  # a stored model must reproduce the probe it gave when built


class CompressionError(RuntimeError):
    """A variant could not be built: an infrastructure error, not a trust failure."""


class VariantStore:
    """Built models on disk, one folder each, named by variant id and key."""

    def __init__(self, root: Path, digests: ResponseCache | None = None):
        self.root, self.digests = Path(root), digests  # digests: file sha256s kept by (path, size, mtime)

    def folder(self, variant_id: str, key: str) -> Path:
        return self.root / f"{variant_id.replace(':', 'of')}-{key[:16]}"

    def get(self, variant_id: str, key: str, build: Callable[[Path], dict[str, Any]]) -> Path:
        """The folder of the build named by `key`. On a miss, or a damaged folder, `build(staging)`
        writes the model into `staging` and returns what its manifest says of it; the folder then
        gets the manifest (with every file's size and sha256) and is renamed into place."""
        entry = self.folder(variant_id, key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(f"{entry}.lock"):
            damage = self.damage(entry)
            if damage:
                if entry.exists():
                    warnings.warn(f"{variant_id}: stored model {entry} is damaged ({damage}); rebuilding it", stacklevel=2)
                    shutil.rmtree(entry)
                staging = entry.with_name(entry.name + ".partial")
                shutil.rmtree(staging, ignore_errors=True)
                manifest = build(staging)
                manifest["files"] = {path.relative_to(staging).as_posix(): {"bytes": path.stat().st_size,
                                                                           "sha256": file_digest(path)}
                                     for path in sorted(staging.rglob("*")) if path.is_file()}
                (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
                staging.rename(entry)
        return entry

    @staticmethod
    def manifest(entry: Path) -> dict[str, Any]:
        return json.loads((entry / MANIFEST).read_text(encoding="utf-8"))

    def damage(self, entry: Path) -> str | None:
        """Why a store folder cannot be used, or None when it is complete."""
        try:
            files = self.manifest(entry)["files"]
        except (OSError, ValueError, KeyError):
            return "no readable manifest"
        for name, expected in files.items():
            path = entry / name
            if not path.is_file():
                return f"{name} is missing"
            if path.stat().st_size != expected["bytes"]:
                return f"{name} has {path.stat().st_size} bytes, the manifest says {expected['bytes']}"
            if file_digest(path, self.digests) != expected["sha256"]:
                return f"{name} does not match its sha256 in the manifest"
        return None


class BuiltVariant:
    """The weights of a variant compressed here from the dense model by one of the methods in
    compressors/, kept in the store."""

    what = "the built variant"

    def __init__(self, dense: ModelHandle, variant: VariantSpec, calibration: Callable[[int], Calibration]):
        self.dense, self.variant, self._calibration = dense, variant, calibration
        self.store = VariantStore(dense.cache_dir / "compressed", dense.digests)

    @functools.cached_property
    def calibration(self) -> Calibration | None:
        return self._calibration(self.variant.seed) if self.variant.calibrated else None

    @functools.cached_property
    def group(self) -> int | None:
        if not self.variant.bits:
            return None
        try:
            return choose_group(self.variant, input_widths(self.dense.config))
        except ValueError as error:
            raise CompressionError(str(error)) from None

    @functools.cached_property
    def recipe(self) -> dict[str, Any]:
        """Everything that decides the built weights."""
        import compressed_tensors
        import llmcompressor
        import torch
        import transformers

        variant = self.variant
        return {"store": STORE_FORMAT, "model": self.dense.fingerprint, "method": variant.method,
                "bits": variant.bits, "group": self.group, "sparsity": variant.sparsity, "n_m": variant.n_m,
                "seed": variant.seed, "calibration": self.calibration.fingerprint if self.calibration else None,
                "device": self.device, "threads": self.threads, "dtype": self.dense.dtype,
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                             "llmcompressor": llmcompressor.__version__,
                             "compressed-tensors": compressed_tensors.__version__}}

    @property
    def device(self) -> str:
        return self.dense.device.partition(":")[0]

    @property
    def threads(self) -> int | None:
        """A CPU build runs on every core, whatever count the engine last fitted to the machine's load
        (fixtures/engine/threads.py): the weights depend on it. Measured: SparseGPT 50% of SmolLM2 built on 1
        and on 2 threads differs (probe change 5.47 against 5.75), while two builds on 2 threads are
        equal byte for byte; a store built under load had given the study another sparsegpt-50."""
        return cores() if self.device == "cpu" else None

    @functools.cached_property
    def store_key(self) -> str:
        """Names the build (both its artifacts): the store folder's key."""
        return cache_key(**self.recipe)

    @property
    def variant_fingerprint(self) -> str:
        if self.variant.artifact == FLOAT:
            return self.store_key  # the key every float-copy output has had
        return cache_key(build=self.store_key, artifact=self.variant.artifact)

    @property
    def fingerprint(self) -> str:
        return self.dense.fingerprint

    @property
    def entry(self) -> Path:
        return self.store.folder(self.variant.with_artifact(FLOAT).id, self.store_key)

    @property
    def loads(self) -> Path:
        """The folder of the artifact evaluated: the build's own (float copy) or its packed/."""
        return self.entry / PACKED if self.variant.artifact == PACKED else self.entry

    @property
    def artifact(self) -> str | None:
        """The digest of the files the build wrote (weights, config, tokenizer; not its manifest, which
        holds the build time), from the manifest; None when this machine has no such build (its outputs
        came from the response cache)."""
        if not (self.entry / MANIFEST).is_file():
            return None
        within = PurePosixPath(self.loads.relative_to(self.entry))  # "." or "packed"
        return "dir:" + combined_digest((path.name, file["sha256"]) for name, file in self.manifest["files"].items()
                                        if (path := PurePosixPath(name)).parent == within)

    def source(self, make_room: Callable[[], None]) -> tuple[str, str | None]:
        self.store.get(self.variant.with_artifact(FLOAT).id, self.store_key, lambda staging: self._build(staging, make_room))
        if self.variant.artifact == PACKED:
            check_packed(self.loads, self.variant, self.group)
        return str(self.loads), None

    def form(self) -> dict[str, Any]:
        if self.variant.artifact == PACKED:
            if not (self.entry / MANIFEST).is_file():  # not built here (its outputs came from the cache)
                return {"artifact": PACKED, "format": "compressed-tensors pack-quantized", "bits": self.variant.bits,
                        "group_size": self.group}
            return {"artifact": PACKED, **self.manifest["packed"]}
        return {"artifact": FLOAT, "format": f"safetensors {self.dense.dtype}" + (
            ", weights dequantized onto their grid" if self.variant.quantized else "")}

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """The built folder's manifest (the handle's `source` has built it before anything loads)."""
        return self.store.manifest(self.entry)

    def _build(self, staging: Path, make_room: Callable[[], None]) -> dict[str, Any]:
        import torch

        variant, calibration, group = self.variant, self.calibration, self.group
        make_room()  # the dense model's weights too: building holds a copy of its own
        scratch = ModelHandle(self.dense.spec, DENSE, self.dense.cache_dir, self.dense.device, self.dense.dtype,
                              self.dense.digests, memory=self.dense.memory)
        model, tokenizer = scratch.model, scratch.tokenizer
        with pinned(self.threads):
            started = time.perf_counter()
            dense_probe = probe_logprobs(model, tokenizer)
            torch.manual_seed(variant.seed or 0)
            try:
                compress(model, tokenizer, variant, group, calibration, staging / PACKED if variant.quantized else None)
            except Exception as error:  # a library failure: name the variant, keep the cause chained
                raise CompressionError(f"{variant.id}: {variant.method} failed: {error}") from error
            seconds = time.perf_counter() - started
            probe = probe_logprobs(model, tokenizer)
        figures = check_weights(model, variant, group)
        figures["probe_change"] = check_differs(variant, dense_probe, probe)
        with warnings.catch_warnings():
            # llmcompressor leaves a device map naming "cpu", which transformers reads as offloading;
            # every weight is in memory here.
            warnings.filterwarnings("ignore", "Attempting to save a model with offloaded modules")
            model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        scratch.release()
        packed = self._check_packed(staging / PACKED, probe) if variant.quantized else None
        return {
            "variant": variant.with_artifact(FLOAT).id, "description": variant.with_artifact(FLOAT).describe(),
            "recipe": self.recipe, "group": group, "packed": packed,
            "calibration": calibration.describe() if calibration else None, "verification": figures,
            "dense_probe": dense_probe, "probe": probe, "build_seconds": round(seconds, 1),
            "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }

    def _check_packed(self, folder: Path, float_probe: list[float]) -> dict[str, Any]:
        """The packed checkpoint holds what was built: its config names the variant's bits and groups,
        and transformers' decompression of it gives the float copy's probe (measured: equal bit for
        bit, so within RELOAD_TOLERANCE). Loaded after the float copy is freed: one model at a time."""
        import torch
        from transformers import AutoModelForCausalLM

        shape = check_packed(folder, self.variant, self.group)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, self.dense.dtype))
        change = probe_change(float_probe, probe_logprobs(model, self.dense.tokenizer))
        del model
        if change > RELOAD_TOLERANCE:
            raise CompressionError(f"{self.variant.id}: its packed checkpoint, decompressed, gives probe log-probabilities "
                                   f"{change:.3g} away from the float copy's; the packing lost what was built")
        weights = sum(path.stat().st_size for path in folder.glob("*.safetensors"))
        return {**shape, "probe_change_from_float_decompressed": change, "weights_bytes": weights}

    def verify(self, model: Any, tokenizer: Any) -> dict[str, Any]:
        figures = check_weights(model, self.variant, self.group)
        probe = probe_logprobs(model, tokenizer)
        figures["probe_change"] = check_differs(self.variant, self.manifest["dense_probe"], probe)
        if (change := probe_change(self.manifest["probe"], probe)) > RELOAD_TOLERANCE:
            raise VerificationError(f"{self.variant.id}: the loaded model's probe log-probabilities differ from the "
                                    f"ones it had when built by {change:.3g}; {self.entry} is not the model built")
        return {**figures, "change_since_built": change}

    def provenance(self) -> dict[str, Any]:
        return {"method": self.variant.method, "seed": self.variant.seed, "group": self.group,
                "calibration": self.calibration.describe() if self.calibration else None, "store": self.entry.name,
                "form": self.form()}

    def served_names(self, source: str) -> set[str]:
        return {source}  # only the store's folder: a server of the dense model is not this variant


class CheckpointWeights(DenseWeights):
    """An already compressed checkpoint (`--quant hf:<id>` or a directory), loaded as it is; its
    outputs must still differ from the dense model's."""

    what = "the checkpoint"

    def __init__(self, spec: ModelSpec, variant: VariantSpec, dense: ModelHandle):
        super().__init__(spec, variant, dense.cache_dir, dense.digests)
        self.dense = dense

    def verify(self, model: Any, tokenizer: Any) -> dict[str, Any]:
        key = cache_key(probe_logprobs=self.dense.identity(), text=PROBE)
        # The digests' memo (the response cache) keeps the dense model's probe too: it is computed once.
        dense_probe = (self.digests.get(key) if self.digests else None) or probe_logprobs(self.dense.model, self.dense.tokenizer)
        if self.digests:
            self.digests.put_many({key: dense_probe})
        return {"probe_change": check_differs(self.variant, dense_probe, probe_logprobs(model, tokenizer))}

    @functools.cached_property
    def packing(self) -> dict[str, Any] | None:
        """How its config says its weights are packed (None: float weights)."""
        return packing(load_config(self.spec).to_dict())

    def form(self) -> dict[str, Any]:
        return {"artifact": PACKED, **self.packing} if self.packing else super().form()

    def provenance(self) -> dict[str, Any]:
        return {"checkpoint": self.variant.location, "form": self.form()}


def built_variant(dense: ModelHandle, variant: VariantSpec, calibration: Callable[[int], Calibration],
                  dtype: Callable[[bool], str] | None = None) -> ModelHandle:
    """The handle of a variant compressed from `dense` (built into the store on first use), in its memory;
    `dtype(packed)`: what it computes in (default: the dense model's dtype)."""
    dtype_of = dtype or (lambda packed: dense.dtype)
    return ModelHandle(dense.spec, variant, dense.cache_dir, dense.device, dtype_of(variant.artifact == PACKED),
                       dense.digests, BuiltVariant(dense, variant, calibration), dense.memory)


def checkpoint_variant(spec: ModelSpec, variant: VariantSpec, dense: ModelHandle,
                       dtype: Callable[[bool], str] | None = None) -> ModelHandle:
    """The handle of an already compressed checkpoint, checked against `dense`; `dtype` as for built_variant."""
    weights = CheckpointWeights(spec, variant, dense)
    dtype_of = dtype or (lambda packed: dense.dtype)
    return ModelHandle(spec, variant, dense.cache_dir, dense.device, dtype_of(weights.packing is not None),
                       dense.digests, weights, dense.memory)
