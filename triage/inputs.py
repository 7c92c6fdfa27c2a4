"""Reading user-supplied YAML and JSONL with errors that name the file and the line.

Catalogues, the source registry and evidence files all come from people; a typo must
produce `file:line: what is wrong`, not a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from triage.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: pydantic parses them and can say where a bad one is."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlDoc:
    """Parsed YAML plus its node tree, so a location path can be mapped to a line."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None):
        self.path = path
        self.data = data
        self.root = root

    def line(self, loc: Sequence[str | int]) -> int | None:
        """Line (1-based) of the deepest node that `loc` reaches."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if str(key.value) == str(part):
                        child = value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
            if child is None:
                break
            node = child
            best = node.start_mark.line + 1
        return best

    def problem(self, message: str, loc: Sequence[str | int] = ()) -> Problem:
        return Problem(message, self.path, self.line(loc))


def _duplicate_keys(node: yaml.Node, path: Path, found: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            line = key.start_mark.line + 1
            if name in seen:
                found.append(Problem(f"duplicate key {name!r} (first at line {seen[name]})", path, line))
            else:
                seen[name] = line
            _duplicate_keys(value, path, found)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _duplicate_keys(child, path, found)


def read_yaml(path: Path) -> YamlDoc:
    """Load one YAML document safely; syntax errors and duplicate keys are InputErrors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"malformed YAML: {what}", path, line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path) from None
    problems: list[Problem] = []
    if root is not None:
        _duplicate_keys(root, path, problems)
    if problems:
        raise InputError(problems)
    return YamlDoc(path, data, root)


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"])
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling)"
    elif error["type"] == "missing":
        msg = "required field is missing"
    return f"{loc}: {msg}" if loc else msg


def validate_yaml(model: type[M], doc: YamlDoc) -> M:
    """Validate a YAML document against a pydantic model, errors located by line."""
    if not isinstance(doc.data, dict):
        raise InputError("expected a mapping at the top of the file", doc.path, 1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError([doc.problem(_describe(e), [p for p in e["loc"]]) for e in exc.errors()]) from None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; bad JSON is an InputError."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    with handle:
        lineno = 0
        try:
            for lineno, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path, lineno) from None
                if not isinstance(obj, dict):
                    raise InputError("expected a JSON object on each line", path, lineno)
                yield lineno, obj
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", path, lineno + 1) from None


def model_problems(error: ValidationError, path: Path, line: int) -> list[Problem]:
    """Pydantic errors for one JSONL line as Problems on that line."""
    return [Problem(_describe(e), path, line) for e in error.errors()]
