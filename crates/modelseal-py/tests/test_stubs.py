"""The type stubs describe what the native module really has."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import modelseal
from modelseal import _native

STUB = Path(modelseal.__file__).with_name("_native.pyi")


def stub_names() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    names: dict[str, set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[""].add(node.name)
            names[node.name] = {
                item.name for item in node.body if isinstance(item, ast.FunctionDef)
            }
        elif isinstance(node, ast.FunctionDef):
            names[""].add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[""].add(node.target.id)
    return names


def public(obj) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


def test_the_package_ships_its_stubs_and_marker():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_module_names_match():
    stubs = stub_names()
    module = public(_native) | {"__version__", "__debug_build__"}
    assert stubs[""] - {"_Path"} == module


def test_class_members_match():
    stubs = stub_names()
    for cls in (_native.Redactor, _native.StreamRedactor):
        assert stubs[cls.__name__] - {"__new__"} == public(cls), cls.__name__


def test_everything_public_has_a_docstring():
    for name in modelseal.__all__:
        obj = getattr(modelseal, name)
        if callable(obj) and not isinstance(obj, str):
            assert inspect.getdoc(obj), name
    for cls in (_native.Redactor, _native.StreamRedactor):
        for member in public(cls):
            assert inspect.getdoc(getattr(cls, member)), f"{cls.__name__}.{member}"
