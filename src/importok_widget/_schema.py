"""Field definitions and the rules attached to them.

Rules come as pipe strings (`"trim|replace:\\s+, "`), as lists of rule strings, or as
lists and dicts that give the arguments as a list (`{"replace": ["\\s+", " "]}`).
In a rule string `\\|` and `\\,` stand for a literal `|` and `,`. Every other backslash
is kept as written, so regular expressions such as `\\s+` need no doubling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._exceptions import SchemaError

WHOLE_ARGUMENT_RULES = frozenset({"regex"})
"""Rules whose text after the colon is one argument, commas included."""

RESERVED_KEY = "error"
"""The key of the reason column in failed records, so no field may use it."""


@dataclass(frozen=True)
class Rule:
    """One transformer or validator: a name plus its arguments (`length:2,50`)."""

    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.name
        if self.name in WHOLE_ARGUMENT_RULES and len(self.args) == 1:
            return f"{self.name}:{self.args[0]}"
        escaped = (arg.replace(",", "\\,") for arg in self.args)
        return f"{self.name}:{','.join(escaped)}"

    def to_config(self) -> str | dict[str, list[str]]:
        """Return the rule as a string when that parses back to it, else as a dict."""
        text = str(self)
        if "|" not in text and parse_rule(text, where="") == self:
            return text
        return {self.name: list(self.args)}


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
    provider: str | None = None
    """Name of the provider whose values the field's dropdown offers."""
    number_locale: str | None = None
    """Language tag for the `number` and `integer` transformers of this field."""

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
            "provider": bool(self.provider),
        }

    def to_config(self) -> dict[str, Any]:
        """Return the field's definition as JSON-compatible data, without its key."""
        definition: dict[str, Any] = {"label": self.label}
        if self.description:
            definition["description"] = self.description
        if self.transformers:
            definition["transformers"] = [r.to_config() for r in self.transformers]
        if self.validators:
            definition["validators"] = [r.to_config() for r in self.validators]
        if self.aliases:
            definition["aliases"] = list(self.aliases)
        if self.provider:
            definition["provider"] = self.provider
        if self.number_locale:
            definition["number_locale"] = self.number_locale
        return definition


_FIELD_KEYS = {
    "key",
    "label",
    "description",
    "transformers",
    "validators",
    "aliases",
    "provider",
    "number_locale",
}


def split_escaped(text: str, separator: str) -> list[str]:
    """Split `text` on `separator` except where a backslash precedes it.

    The escaped separators become plain ones. Other backslashes stay as written.
    """
    parts = []
    current: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and text[position + 1 : position + 2] == separator:
            current.append(separator)
            position += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    parts.append("".join(current))
    return parts


def parse_rule(text: str, *, where: str) -> Rule:
    """Parse one rule string such as `length:2,50` or `replace:\\s+, `.

    The name is stripped of white space, the arguments are kept as written.
    """
    name, colon, arg_text = text.partition(":")
    name = name.strip()
    if not name:
        raise SchemaError(f"{where}: rule {text!r} has no name")
    if not colon:
        return Rule(name)
    if name in WHOLE_ARGUMENT_RULES:
        return Rule(name, (arg_text,))
    return Rule(name, tuple(split_escaped(arg_text, ",")))


def _rule_from_pair(name: Any, args: Any, *, where: str) -> Rule:
    if not isinstance(name, str) or not name.strip():
        raise SchemaError(f"{where}: rule name {name!r} must be a non-empty string")
    if args is None:
        values: tuple[Any, ...] = ()
    elif isinstance(args, str | int | float):
        values = (args,)
    elif isinstance(args, Sequence):
        values = tuple(args)
    else:
        raise SchemaError(
            f"{where}: arguments of rule {name!r} must be a list, not {args!r}"
        )
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise SchemaError(
                f"{where}: argument {value!r} of rule {name!r} must be a string "
                "or a number"
            )
    return Rule(name.strip(), tuple(str(value) for value in values))


def parse_rules(
    spec: str | Sequence[Any] | Mapping[str, Any] | None, *, where: str
) -> tuple[Rule, ...]:
    """Parse rules given as a pipe string, a list or a dict.

    `"trim|length:2,50"`, `["trim", "length:2,50"]`, `["trim", {"length": [2, 50]}]`
    and `{"trim": None, "length": [2, 50]}` give the same rules.
    """
    if spec is None or spec == "":
        return ()
    if isinstance(spec, str):
        items: list[Any] = split_escaped(spec, "|")
    elif isinstance(spec, Mapping):
        items = [{name: args} for name, args in spec.items()]
    elif isinstance(spec, Iterable):
        items = list(spec)
    else:
        raise SchemaError(
            f"{where}: rules must be a string, a list or a dict, not {spec!r}"
        )

    rules: list[Rule] = []
    for item in items:
        if isinstance(item, Rule):
            rules.append(item)
        elif isinstance(item, Mapping):
            if not item:
                raise SchemaError(f"{where}: empty rule in {spec!r}")
            for name, args in item.items():
                rules.append(_rule_from_pair(name, args, where=where))
        elif isinstance(item, str):
            if not item.strip():
                raise SchemaError(f"{where}: empty rule in {spec!r}")
            rules.append(parse_rule(item.lstrip(), where=where))
        else:
            raise SchemaError(f"{where}: rule {item!r} is not a string or a dict")
    return tuple(rules)


def _definitions(
    fields: Mapping[str, Any] | Sequence[Mapping[str, Any] | Field],
) -> list[tuple[Any, Mapping[str, Any] | Field]]:
    if isinstance(fields, Mapping):
        items: list[tuple[Any, Mapping[str, Any] | Field]] = []
        for key, definition in fields.items():
            if definition is None:
                definition = {}
            if not isinstance(definition, Mapping | Field):
                raise SchemaError(f"Field {key!r}: definition must be a dict")
            items.append((key, definition))
        return items
    if isinstance(fields, Sequence) and not isinstance(fields, str):
        items = []
        for position, definition in enumerate(fields):
            if isinstance(definition, Field):
                items.append((definition.key, definition))
            elif isinstance(definition, Mapping) and "key" in definition:
                items.append((definition["key"], definition))
            else:
                raise SchemaError(f"Field at position {position} has no 'key'")
        return items
    raise SchemaError("fields must be a dict keyed by record key or a list of dicts")


def _optional_text(definition: Mapping[str, Any], name: str, where: str) -> str | None:
    value = definition.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SchemaError(f"{where}: {name} must be a string, not {value!r}")
    return value


def _parse_field(key: str, definition: Mapping[str, Any]) -> Field:
    where = f"Field {key!r}"
    unknown = set(definition) - _FIELD_KEYS
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        known = ", ".join(sorted(_FIELD_KEYS))
        raise SchemaError(f"{where}: unknown setting {names} (known: {known})")

    aliases = definition.get("aliases") or ()
    if isinstance(aliases, str):
        aliases = (aliases,)
    return Field(
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
        provider=_optional_text(definition, "provider", where),
        number_locale=_optional_text(definition, "number_locale", where),
    )


def parse_fields(
    fields: Mapping[str, Any] | Sequence[Mapping[str, Any] | Field],
) -> list[Field]:
    """Build the fields from a dict keyed by record key, or a list of dicts with `key`.

    A list may also contain `Field` objects, which are kept as they are. Raises
    `SchemaError` for a missing or duplicate key, an unknown setting, or rules that
    are neither strings, lists nor dicts.
    """
    items = _definitions(fields)
    if not items:
        raise SchemaError("fields is empty: define at least one field")

    parsed = []
    seen: set[str] = set()
    for key, definition in items:
        if not isinstance(key, str) or not key.strip():
            raise SchemaError(f"Field key {key!r} must be a non-empty string")
        if key in seen:
            raise SchemaError(f"Field {key!r} is defined twice")
        if key == RESERVED_KEY:
            raise SchemaError(
                f"Field key {key!r} is reserved for the reason of each failed record "
                f"in widget.rejected. Use another key, such as 'error_code', and "
                f"keep the label {key!r} if the column is called so."
            )
        seen.add(key)
        if isinstance(definition, Field):
            parsed.append(replace(definition, key=key))
        else:
            parsed.append(_parse_field(key, definition))
    return parsed
