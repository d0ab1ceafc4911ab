"""Field definitions and the rule strings attached to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import SchemaError


@dataclass(frozen=True)
class Rule:
    """One transformer or validator: a name plus its arguments (`length:2,50`)."""

    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}:{','.join(self.args)}"


@dataclass(frozen=True)
class Field:
    """A field of the records to import, in the order the user defined."""

    key: str
    label: str
    description: str = ""
    transformers: tuple[Rule, ...] = ()
    validators: tuple[Rule, ...] = ()
    aliases: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return any(rule.name == "required" for rule in self.validators)

    def to_json(self) -> dict[str, Any]:
        """Return the field as the front end shows it."""
        return {
            "key": self.key,
            "label": self.label,
            "description": self.description,
            "required": self.required,
        }


_FIELD_KEYS = {"key", "label", "description", "transformers", "validators", "aliases"}


def parse_rules(spec: str | Sequence[str] | None, *, where: str) -> tuple[Rule, ...]:
    """Parse `trim|lowercase` or `["trim", "lowercase"]` into rules.

    Arguments follow a colon and are separated by commas: `length:2,50`.
    """
    if spec is None or spec == "":
        return ()
    if isinstance(spec, str):
        parts = spec.split("|")
    elif isinstance(spec, Iterable):
        parts = list(spec)
    else:
        raise SchemaError(f"{where}: rules must be a string or a list, not {spec!r}")

    rules = []
    for part in parts:
        if not isinstance(part, str):
            raise SchemaError(f"{where}: rule {part!r} is not a string")
        text = part.strip()
        if not text:
            raise SchemaError(f"{where}: empty rule in {spec!r}")
        name, _, arg_text = text.partition(":")
        args = tuple(arg.strip() for arg in arg_text.split(",")) if arg_text else ()
        rules.append(Rule(name.strip(), args))
    return tuple(rules)


def parse_fields(
    fields: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[Field]:
    """Build the fields from a dict keyed by record key, or a list of dicts with `key`.

    Raises `SchemaError` for a missing or duplicate key, an unknown setting, or rules
    that are neither strings nor lists.
    """
    if isinstance(fields, Mapping):
        items = []
        for key, definition in fields.items():
            if definition is None:
                definition = {}
            if not isinstance(definition, Mapping):
                raise SchemaError(f"Field {key!r}: definition must be a dict")
            items.append((key, definition))
    elif isinstance(fields, Sequence) and not isinstance(fields, str):
        items = []
        for position, definition in enumerate(fields):
            if not isinstance(definition, Mapping) or "key" not in definition:
                raise SchemaError(f"Field at position {position} has no 'key'")
            items.append((definition["key"], definition))
    else:
        raise SchemaError(
            "fields must be a dict keyed by record key or a list of dicts"
        )

    if not items:
        raise SchemaError("fields is empty: define at least one field")

    parsed = []
    seen: set[str] = set()
    for key, definition in items:
        if not isinstance(key, str) or not key.strip():
            raise SchemaError(f"Field key {key!r} must be a non-empty string")
        if key in seen:
            raise SchemaError(f"Field {key!r} is defined twice")
        seen.add(key)

        where = f"Field {key!r}"
        unknown = set(definition) - _FIELD_KEYS - {"provider"}
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            raise SchemaError(f"{where}: unknown setting {names}")

        aliases = definition.get("aliases") or ()
        if isinstance(aliases, str):
            aliases = (aliases,)
        parsed.append(
            Field(
                key=key,
                label=str(definition.get("label") or key),
                description=str(definition.get("description") or ""),
                transformers=parse_rules(
                    definition.get("transformers"), where=f"{where} transformers"
                ),
                validators=parse_rules(
                    definition.get("validators"), where=f"{where} validators"
                ),
                aliases=tuple(str(alias) for alias in aliases),
                extra={k: v for k, v in definition.items() if k == "provider"},
            )
        )
    return parsed
