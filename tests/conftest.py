"""Shared fixtures of the suite's own tests: a tiny Llama with random weights and a word tokenizer,
built in the test session from a config, so engine mechanics are tested without any download."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

# The suite's own tests never reach a model hub: everything is built here or shipped in a package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch  # noqa: F401  before any pytester inline run: its module snapshot would drop a torch first

# imported inside one, and torch's C extension cannot be imported a second time in a process
from hypothesis import settings

pytest_plugins = ["pytester"]

# No per-example deadline: on a shared 2-core CI machine a slow example is load, not a bug.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# Every word the tiny tokenizer knows; anything else becomes <unk>.
WORDS = ("the cat dog sat on mat a an is was red blue green big small yes no maybe one two three four "
         "five six seven eight nine ten hello world please answer question tell me story about sky").split()


def build_tiny_llama(directory: Path, seed: int = 0, **sizes: int) -> Path:
    """A 2-layer Llama (hidden 32, unless `sizes` say otherwise) and a whitespace word-level tokenizer,
    saved as a model directory."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    vocab = {token: index for index, token in enumerate([*specials, *WORDS, ":", ".", "?", "\n"])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", unk_token="<unk>")
    config = LlamaConfig(**{**dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                                   pad_token_id=0, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False), **sizes})
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_llama_dir: Path) -> Path:
    """A local Hugging Face cache ($HF_HUB_CACHE, in this process and in subprocesses) holding the tiny
    Llama as the hub model org/name, at its main branch and at revision "rev"."""
    from huggingface_hub import constants as hub_constants

    cache = tmp_path / "hub"
    repository = cache / "models--org--name"
    commit = "1" * 40
    shutil.copytree(tiny_llama_dir, repository / "snapshots" / commit)
    (repository / "refs").mkdir()
    for ref in ("main", "rev"):
        (repository / "refs" / ref).write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture(scope="session")
def suite_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache of the suite runs on the default model in this test session (never the user's cache:
    the tests are hermetic): the default model's one-off conversion from GGUF (about 30 s) is made once
    for all of them."""
    return tmp_path_factory.mktemp("trust-cache")


@pytest.fixture
def json_server():
    """A JSON-over-HTTP stand-in on 127.0.0.1 (never the network): start(reply) serves POSTs, answering
    reply(path, body) -> a JSON-able object (or None: an empty 204); returns (base URL, received
    [(path, content type, body, authorization header)])."""
    servers = []

    def start(reply: Callable[[str, Any], Any] = lambda path, body: None) -> tuple[str, list]:
        received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((self.path, self.headers["Content-Type"], body, self.headers["Authorization"]))
                answer = reply(self.path, body)
                self.send_response(204 if answer is None else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                if answer is not None:
                    self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", received

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def report_tools():
    """A context for rendering and reading a report: a missing tool (Allure CLI, Chromium) skips the
    test, or fails it where TRUST_REPORT_TOOLS_REQUIRED=1 (make test installs the tools and sets it)."""
    from compressed_trust.reports.render import MissingTool

    @contextlib.contextmanager
    def needed():
        try:
            yield
        except MissingTool as missing:
            if os.environ.get("TRUST_REPORT_TOOLS_REQUIRED") == "1":
                pytest.fail(str(missing))
            pytest.skip(str(missing))

    return needed
