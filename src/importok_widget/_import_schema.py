"""The fields of an import with everything their rules need, checked at creation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ._custom_rules import CustomRule, as_custom_rules
from ._exceptions import SchemaError
from ._mapping import Mapper, map_columns
from ._numbers import DEFAULT_LOCALE, decimal_separator
from ._providers import Provider, get_provider, resolve_providers
from ._rules import TRANSFORMERS, VALIDATORS, CompiledField, compile_fields
from ._schema import Field, parse_fields

FIRST_ROWS = 10
"""How many rows of the file `field_processor` receives."""

FieldProcessor = Callable[[list[Field], list[str], pd.DataFrame], Any]
FieldDefinitions = Mapping[str, Any] | Sequence[Mapping[str, Any] | Field]


class ImportSchema:
    """Fields, custom rules, providers and mapping options of one widget.

    Raises `SchemaError` when a rule, provider, custom rule name or option is
    invalid, naming the field and rule.
    """

    def __init__(
        self,
        fields: FieldDefinitions,
        *,
        transformers: Mapping[str, Callable[..., Any] | CustomRule] | None = None,
        validators: Mapping[str, Callable[..., Any] | CustomRule] | None = None,
        providers: Mapping[str, Any] | None = None,
        mapper: Mapper | None = None,
        field_processor: FieldProcessor | None = None,
        column_mapping: Mapping[str, str | None] | None = None,
        pass_through: bool = False,
        number_locale: str = DEFAULT_LOCALE,
    ) -> None:
        try:
            self.transformers = as_custom_rules(
                transformers, "transformers", TRANSFORMERS
            )
            self.validators = as_custom_rules(validators, "validators", VALIDATORS)
            self.providers = resolve_providers(providers)
            decimal_separator(number_locale)
        except ValueError as error:
            raise SchemaError(str(error)) from None
        for name, function in (
            ("mapper", mapper),
            ("field_processor", field_processor),
        ):
            if function is not None and not callable(function):
                raise SchemaError(
                    f"{name} must be a function, not {type(function).__name__}"
                )
        if not isinstance(pass_through, bool):
            raise SchemaError(
                f"pass_through must be True or False, not {pass_through!r}"
            )
        self.mapper = mapper
        self.field_processor = field_processor
        self.column_mapping = dict(column_mapping or {})
        self.pass_through = pass_through
        self.number_locale = number_locale
        self.fields = parse_fields(fields)
        self.compiled = self.compile(self.fields)
        unknown = set(self.column_mapping) - {spec.key for spec in self.fields}
        if unknown:
            raise SchemaError(
                f"column_mapping names unknown fields: {', '.join(sorted(unknown))}"
            )

    def compile(self, fields: list[Field]) -> list[CompiledField]:
        """Compile the rules of `fields` with this schema's providers and functions."""
        return compile_fields(
            fields,
            providers=self.providers,
            transformers=self.transformers,
            validators=self.validators,
            number_locale=self.number_locale,
        )

    def clear_results(self) -> None:
        """Forget the cached results of async per-value rules, for a new file."""
        for rule in (*self.transformers.values(), *self.validators.values()):
            rule.clear_results()

    def fields_for(
        self, columns: list[str], frame: pd.DataFrame
    ) -> tuple[list[Field], list[CompiledField]]:
        """Return the fields for a file, as `field_processor` changes them."""
        if self.field_processor is None:
            return self.fields, self.compiled
        result = self.field_processor(
            list(self.fields), list(columns), frame.head(FIRST_ROWS).copy()
        )
        if result is None:
            raise SchemaError(
                "field_processor returned None: return the fields, changed or not"
            )
        try:
            fields = parse_fields(result)
        except SchemaError as error:
            raise SchemaError(
                f"field_processor returned invalid fields: {error}"
            ) from None
        return fields, self.compile(fields)

    def map_columns(
        self, fields: list[Field], columns: list[str]
    ) -> dict[str, str | None]:
        """Map `fields` to `columns` with the mapper, or the saved mapping and then
        automatically."""
        return map_columns(
            fields, columns, preferred=self.column_mapping, mapper=self.mapper
        )

    def provider(self, name: str) -> Provider | None:
        """Return the provider called `name`, built in or the user's, or None."""
        return get_provider(name, self.providers)

    def custom_rule_names(self) -> dict[str, list[str]]:
        """Return the custom transformer and validator names that the fields use."""
        used: dict[str, list[str]] = {"transformers": [], "validators": []}
        for spec in self.fields:
            for rule in spec.transformers:
                if (
                    rule.name in self.transformers
                    and rule.name not in used["transformers"]
                ):
                    used["transformers"].append(rule.name)
            for rule in spec.validators:
                if rule.name in self.validators and rule.name not in used["validators"]:
                    used["validators"].append(rule.name)
        return used
