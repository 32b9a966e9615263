"""Compressed variants as model handles: built once into the store, verified on every load.

The store is `<cache>/compressed/<variant id>-<key>/`, one folder per built model. The key is a
digest of everything that decides the built weights: the dense model's fingerprint, the method and
its arguments, the calibration set's fingerprint, the seed, the build device and dtype, and the
library versions. A folder is built under a file lock (xdist workers and parallel runs build it
once) in a staging folder that is renamed into place with its manifest.json inside, so a folder
that exists was complete once; every use re-checks its files against the manifest (size and
sha256), and a damaged folder is rebuilt, never used.
"""

from __future__ import annotations

import datetime
import functools
import json
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import filelock

from compressed_trust.compressors.base import Calibration, compress, input_widths
from compressed_trust.compressors.spec import DENSE, VariantSpec, choose_group
from compressed_trust.compressors.verify import PROBE, VerificationError, check_differs, check_weights, probe_change, probe_logprobs
from compressed_trust.fixtures.cache import cache_key
from compressed_trust.fixtures.models import ModelHandle, file_digest
from compressed_trust.fixtures.registry import ModelSpec

STORE_FORMAT = "1"  # bump when what a store folder holds changes
MANIFEST = "manifest.json"
RELOAD_TOLERANCE = 1e-3  # a stored model must reproduce the probe it gave when built


class CompressionError(RuntimeError):
    """A variant could not be built: an infrastructure error, not a trust failure."""


class CompressedModel(ModelHandle):
    """A variant built here from the dense model by one of the methods in compressors/."""

    def __init__(self, dense: ModelHandle, variant: VariantSpec, calibration: Callable[[int], Calibration]):
        super().__init__(dense.spec, variant, dense.cache_dir, device=dense.device, dtype=dense.dtype,
                         store=dense.store)
        self.dense, self._calibration = dense, calibration

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
                "device": self.device.partition(":")[0], "dtype": self.dtype,
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                             "llmcompressor": llmcompressor.__version__,
                             "compressed-tensors": compressed_tensors.__version__}}

    @functools.cached_property
    def variant_fingerprint(self) -> str:
        return cache_key(**self.recipe)

    @functools.cached_property
    def fingerprint(self) -> str:
        return self.dense.fingerprint

    @property
    def entry(self) -> Path:
        return self.cache_dir / "compressed" / f"{self.variant.id.replace(':', 'of')}-{self.variant_fingerprint[:16]}"

    @functools.cached_property
    def source(self) -> tuple[str, str | None]:
        entry = self.entry
        entry.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(f"{entry}.lock"):
            damage = self.damage(entry)
            if damage:
                if entry.exists():
                    warnings.warn(f"{self.variant.id}: stored model {entry} is damaged ({damage}); rebuilding it")
                    shutil.rmtree(entry)
                self._build(entry)
        return str(entry), None

    def served_names(self) -> set[str]:
        return {self.source[0]}  # only the store's folder: a server of the dense model is not this variant

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((Path(self.source[0]) / MANIFEST).read_text(encoding="utf-8"))

    def damage(self, entry: Path) -> str | None:
        """Why a store folder cannot be used, or None when it is complete."""
        try:
            files = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):
            return "no readable manifest"
        for name, expected in files.items():
            path = entry / name
            if not path.is_file():
                return f"{name} is missing"
            if path.stat().st_size != expected["bytes"]:
                return f"{name} has {path.stat().st_size} bytes, the manifest says {expected['bytes']}"
            if file_digest(path, self.store) != expected["sha256"]:
                return f"{name} does not match its sha256 in the manifest"
        return None

    def _build(self, entry: Path) -> None:
        import torch

        staging = entry.with_name(entry.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        variant, calibration, group = self.variant, self.calibration, self.group
        self.make_room()
        self.dense.release()  # reloaded when needed: building holds a copy of its own
        scratch = ModelHandle(self.dense.spec, DENSE, self.cache_dir, self.device, self.dtype, self.store)
        model, tokenizer = scratch.model, scratch.tokenizer
        started = time.perf_counter()
        dense_probe = probe_logprobs(model, tokenizer)
        torch.manual_seed(variant.seed or 0)
        try:
            compress(model, tokenizer, variant, group, calibration)
        except Exception as error:  # a library failure: name the variant, keep the cause chained
            raise CompressionError(f"{variant.id}: {variant.method} failed: {error}") from error
        seconds = time.perf_counter() - started
        figures = check_weights(model, variant, group)
        probe = probe_logprobs(model, tokenizer)
        figures["probe_change"] = check_differs(variant, dense_probe, probe)
        with warnings.catch_warnings():
            # llmcompressor leaves a device map naming "cpu", which transformers reads as offloading;
            # every weight is in memory here.
            warnings.filterwarnings("ignore", "Attempting to save a model with offloaded modules")
            model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        scratch.release()
        manifest = {
            "variant": variant.id, "description": variant.describe(), "recipe": self.recipe, "group": group,
            "calibration": calibration.describe() if calibration else None, "verification": figures,
            "dense_probe": dense_probe, "probe": probe, "build_seconds": round(seconds, 1),
            "built_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "files": {path.name: {"bytes": path.stat().st_size, "sha256": file_digest(path)}
                      for path in sorted(staging.iterdir())},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        staging.rename(entry)

    def verify_loaded(self, model: Any) -> dict[str, Any]:
        figures = check_weights(model, self.variant, self.group)
        probe = probe_logprobs(model, self.tokenizer)
        figures["probe_change"] = check_differs(self.variant, self.manifest["dense_probe"], probe)
        if (change := probe_change(self.manifest["probe"], probe)) > RELOAD_TOLERANCE:
            raise VerificationError(f"{self.variant.id}: the loaded model's probe log-probabilities differ from the "
                                    f"ones it had when built by {change:.3g}; {self.entry} is not the model built")
        return {**figures, "change_since_built": change}

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "method": self.variant.method, "seed": self.variant.seed,
                "group": self.group, "calibration": self.calibration.describe() if self.calibration else None,
                "store": self.entry.name}


class CheckpointModel(ModelHandle):
    """An already compressed checkpoint (`--quant hf:<id>` or a directory), loaded as it is; its
    outputs must still differ from the dense model's."""

    def __init__(self, spec: ModelSpec, variant: VariantSpec, dense: ModelHandle):
        super().__init__(spec, variant, dense.cache_dir, device=dense.device, dtype=dense.dtype, store=dense.store)
        self.dense = dense

    @functools.cached_property
    def model(self) -> Any:
        try:
            return super().model
        except VerificationError:
            raise
        except Exception as error:  # GPTQ/AWQ checkpoints need their kernels' packages (gptqmodel, autoawq)
            raise CompressionError(f"{self.variant.id}: cannot load the checkpoint {self.variant.location}: "
                                   f"{type(error).__name__}: {error}") from error

    def verify_loaded(self, model: Any) -> dict[str, Any]:
        key = cache_key(probe_logprobs=self.dense.identity(), text=PROBE)
        dense_probe = (self.store.get(key) if self.store else None) or probe_logprobs(self.dense.model, self.dense.tokenizer)
        if self.store:
            self.store.put_many({key: dense_probe})
        return {"probe_change": check_differs(self.variant, dense_probe, probe_logprobs(model, self.tokenizer))}

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "checkpoint": self.variant.location, "fingerprint": self.fingerprint}
