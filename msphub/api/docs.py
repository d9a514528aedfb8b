"""The API docs page's content, read from the OpenAPI schema (so the page says what the schema says:
no second description to keep in step, and no Swagger UI loaded from elsewhere)."""

import json
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Answer:
    status: str
    description: str
    fields: list[Field]
    headers: list[Field]


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    scope: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    example: str = ""
    answers: list[Answer] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (
            f"{self.method}-{self.path}".lower()
            .strip("/")
            .replace("/", "-")
            .replace("{", "")
            .replace("}", "")
        )


@dataclass
class ApiDocs:
    title: str
    version: str
    operations: list[Operation]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(schema, node)
    if "enum" in node:
        return "one of: " + ", ".join(json.dumps(v) for v in node["enum"] if v not in ("", None))
    kind = node.get("type", "object")
    if kind == "array":
        return "list of " + _type(schema, node.get("items", {}))
    words = {"string": "text", "boolean": "true or false", "integer": "whole number"}.get(kind, kind)
    if node.get("format") == "date":
        words = "date (YYYY-MM-DD)"
    if node.get("format") == "email":
        words = "email address"
    if node.get("maxLength"):
        words += f", at most {node['maxLength']:,} characters"
    if node.get("nullable"):
        words += ", or null"
    return words


def _fields(schema: dict[str, Any], node: dict[str, Any]) -> list[Field]:
    node = _resolve(schema, node)
    required = set(node.get("required", []))
    rows = []
    for name, prop in node.get("properties", {}).items():
        resolved = _resolve(schema, prop)
        if resolved.get("type") == "array" and "properties" in _resolve(schema, resolved.get("items", {})):
            rows.append(Field(name, "list of objects", name in required, resolved.get("description", "")))
            rows += [
                Field(f"{name}[].{f.name}", f.type, f.required, f.description)
                for f in _fields(schema, resolved["items"])
            ]
            continue
        rows.append(
            Field(
                name,
                _type(schema, prop),
                name in required,
                prop.get("description", resolved.get("description", "")),
            )
        )
    return rows


def from_schema(schema: dict[str, Any]) -> ApiDocs:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                scope="Bearer token" if op.get("security") else "None",
            )
            for param in op.get("parameters", []):
                operation.parameters.append(
                    Field(
                        f"{param['name']} ({param['in']})",
                        _type(schema, param.get("schema", {})),
                        bool(param.get("required")),
                        param.get("description", ""),
                    )
                )
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                operation.body = _fields(schema, content["schema"])
                examples = content.get("examples", {})
                if examples:
                    value = next(iter(examples.values())).get("value")
                    operation.example = json.dumps(value, indent=2, ensure_ascii=False)
            for status, answer in sorted(op.get("responses", {}).items()):
                body = answer.get("content", {}).get("application/json", {}).get("schema")
                headers = [
                    Field(
                        name,
                        _type(schema, h.get("schema", {})),
                        bool(h.get("required")),
                        h.get("description", ""),
                    )
                    for name, h in answer.get("headers", {}).items()
                ]
                operation.answers.append(
                    Answer(
                        status, answer.get("description", ""), _fields(schema, body) if body else [], headers
                    )
                )
            operations.append(operation)
    info = schema.get("info", {})
    return ApiDocs(info.get("title", "API"), str(info.get("version", "")), operations)
