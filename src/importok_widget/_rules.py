"""Built-in transformers and validators, applied to whole columns at once.

Every value is a string. A transformer maps a column to a new column. A validator
returns a boolean mask that is True where a value fails, plus the message for those
rows. Empty values pass every validator except `required`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ._exceptions import SchemaError
from ._schema import Field, Rule

Transformer = Callable[[pd.Series, tuple[str, ...]], pd.Series]
Check = Callable[[pd.Series, tuple[str, ...]], pd.Series]

# The "valid e-mail address" grammar of the WHATWG HTML standard (input type=email).
# It accepts ASCII addresses only, so internationalised domains must be punycode.
EMAIL_PATTERN = (
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def _trim(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return column.str.strip()


def _lowercase(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return column.str.lower()


def _uppercase(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return column.str.upper()


def _capitalize(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    # Only the first letter changes: "mcDonald" becomes "McDonald", as in importOK.
    return column.str.slice(0, 1).str.upper() + column.str.slice(1)


def _is_empty(column: pd.Series) -> pd.Series:
    return column.str.strip() == ""


def _required(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return _is_empty(column)


def _email(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return ~column.str.fullmatch(EMAIL_PATTERN) & ~_is_empty(column)


def _unique(column: pd.Series, args: tuple[str, ...]) -> pd.Series:
    return column.duplicated(keep=False) & ~_is_empty(column)


@dataclass(frozen=True)
class TransformerSpec:
    function: Transformer
    arity: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class ValidatorSpec:
    function: Check
    message: str
    arity: tuple[int, int] = (0, 0)


TRANSFORMERS: dict[str, TransformerSpec] = {
    "trim": TransformerSpec(_trim),
    "lowercase": TransformerSpec(_lowercase),
    "uppercase": TransformerSpec(_uppercase),
    "capitalize": TransformerSpec(_capitalize),
}

VALIDATORS: dict[str, ValidatorSpec] = {
    "required": ValidatorSpec(_required, "Is required"),
    "email": ValidatorSpec(_email, "Must be a valid email address"),
    "unique": ValidatorSpec(_unique, "Must be unique"),
}


def _check_arity(rule: Rule, arity: tuple[int, int], where: str) -> None:
    low, high = arity
    count = len(rule.args)
    if low <= count <= high:
        return
    if high == 0:
        raise SchemaError(f"{where}: rule {rule.name!r} takes no arguments, got {rule}")
    raise SchemaError(
        f"{where}: rule {rule.name!r} takes {low} to {high} arguments, got {rule}"
    )


def check_rules(fields: list[Field]) -> None:
    """Raise `SchemaError` for an unknown rule name or a wrong number of arguments."""
    for spec in fields:
        for rule in spec.transformers:
            transformer = TRANSFORMERS.get(rule.name)
            where = f"Field {spec.key!r}"
            if transformer is None:
                known = ", ".join(TRANSFORMERS)
                raise SchemaError(
                    f"{where}: unknown transformer {rule.name!r} (known: {known})"
                )
            _check_arity(rule, transformer.arity, where)
        for rule in spec.validators:
            validator = VALIDATORS.get(rule.name)
            where = f"Field {spec.key!r}"
            if validator is None:
                known = ", ".join(VALIDATORS)
                raise SchemaError(
                    f"{where}: unknown validator {rule.name!r} (known: {known})"
                )
            _check_arity(rule, validator.arity, where)


def transform(column: pd.Series, rules: tuple[Rule, ...]) -> pd.Series:
    """Apply the transformers in order to one column."""
    for rule in rules:
        column = TRANSFORMERS[rule.name].function(column, rule.args)
    return column


def validate(
    column: pd.Series, rules: tuple[Rule, ...]
) -> list[tuple[Rule, pd.Series, str]]:
    """Return `(rule, failed_mask, message)` for every validator of one column."""
    results = []
    for rule in rules:
        validator = VALIDATORS[rule.name]
        failed = validator.function(column, rule.args).fillna(False).astype(bool)
        results.append((rule, failed, validator.message))
    return results
