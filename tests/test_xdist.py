"""`pytest -n 2 --dist loadgroup`: each worker loads the model at most once and workers share the
response cache."""

from __future__ import annotations

import collections

# A conftest that logs every weights load with its process id.
LOAD_RECORDER = '''
import os
import transformers

_load = transformers.AutoModelForCausalLM.from_pretrained.__func__

def _recorded(cls, *args, **kwargs):
    with open(os.environ["LOAD_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    return _load(cls, *args, **kwargs)

transformers.AutoModelForCausalLM.from_pretrained = classmethod(_recorded)
'''

TESTS = '''
import os
import pytest
from compressed_trust.fixtures.engine.requests import GenerationRequest

REQUEST = GenerationRequest(text="the cat sat on the mat", max_new_tokens=8, temperature=1.0, n=2, seed=4)

def _record(output):
    with open(os.environ["OUTPUT_LOG"], "a") as log:
        log.write(f"{os.getpid()} {output!r}\\n")

@pytest.mark.parametrize("i", range(3))
def test_variant_engine(engine, i):
    _record(engine.generate([REQUEST]))

@pytest.mark.parametrize("i", range(3))
def test_baseline_engine(baseline_engine, i):
    _record(baseline_engine.generate([REQUEST]))
'''


def test_workers_load_once_and_share_the_cache(pytester, tiny_llama_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LOAD_LOG", str(tmp_path / "loads"))
    monkeypatch.setenv("OUTPUT_LOG", str(tmp_path / "outputs"))
    pytester.makeconftest(LOAD_RECORDER)
    pytester.makepyfile(test_cached=TESTS)
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "loadgroup", f"--model={tiny_llama_dir}",
                                           "--trust-device", "cpu", f"--trust-cache={tmp_path / 'cache'}")
    result.assert_outcomes(passed=6)
    loads = collections.Counter((tmp_path / "loads").read_text().split())
    assert loads and max(loads.values()) == 1, f"a worker loaded the model more than once: {loads}"
    outputs = [line.split(" ", 1) for line in (tmp_path / "outputs").read_text().splitlines()]
    assert len({output for _, output in outputs}) == 1, "workers got different outputs for one request"
    assert len({pid for pid, _ in outputs}) == 2, "the tests did not run on both workers"
