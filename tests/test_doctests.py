"""The examples in the package's docstrings run and hold."""

import doctest
import importlib
import pkgutil

import pytest

import csm

MODULES = sorted(info.name for info in pkgutil.iter_modules(csm.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"csm.{name}")
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
