"""The `--quant` grammar: every accepted form, the errors, seeds, group sizes, and the options that
carry them through pytester."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from compressed_trust.fixtures.models.variants import DENSE, choose_group, parse_variant, parse_variants


@pytest.mark.parametrize("text, id, fields", [
    ("none", "none", {"method": None}),
    ("Dense", "none", {"method": None}),
    ("4bit", "gptq-w4", {"method": "gptq", "bits": 4, "group": None}),
    ("3bit", "gptq-w3", {"method": "gptq", "bits": 3}),
    ("8bit", "gptq-w8", {"method": "gptq", "bits": 8}),
    ("gptq-w2-g64", "gptq-w2-g64", {"method": "gptq", "bits": 2, "group": 64}),
    ("AWQ-W4", "awq-w4", {"method": "awq", "bits": 4}),
    ("awq-w3-g32", "awq-w3-g32", {"method": "awq", "bits": 3, "group": 32}),
    ("rtn-w8", "rtn-w8", {"method": "rtn", "bits": 8}),
    ("sparsegpt-50", "sparsegpt-50", {"method": "sparsegpt", "sparsity": 0.5, "n_m": None}),
    ("wanda-50%", "wanda-50", {"method": "wanda", "sparsity": 0.5}),
    ("wanda-2:4", "wanda-2:4", {"method": "wanda", "sparsity": 0.5, "n_m": (2, 4)}),
    ("magnitude-4:8", "magnitude-4:8", {"method": "magnitude", "sparsity": 0.5, "n_m": (4, 8)}),
    ("magnitude-1:4", "magnitude-1:4", {"method": "magnitude", "sparsity": 0.75, "n_m": (1, 4)}),
    ("sparsegpt-30", "sparsegpt-30", {"sparsity": 0.3}),
    ("hf:compressed-llm/llama-2-13b-chat-gptq@4bit_128g", "hf:compressed-llm/llama-2-13b-chat-gptq@4bit_128g",
     {"method": "checkpoint", "location": "compressed-llm/llama-2-13b-chat-gptq@4bit_128g"}),
    ("hf:org/name", "hf:org/name", {"method": "checkpoint", "location": "org/name"}),
])
def test_accepted_forms(text, id, fields):
    variant = parse_variant(text)
    assert variant.id == id
    for name, value in fields.items():
        assert getattr(variant, name) == value, name


def test_a_checkpoint_directory(tiny_llama_dir):
    variant = parse_variant(str(tiny_llama_dir))
    assert variant.is_checkpoint and variant.location == str(tiny_llama_dir)
    assert variant.id == f"dir:{tiny_llama_dir.name}"


@pytest.mark.parametrize("text, why", [
    ("gptq-w5", "gptq supports 2, 3, 4, 8 bits, not 5"),
    ("awq-w2", "awq supports 3, 4, 8 bits, not 2"),
    ("rtn-w16", "rtn supports 2, 3, 4, 8 bits, not 16"),
    ("gptq-w4-g0", "the group size must be a positive number"),
    ("sparsegpt-0", "sparsity must be 1-99 percent, not 0"),
    ("wanda-100", "sparsity must be 1-99 percent, not 100"),
    ("magnitude-4:4", "N:M needs 0 < N < M <= 64, not 4:4"),
    ("magnitude-0:4", "N:M needs 0 < N < M <= 64, not 0:4"),
    ("hf:just-a-name", "a hub checkpoint is hf:<org>/<name>[@revision]"),
    ("hf:org/name@", "a hub checkpoint is hf:<org>/<name>[@revision]"),
    ("gptq", "unknown form"),
    ("5bit", "unknown form"),
])
def test_errors_name_the_value_the_reason_and_the_grammar(text, why):
    with pytest.raises(ValueError) as error:
        parse_variant(text)
    message = str(error.value)
    assert repr(text) in message and why in message and "accepted: none | 4bit | 3bit" in message


def test_a_directory_without_a_config_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="has no config.json"):
        parse_variant(str(tmp_path))


@given(st.text(max_size=40))
@example("~0")  # pathlib's expanduser raises RuntimeError on an unknown user's home (found by hypothesis)
def test_any_text_parses_or_raises_value_error(text):
    try:
        parse_variants(text)
    except ValueError as error:
        assert "accepted:" in str(error)


def test_lists_keep_order():
    assert [v.id for v in parse_variants("4bit, wanda-2:4,none")] == ["gptq-w4", "wanda-2:4", "none"]


def test_seeds_apply_to_calibrated_methods_only():
    assert parse_variant("4bit").with_seed(3, show=True).id == "gptq-w4-s3"
    assert parse_variant("4bit").with_seed(3, show=False).id == "gptq-w4"
    assert parse_variant("4bit").with_seed(3, show=False).seed == 3
    for uncalibrated in ("rtn-w4", "magnitude-50", "none", "hf:org/name"):
        assert parse_variant(uncalibrated).with_seed(3, show=True) == parse_variant(uncalibrated)
    assert DENSE.with_seed(1, show=True) is DENSE


@pytest.mark.parametrize("widths, expected", [
    ({576, 1536}, 64),        # SmolLM2-135M: 576 columns
    ({5120, 13824}, 128),     # Llama-2-13B
    ({32, 64}, 32),           # the suite's tiny test model
])
def test_default_group_is_the_largest_that_divides_every_width(widths, expected):
    assert choose_group(parse_variant("gptq-w4"), widths) == expected


def test_a_group_that_divides_nothing_names_the_widths():
    with pytest.raises(ValueError, match=r"group size 48 does not divide every layer input width of this model \(32, 64\)"):
        choose_group(parse_variant("gptq-w4-g48"), {32, 64})
    with pytest.raises(ValueError, match="group size 128/64/32"):
        choose_group(parse_variant("rtn-w4"), {40, 72})


@pytest.fixture
def project(pytester):
    pytester.makepyfile(test_ids="def test_drop(compressed_variant):\n    pass\n")
    return pytester


def test_variants_and_seeds_become_test_ids(project):
    result = project.runpytest("--collect-only", "-q", "--quant", "4bit,wanda-2:4", "--quant", "magnitude-50",
                               "--quant-seed", "1", "--quant-seed", "2")
    assert result.ret == 0, result.stdout.str()
    ids = sorted(line.partition("[")[2].rstrip("]") for line in result.outlines if "::test_drop[" in line)
    assert ids == ["gptq-w4-s1", "gptq-w4-s2", "magnitude-50", "wanda-2:4-s1", "wanda-2:4-s2"]


def test_the_study_preset_with_seeds(project):
    """`--quant study`: the study's 11 compressed variants (and the dense model, whose floors have no
    drop test); a seed list builds each calibrated one per seed, RTN and magnitude once."""
    result = project.runpytest("--collect-only", "-q", "--quant", "study", "--quant-seed", "0", "--quant-seed", "1")
    assert result.ret == 0, result.stdout.str()
    ids = [line.partition("[")[2].rstrip("]") for line in result.outlines if "::test_drop[" in line]
    assert ids == [f"{name}-s{seed}" for name in ("gptq-w3", "gptq-w4", "gptq-w8", "awq-w3", "awq-w4", "sparsegpt-50",
                                                  "sparsegpt-2:4", "wanda-50", "wanda-2:4") for seed in (0, 1)
                   ] + ["magnitude-50", "rtn-w4"]


def test_group_check_against_the_model_is_a_usage_error(project, tiny_llama_dir):
    result = project.runpytest(f"--model={tiny_llama_dir}", "--quant", "gptq-w4-g48")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Traceback" not in err
    assert "--quant: 'gptq-w4-g48': group size 48 does not divide every layer input width of this model (32, 64)" in err
    assert "accepted: none | 4bit" in err
