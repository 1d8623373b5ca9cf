"""The examples in the package's docstrings run and hold."""

import doctest
import importlib
import pkgutil

import pytest

import csm

MODULES = sorted(info.name for info in pkgutil.walk_packages(csm.__path__, "csm."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
