"""Fn::ForEach (the AWS::LanguageExtensions transform), expanded over resolved collections.

`Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` copies the output once per
item of the collection (a list, or an intrinsic such as `Ref` to a CommaDelimitedList parameter).
As CloudFormation does (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
intrinsic-function-reference-foreach.html), and as cfn-lint's own transform does:
- in an output key, `${Identifier}` becomes the item and `&{Identifier}` the item with every
  non-alphanumeric character removed (so `d-7ac2` gives `StudioUserOpensProfilesOfd7ac2`);
- in the output value, `Ref: Identifier` becomes the item, and `${Identifier}` in an Fn::Sub string
  becomes the item; other strings are left alone;
- loops nest, and two outputs with one key are an error.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable

from .intrinsics import RenderError, child

FOREACH_PREFIX = "Fn::ForEach::"
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")


def _replace_in_key(key: str, bindings: dict[str, str]) -> str:
    for name, value in bindings.items():
        key = key.replace("${" + name + "}", value).replace("&{" + name + "}", re.sub(r"[^A-Za-z0-9]", "", value))
    return key


def _replace_in_sub(text: str, bindings: dict[str, str]) -> str:
    for name, value in bindings.items():
        text = text.replace("${" + name + "}", value)
    return text


def _substitute(value: Any, bindings: dict[str, str]) -> Any:
    """The output value with the loop identifiers replaced where CloudFormation replaces them."""
    if isinstance(value, list):
        return [_substitute(item, bindings) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (function, arguments), = value.items()
        if function == "Ref" and isinstance(arguments, str) and arguments in bindings:
            return bindings[arguments]
        if function == "Fn::Sub":
            if isinstance(arguments, str):
                return {"Fn::Sub": _replace_in_sub(arguments, bindings)}
            if isinstance(arguments, list) and arguments and isinstance(arguments[0], str):
                return {"Fn::Sub": [_replace_in_sub(arguments[0], bindings)]
                        + [_substitute(item, bindings) for item in arguments[1:]]}
    return {key: _substitute(item, bindings) for key, item in value.items()}


def expand(section: dict, path: str, resolve_collection: Callable[[Any, str], Any],
           bindings: dict[str, str] | None = None) -> dict:
    """The section (Resources, Outputs or Conditions) with every Fn::ForEach replaced by its copies."""
    bindings = bindings or {}
    expanded: dict = {}

    def add(key: str, value: Any, where: str) -> None:
        if key in expanded:
            raise RenderError(where, f"Fn::ForEach makes a second {key!r}")
        expanded[key] = value

    for key, value in section.items():
        where = child(path, key)
        if not key.startswith(FOREACH_PREFIX):
            add(_replace_in_key(key, bindings), _substitute(value, bindings), where)
            continue
        if not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str) \
                or not isinstance(value[2], dict):
            raise RenderError(where, "expects [Identifier, Collection, {OutputKey: OutputValue}]")
        identifier, collection, outputs = value
        items = resolve_collection(_substitute(collection, bindings), child(where, 1))
        if not isinstance(items, list):
            raise RenderError(child(where, 1), f"the collection resolves to {items!r}, not a list")
        for item in items:
            if not isinstance(item, str):
                raise RenderError(child(where, 1), f"collection item {item!r} is not a string")
            inner = expand(copy.deepcopy(outputs), child(where, 2), resolve_collection, {**bindings, identifier: item})
            for inner_key, inner_value in inner.items():
                add(inner_key, inner_value, child(where, 2))
    return expanded


def check_logical_ids(resources: dict, path: str = "Resources") -> None:
    """CloudFormation logical IDs are alphanumeric; a ForEach key that left `-` in one is an error."""
    for key in resources:
        if not _LOGICAL_ID.match(key):
            raise RenderError(child(path, key), f"logical ID {key!r} is not alphanumeric")
