"""The one thing pyproject.toml cannot say: the folders keep the design card's layout (fixtures/,
compressors/, reports/ beside trust_tests/) but install under the suite's own name, as
compressed_trust.fixtures, .compressors and .reports, so they never shadow a model team's own
`fixtures` or `reports` package, nor are shadowed by one. trust_tests stays top level: it is what
`pytest --pyargs trust_tests` names, and every dimension folder in it is found, not listed."""

from setuptools import find_namespace_packages, find_packages, setup

MACHINERY = ("fixtures", "compressors", "reports")

# Namespace packages: the probe folders without an __init__.py (adv_demonstration/probes/...) ship too.
# A machinery folder's subpackages (fixtures/engine/, fixtures/models/) are found, not listed, and
# installed under their folder's name.
setup(packages=[*find_namespace_packages(include=["trust_tests", "trust_tests.*"], exclude=["*.__pycache__"]),
                *(f"compressed_trust.{package}" for name in MACHINERY
                  for package in (name, *(f"{name}.{sub}" for sub in find_packages(name))))],
      package_dir={f"compressed_trust.{name}": name for name in MACHINERY})
