"""CloudFormation's intrinsic functions and conditions, evaluated for one set of parameter values.

The resolver works on the plain data cfn-lint's decoder gives (short tags already read as the long
forms), after Fn::ForEach was expanded (foreach.py). It knows nothing about resource types: a Ref or
Fn::GetAtt on a resource asks the `physical` callback (physical.py) for that resource's value.

What CloudFormation does, and so what this does (https://docs.aws.amazon.com/AWSCloudFormation/latest/
UserGuide/intrinsic-function-reference.html):
- Fn::If evaluates only the branch its condition picks, so the other branch may name a resource
  whose Condition is false;
- `Ref: AWS::NoValue` removes the property, list item or dict entry it stands in;
- Fn::Sub reads `${Name}` as a parameter, pseudo parameter, resource or (with a dot) GetAtt, its
  own variable map first, and `${!Literal}` as the text `${Literal}`; a string outside Fn::Sub is
  never substituted, which is how IAM policy variables such as `${aws:PrincipalTag/x}` survive;
- a Ref to a Number parameter gives a string.

Anything else (an unknown intrinsic, a Ref or GetAtt naming nothing, a resource whose Condition is
false, a wrong argument shape) raises RenderError naming the JSON path: nothing is dropped quietly.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable

PSEUDO_PARAMETERS = ("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::StackId",
                     "AWS::URLSuffix", "AWS::NotificationARNs")
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or")
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class RenderError(Exception):
    """The template cannot be rendered as CloudFormation would; `path` says where."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _NoValue:
    """`Ref: AWS::NoValue`: removed from the list or dict that holds it."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


def child(path: str, key: Any) -> str:
    """The JSON path of a dict key or list index below `path`."""
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))


def scalar_text(value: Any, path: str) -> str:
    """A scalar as CloudFormation compares and substitutes it (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise RenderError(path, f"expected a string, got {type(value).__name__} {value!r}")


class Resolver:
    """Resolves values and conditions of one template for one set of parameter values."""

    def __init__(self, *, parameters: dict, pseudo: dict, conditions: dict, resources: dict,
                 physical: Callable[[str, str], dict], mappings: dict | None = None):
        self.parameters = parameters
        self.pseudo = pseudo
        self.condition_definitions = conditions
        self.resources = resources
        self.physical = physical
        self.mappings = mappings or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # ------------------------------------------------------------------ conditions
    def condition(self, name: str, path: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_definitions:
            raise RenderError(path, f"unknown condition {name!r}")
        if name in self._evaluating:
            raise RenderError(path, f"condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.evaluate_condition(self.condition_definitions[name], f"Conditions.{name}")
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def evaluate_condition(self, expression: Any, path: str) -> bool:
        """Fn::Equals / Fn::Not / Fn::And / Fn::Or / Condition, as in Conditions and Rules."""
        if not (isinstance(expression, dict) and len(expression) == 1):
            raise RenderError(path, f"not a condition function: {expression!r}")
        (function, arguments), = expression.items()
        where = child(path, function)
        if function == "Condition":
            return self.condition(self._text(arguments, where), where)
        if function == "Fn::Equals":
            pair = self._arguments(arguments, 2, where)
            left, right = (self.resolve(item, child(where, i)) for i, item in enumerate(pair))
            return self._comparable(left, child(where, 0)) == self._comparable(right, child(where, 1))
        if function == "Fn::Not":
            (inner,) = self._arguments(arguments, 1, where)
            return not self.evaluate_condition(inner, child(where, 0))
        if function in ("Fn::And", "Fn::Or"):
            if not isinstance(arguments, list) or not 2 <= len(arguments) <= 10:
                raise RenderError(where, "takes 2 to 10 conditions")
            values = [self.evaluate_condition(item, child(where, i)) for i, item in enumerate(arguments)]
            return all(values) if function == "Fn::And" else any(values)
        raise RenderError(where, f"unsupported condition function {function}")

    def resource_active(self, logical_id: str) -> bool:
        """Whether the resource is created: its Condition, if it has one, holds."""
        name = self.resources[logical_id].get("Condition")
        return True if name is None else self.condition(name, child(f"Resources.{logical_id}", "Condition"))

    # ------------------------------------------------------------------ values
    def resolve(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if is_intrinsic(value):
                (function, arguments), = value.items()
                return self._intrinsic(function, arguments, child(path, function))
            resolved = {}
            for key, item in value.items():
                item = self.resolve(item, child(path, key))
                if item is not NO_VALUE:
                    resolved[key] = item
            return resolved
        if isinstance(value, list):
            return [item for item in (self.resolve(x, child(path, i)) for i, x in enumerate(value))
                    if item is not NO_VALUE]
        return value

    def _intrinsic(self, function: str, arguments: Any, path: str) -> Any:
        handler = {
            "Ref": self._ref, "Fn::Sub": self._sub, "Fn::GetAtt": self._get_att, "Fn::If": self._if,
            "Fn::Join": self._join, "Fn::Select": self._select, "Fn::Split": self._split,
            "Fn::Base64": self._base64, "Fn::FindInMap": self._find_in_map, "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
        }.get(function)
        if handler is None:
            if function in CONDITION_FUNCTIONS:
                raise RenderError(path, f"{function} is a condition function, allowed only in Conditions and Fn::If")
            raise RenderError(path, f"unsupported intrinsic function {function}")
        return handler(arguments, path)

    def _ref(self, name: Any, path: str) -> Any:
        name = self._text(self.resolve(name, path) if isinstance(name, dict) else name, path)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise RenderError(path, f"unsupported pseudo parameter {name}")
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self._attribute(name, "Ref", path)
        raise RenderError(path, f"Ref to {name!r}, which is no parameter, pseudo parameter or resource")

    def _attribute(self, logical_id: str, attribute: str, path: str) -> Any:
        if logical_id not in self.resources:
            raise RenderError(path, f"Fn::GetAtt on {logical_id!r}, which is no resource")
        if not self.resource_active(logical_id):
            raise RenderError(path, f"{logical_id} is not created (its Condition is false)")
        values = self.physical(logical_id, path)
        if attribute not in values:
            what = "a Ref value" if attribute == "Ref" else f"attribute {attribute!r}"
            raise RenderError(path, f"no physical value for {what} of {logical_id} "
                                    f"({self.resources[logical_id].get('Type')}); give it in overrides")
        return values[attribute]

    def _get_att(self, arguments: Any, path: str) -> Any:
        if isinstance(arguments, str):
            if "." not in arguments:
                raise RenderError(path, f"expected 'Resource.Attribute', got {arguments!r}")
            logical_id, attribute = arguments.split(".", 1)
        else:
            logical_id, attribute = self._arguments(arguments, 2, path)
            attribute = self._text(self.resolve(attribute, child(path, 1)), child(path, 1))
        return self._attribute(self._text(logical_id, path), attribute, path)

    def _sub(self, arguments: Any, path: str) -> str:
        if isinstance(arguments, str):
            template, variables = arguments, {}
        else:
            template, variables = self._arguments(arguments, 2, path)
            if not isinstance(variables, dict):
                raise RenderError(child(path, 1), "the variable map must be a mapping")
            variables = {key: self.resolve(value, child(child(path, 1), key)) for key, value in variables.items()}
        template = self._text(template, path)

        def substitute(match: re.Match) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + match.group(1)[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = self._attribute(*name.split(".", 1), path)
            else:
                value = self._ref(name, path)
            if isinstance(value, (list, dict)) or value is NO_VALUE:
                raise RenderError(path, f"${{{name}}} resolves to {value!r}, not a string")
            return scalar_text(value, path)

        return _SUB_VARIABLE.sub(substitute, template)

    def _if(self, arguments: Any, path: str) -> Any:
        name, when_true, when_false = self._arguments(arguments, 3, path)
        if self.condition(self._text(name, child(path, 0)), child(path, 0)):
            return self.resolve(when_true, child(path, 1))
        return self.resolve(when_false, child(path, 2))

    def _join(self, arguments: Any, path: str) -> str:
        delimiter, values = self._arguments(arguments, 2, path)
        values = self._list(self.resolve(values, child(path, 1)), child(path, 1))
        return self._text(delimiter, child(path, 0)).join(scalar_text(v, child(path, 1)) for v in values)

    def _select(self, arguments: Any, path: str) -> Any:
        index, values = self._arguments(arguments, 2, path)
        index = self.resolve(index, child(path, 0))
        values = self._list(self.resolve(values, child(path, 1)), child(path, 1))
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise RenderError(child(path, 0), f"index {index!r} is not a number") from None
        if not 0 <= position < len(values):
            raise RenderError(path, f"index {position} outside a list of {len(values)}")
        return values[position]

    def _split(self, arguments: Any, path: str) -> list:
        delimiter, source = self._arguments(arguments, 2, path)
        return self._text(self.resolve(source, child(path, 1)), child(path, 1)).split(self._text(delimiter, path))

    def _base64(self, argument: Any, path: str) -> str:
        return base64.b64encode(self._text(self.resolve(argument, path), path).encode()).decode()

    def _find_in_map(self, arguments: Any, path: str) -> Any:
        keys = [self._text(self.resolve(k, child(path, i)), child(path, i))
                for i, k in enumerate(self._arguments(arguments, 3, path))]
        try:
            return self.mappings[keys[0]][keys[1]][keys[2]]
        except KeyError:
            raise RenderError(path, f"no Mappings entry {'/'.join(keys)}") from None

    def _length(self, argument: Any, path: str) -> int:
        return len(self._list(self.resolve(argument, path), path))

    def _to_json_string(self, argument: Any, path: str) -> str:
        return json.dumps(self.resolve(argument, path), separators=(",", ":"))

    # ------------------------------------------------------------------ argument checks
    @staticmethod
    def _arguments(arguments: Any, count: int, path: str) -> list:
        if not isinstance(arguments, list) or len(arguments) != count:
            raise RenderError(path, f"takes a list of {count} arguments, got {arguments!r}")
        return arguments

    @staticmethod
    def _list(value: Any, path: str) -> list:
        if not isinstance(value, list):
            raise RenderError(path, f"expected a list, got {value!r}")
        return value

    @staticmethod
    def _text(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise RenderError(path, f"expected a string, got {value!r}")
        return value

    @staticmethod
    def _comparable(value: Any, path: str) -> Any:
        if isinstance(value, list):
            return [scalar_text(v, path) for v in value]
        return scalar_text(value, path)
