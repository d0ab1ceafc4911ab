"""Built-in transformers and validators, and their compilation for whole columns.

Every value is a string and blanks are "". A transformer maps a column to a new
column, and a value it cannot transform stays as it was. A validator returns a mask
that is True where a value fails, plus the message for those rows. Empty values pass
every validator except `required`.

Rules are compiled once, when the widget is created: a misspelt name, a missing
provider or an invalid argument raises `SchemaError` naming the field and the rule.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _dates, _numbers, _text
from ._custom_rules import (
    CustomRule,
    failures_from_results,
    map_distinct,
    map_distinct_async,
    within_time,
)
from ._exceptions import SchemaError
from ._providers import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    LookupProvider,
    Provider,
    StaticProvider,
    get_provider,
)
from ._schema import Field, Rule

Failure = tuple[pd.Series, "str | pd.Series"]
"""A validator's result: True where a value fails, and the message (one or per row)."""
ColumnFunction = Callable[[pd.Series], pd.Series]
AsyncColumnFunction = Callable[[pd.Series, asyncio.Semaphore], Awaitable[pd.Series]]
CheckFunction = Callable[[Any], Failure]
AsyncCheckFunction = Callable[[Any, asyncio.Semaphore], Awaitable[Failure]]

# The "valid e-mail address" grammar of the WHATWG HTML standard (input type=email).
# It accepts ASCII addresses only, so internationalised domains must be punycode.
EMAIL_PATTERN = (
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)

# An http, https or ftp URL whose host is a domain name with a top-level domain,
# localhost or an IPv4 address. Non-ASCII host names must be punycode.
URL_PATTERN = (
    r"(?:https?|ftp)://(?:[^\s:@/]+(?::[^\s@/]*)?@)?"
    r"(?:localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3})"
    r"(?::\d{1,5})?(?:[/?#]\S*)?"
)


@dataclass(frozen=True)
class Setting:
    """The context of a rule's compilation: its field, the providers and defaults."""

    field: Field
    providers: Mapping[str, Provider]
    number_locale: str

    def provider(self, rule: Rule) -> Provider:
        name = rule.args[0].strip()
        provider = get_provider(name, self.providers)
        if provider is None:
            known = ", ".join(
                sorted({"countries", "currencies", "boolean"} | set(self.providers))
            )
            raise ValueError(
                f"provider {name!r} is not defined (known: {known}). Pass it as "
                f"providers={{{name!r}: [...]}}"
            )
        return provider

    def decimal(self, rule: Rule) -> str:
        locale = rule.args[0] if rule.args else None
        locale = locale or self.field.number_locale or self.number_locale
        return _numbers.decimal_separator(locale)


@dataclass(frozen=True)
class Transform:
    """A compiled transformer: `run` works in a thread, `run_async` on the loop."""

    rule: Rule
    run: ColumnFunction | None = None
    run_async: AsyncColumnFunction | None = None


@dataclass(frozen=True)
class Check:
    """A compiled validator of one column or, with `dataset`, of all records."""

    rule: Rule
    run: CheckFunction | None = None
    run_async: AsyncCheckFunction | None = None
    dataset: bool = False
    skips_empty: bool = True
    fails_empty: bool = False
    """True when the check fails exactly the empty values, so `run` can be skipped."""


@dataclass(frozen=True)
class CompiledField:
    """A field with its rules compiled, ready to run on a column."""

    field: Field
    transforms: tuple[Transform, ...] = ()
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    """A built-in rule: how to compile it, how many arguments it takes, and help."""

    build: Callable[[Rule, Setting], Any]
    arity: tuple[int, int] = (0, 0)
    example: str = ""


# Helpers for arrow-backed string columns


def _values(column: pd.Series) -> pa.ChunkedArray:
    return _numbers._strings(column)


def _mask(values: pa.ChunkedArray | pa.Array, column: pd.Series) -> pd.Series:
    filled = pc.fill_null(values, False)
    return pd.Series(filled.to_numpy(zero_copy_only=False), index=column.index)


def _fullmatch(column: pd.Series, pattern: str) -> pd.Series:
    return _mask(pc.match_substring_regex(_values(column), f"^(?:{pattern})$"), column)


def is_empty(column: pd.Series) -> pd.Series:
    """Return True where a value is empty or only white space."""
    return pd.Series(_text.is_blank(_values(column)), index=column.index)


def is_duplicated(column: pd.Series) -> pd.Series:
    """Return True for every value that occurs more than once."""
    return pd.Series(_text.duplicated(_values(column)), index=column.index)


def _compile_regex(pattern: str) -> tuple[re.Pattern[str], bool]:
    """Compile `pattern` with Python's re, and return whether RE2 accepts it too."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
    try:
        pc.match_substring_regex(pa.array([""]), pattern)
    except pa.ArrowInvalid:
        return compiled, False  # look-arounds or back-references: run with re
    return compiled, True


# Transformers


def _fixed(function: ColumnFunction) -> Callable[[Rule, Setting], Transform]:
    return lambda rule, setting: Transform(rule, run=function)


def _arrow(function: Callable[[pa.ChunkedArray], pa.ChunkedArray]) -> ColumnFunction:
    return lambda column: _numbers._series(function(_values(column)), column)


def _build_number(rule: Rule, setting: Setting) -> Transform:
    decimal = setting.decimal(rule)
    return Transform(rule, run=lambda c: _numbers.normalize_numbers(c, decimal))


def _build_integer(rule: Rule, setting: Setting) -> Transform:
    decimal = setting.decimal(rule)
    return Transform(rule, run=lambda c: _numbers.normalize_integers(c, decimal))


def _date_formats(rule: Rule) -> tuple[str, ...]:
    return tuple(_dates.check_format(arg.strip()) for arg in rule.args)


def _build_date_transform(rule: Rule, setting: Setting) -> Transform:
    formats = _date_formats(rule)
    return Transform(rule, run=lambda c: _dates.to_iso_dates(c, formats))


def _build_replace(rule: Rule, setting: Setting) -> Transform:
    pattern, replacement = rule.args
    compiled, arrow_ok = _compile_regex(pattern)
    if arrow_ok:

        def replace(column: pd.Series) -> pd.Series:
            replaced = pc.replace_substring_regex(_values(column), pattern, replacement)
            return _numbers._series(replaced, column)

    else:

        def replace(column: pd.Series) -> pd.Series:
            results = map_distinct(column, lambda v: compiled.sub(replacement, v))
            return pd.Series(results, index=column.index, dtype=column.dtype)

    return Transform(rule, run=replace)


def _build_as(rule: Rule, setting: Setting) -> Transform:
    provider = setting.provider(rule)
    if isinstance(provider, StaticProvider):
        return Transform(rule, run=provider.convert)
    assert isinstance(provider, LookupProvider)

    async def convert(column: pd.Series, limiter: asyncio.Semaphore) -> pd.Series:
        results = await map_distinct_async(column, provider.convert_value, limiter)
        return pd.Series(results, index=column.index, dtype=column.dtype)

    return Transform(rule, run_async=convert)


TRANSFORMERS: dict[str, RuleSpec] = {
    "trim": RuleSpec(_fixed(_arrow(_text.trim_whitespace)), example='" Ada " → "Ada"'),
    # Only the first letter changes: "mcDonald" becomes "McDonald", as in importOK.
    "capitalize": RuleSpec(
        _fixed(_arrow(_text.capitalize)), example='"mcDonald" → "McDonald"'
    ),
    "lowercase": RuleSpec(_fixed(_arrow(_text.lower)), example='"ADA" → "ada"'),
    "uppercase": RuleSpec(_fixed(_arrow(_text.upper)), example='"de" → "DE"'),
    "number": RuleSpec(_build_number, (0, 1), '"1,234.50" → "1234.50"'),
    "integer": RuleSpec(_build_integer, (0, 1), '"1,234" → "1234"'),
    "date": RuleSpec(_build_date_transform, (0, 20), '"45657" → "2024-12-31"'),
    "replace": RuleSpec(_build_replace, (2, 2), '"a  b" → "a b"'),
    "as": RuleSpec(_build_as, (1, 1), '"Germany" → "DE"'),
}


# Validators


def _constant(
    check: Callable[[pd.Series], pd.Series], message: str
) -> Callable[[Rule, Setting], Check]:
    """Build a validator without arguments from a mask function (True = fails)."""
    return lambda rule, setting: Check(rule, run=lambda c: (check(c), message))


def _build_required(rule: Rule, setting: Setting) -> Check:
    return Check(
        rule,
        run=lambda c: (is_empty(c), "Is required"),
        skips_empty=False,
        fails_empty=True,
    )


_BOOLEAN_WORDS = pa.array(BOOLEAN_TRUE + BOOLEAN_FALSE)


def _not_boolean(column: pd.Series) -> pd.Series:
    lowered = _text.lower(_text.trim_whitespace(_values(column)))
    return ~_mask(pc.is_in(lowered, value_set=_BOOLEAN_WORDS), column)


def _build_in(rule: Rule, setting: Setting) -> Check:
    provider = setting.provider(rule)
    message = provider.message(rule.args[0].strip())
    if isinstance(provider, StaticProvider):
        return Check(rule, run=lambda c: (~provider.contains(c), message))
    assert isinstance(provider, LookupProvider)

    async def check(column: pd.Series, limiter: asyncio.Semaphore) -> Failure:
        found = await map_distinct_async(column, provider.contains_value, limiter)
        return ~pd.Series(found, index=column.index, dtype=bool), message

    return Check(rule, run_async=check)


def _number_argument(rule: Rule, position: int) -> float:
    text = rule.args[position].strip()
    if not re.fullmatch(_numbers.NUMBER_PATTERN, text):
        raise ValueError(f"argument {text!r} is not a number")
    return float(text)


def _build_between(rule: Rule, setting: Setting) -> Check:
    low, high = _number_argument(rule, 0), _number_argument(rule, 1)
    if low > high:
        raise ValueError(f"minimum {low:g} is greater than maximum {high:g}")
    limits = f"{rule.args[0].strip()} and {rule.args[1].strip()}"
    outside = f"Must be between {limits}"
    not_number = f"Must be a number between {limits}"

    def check(column: pd.Series) -> Failure:
        numbers, is_number = _numbers.to_float(column)
        failed = ~is_number | (numbers < low) | (numbers > high)
        messages = pd.Series(outside, index=column.index, dtype=object)
        messages[~is_number] = not_number
        return failed, messages

    return Check(rule, run=check)


def _length_argument(rule: Rule, position: int) -> int | None:
    if position >= len(rule.args) or not rule.args[position].strip():
        return None
    text = rule.args[position].strip()
    if not text.isdigit():
        raise ValueError(f"argument {text!r} is not a whole number of characters")
    return int(text)


def _length_message(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        if low == high:
            return f"Must be exactly {_characters(low)} long"
        return f"Must be between {low} and {high} characters long"
    if low is not None:
        return f"Must be at least {_characters(low)} long"
    return f"Must be at most {_characters(high)} long"


def _characters(count: int | None) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _build_length(rule: Rule, setting: Setting) -> Check:
    low, high = _length_argument(rule, 0), _length_argument(rule, 1)
    if low is None and high is None:
        raise ValueError("give a minimum, a maximum or both, like length:2,50")
    if low is not None and high is not None and low > high:
        raise ValueError(f"minimum {low} is greater than maximum {high}")
    message = _length_message(low, high)

    def check(column: pd.Series) -> Failure:
        lengths = column.str.len()
        failed = pd.Series(False, index=column.index)
        if low is not None:
            failed |= lengths < low
        if high is not None:
            failed |= lengths > high
        return failed.fillna(False).astype(bool), message

    return Check(rule, run=check)


def _build_date_check(rule: Rule, setting: Setting) -> Check:
    formats = _date_formats(rule) or (_dates.ISO_DATE,)
    examples = " or ".join(_dates.example(f) for f in formats)
    message = f"Must be a date like {examples}"
    return Check(rule, run=lambda c: (~_dates.is_date(c, formats), message))


def _build_regex(rule: Rule, setting: Setting) -> Check:
    pattern = rule.args[0]
    compiled, arrow_ok = _compile_regex(pattern)
    message = f"Must match the pattern {pattern}"
    if arrow_ok:
        return Check(rule, run=lambda c: (~_fullmatch(c, pattern), message))

    def check(column: pd.Series) -> Failure:
        matches = map_distinct(column, lambda v: compiled.fullmatch(v) is not None)
        return ~pd.Series(matches, index=column.index, dtype=bool), message

    return Check(rule, run=check)


def _build_phone(rule: Rule, setting: Setting) -> Check:
    import phonenumbers

    region = rule.args[0].strip().upper() if rule.args else None
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"region {region!r} is not a region that phonenumbers knows: use a "
            "two-letter ISO 3166 code like DE"
        )
    if region:
        message = f"Must be a valid phone number (region {region})"
    else:
        message = (
            "Must be a valid phone number in international format like +49 30 1234567"
        )

    def valid(value: str) -> bool:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(number)

    def check(column: pd.Series) -> Failure:
        # phonenumbers parses one string at a time, so this runs once per distinct
        # value in Python.
        results = map_distinct(column, valid)
        return ~pd.Series(results, index=column.index, dtype=bool), message

    return Check(rule, run=check)


VALIDATORS: dict[str, RuleSpec] = {
    "required": RuleSpec(_build_required, example='"" fails'),
    # NOTE: RE2 takes about 0.11 s of CPU per million addresses in bench_rules.py,
    # the largest single cost there, and keeps rules within about twice the read
    # time only on a quiet machine. A numpy version of the grammar would need about
    # as many passes over the bytes (an estimate, not measured).
    "email": RuleSpec(
        _constant(
            lambda c: ~_fullmatch(c, EMAIL_PATTERN), "Must be a valid email address"
        ),
        example='"ada@example" passes, "ada@" fails',
    ),
    "unique": RuleSpec(
        _constant(is_duplicated, "Must be unique"), example="two rows of 7 fail"
    ),
    "in": RuleSpec(_build_in, (1, 1), '"in:countries": "DE" passes, "XX" fails'),
    "integer": RuleSpec(
        _constant(
            lambda c: ~_fullmatch(c, _numbers.INTEGER_PATTERN), "Must be a whole number"
        ),
        example='"-12" passes, "1.5" fails',
    ),
    "number": RuleSpec(
        _constant(
            lambda c: ~_fullmatch(c, _numbers.NUMBER_PATTERN), "Must be a number"
        ),
        example='"-1.5e3" passes, "1,5" fails',
    ),
    "boolean": RuleSpec(
        _constant(_not_boolean, "Must be true, false, yes, no, y, n, 1 or 0"),
        example='"Yes" passes, "maybe" fails',
    ),
    "between": RuleSpec(_build_between, (2, 2), '"between:1,10": "11" fails'),
    "length": RuleSpec(_build_length, (1, 2), '"length:2,50": "A" fails'),
    "date": RuleSpec(_build_date_check, (0, 20), '"date:%d/%m/%Y": "31/12/2024"'),
    "regex": RuleSpec(_build_regex, (1, 1), '"regex:[A-Z]{2}\\d+": "AB12" passes'),
    "url": RuleSpec(
        _constant(
            lambda c: ~_fullmatch(c, URL_PATTERN),
            "Must be a valid URL like https://example.com",
        ),
        example='"https://example.com/a" passes',
    ),
    "phone": RuleSpec(_build_phone, (0, 1), '"phone:DE": "030 1234567" passes'),
}


# Custom rules


def _custom_transform(rule: Rule, name: str, custom: CustomRule) -> Transform:
    args = rule.args
    if custom.scope == "column":
        if custom.is_async:

            async def run_column(
                column: pd.Series, limiter: asyncio.Semaphore
            ) -> pd.Series:
                result = await within_time(custom(column, *args))
                return _as_strings(result, column, name)

            return Transform(rule, run_async=run_column)
        return Transform(rule, run=lambda c: _as_strings(custom(c, *args), c, name))

    if custom.is_async:

        async def run_values(
            column: pd.Series, limiter: asyncio.Semaphore
        ) -> pd.Series:
            results = await map_distinct_async(
                column, lambda v: custom(v, *args), limiter, custom.results_for(args)
            )
            return _as_strings(results, column, name)

        return Transform(rule, run_async=run_values)

    def run(column: pd.Series) -> pd.Series:
        return _as_strings(
            map_distinct(column, lambda v: custom(v, *args)), column, name
        )

    return Transform(rule, run=run)


def _as_strings(result: Any, like: pd.Series, name: str) -> pd.Series:
    if isinstance(result, pd.Series):
        if len(result) != len(like):
            raise TypeError(
                f"transformer {name!r} returned {len(result)} values for a column "
                f"of {len(like)}: return a Series of the same length"
            )
        values = result.to_numpy(dtype=object)
    else:
        values = result
    series = pd.Series(values, index=like.index, dtype=object)
    bad = series.map(lambda v: v is not None and not isinstance(v, str))
    if bad.any():
        value = series[bad].iloc[0]
        raise TypeError(f"transformer {name!r} returned {value!r}: return a string")
    return series.fillna("").astype(like.dtype)


def _custom_check(rule: Rule, key: str, name: str, custom: CustomRule) -> Check:
    args = rule.args
    default = custom.message or f"Failed the {name!r} check"

    def failures(results: Any, index: pd.Index) -> Failure:
        if isinstance(results, pd.Series) and results.dtype == bool:
            if results.index.equals(index):
                return ~results, default
        return failures_from_results(results, index, default, name)

    if custom.scope in ("column", "dataset"):
        dataset = custom.scope == "dataset"
        extra = (key, *args) if dataset else args
        if custom.is_async:

            async def run_whole(data: Any, limiter: asyncio.Semaphore) -> Failure:
                return failures(await within_time(custom(data, *extra)), data.index)

            return Check(rule, run_async=run_whole, dataset=dataset)
        return Check(
            rule,
            run=lambda data: failures(custom(data, *extra), data.index),
            dataset=dataset,
        )

    if custom.is_async:

        async def run_values(column: pd.Series, limiter: asyncio.Semaphore) -> Failure:
            results = await map_distinct_async(
                column, lambda v: custom(v, *args), limiter, custom.results_for(args)
            )
            return failures(results, column.index)

        return Check(rule, run_async=run_values)

    def run(column: pd.Series) -> Failure:
        return failures(map_distinct(column, lambda v: custom(v, *args)), column.index)

    return Check(rule, run=run)


# Compilation


def _check_arity(rule: Rule, arity: tuple[int, int], where: str) -> None:
    low, high = arity
    count = len(rule.args)
    if low <= count <= high:
        return
    if high == 0:
        raise SchemaError(
            f"{where}: rule {rule.name!r} takes no arguments, got {rule}. "
            f"Write it as {rule.name!r}."
        )
    if low == high:
        expected = f"{low} argument{'s' if low != 1 else ''}"
    else:
        expected = f"{low} to {high} arguments"
    raise SchemaError(f"{where}: rule {rule.name!r} takes {expected}, got {rule}")


def _compile_rule(
    rule: Rule,
    kind: str,
    setting: Setting,
    builtin: Mapping[str, RuleSpec],
    custom: Mapping[str, CustomRule],
) -> Any:
    where = f"Field {setting.field.key!r}"
    if rule.name in custom:
        if kind == "transformer":
            return _custom_transform(rule, rule.name, custom[rule.name])
        return _custom_check(rule, setting.field.key, rule.name, custom[rule.name])
    spec = builtin.get(rule.name)
    if spec is None:
        known = ", ".join([*builtin, *custom])
        raise SchemaError(
            f"{where}: unknown {kind} {rule.name!r} (known: {known}). Check the "
            f"spelling, or pass a function as {kind}s={{{rule.name!r}: ...}}."
        )
    _check_arity(rule, spec.arity, where)
    try:
        return spec.build(rule, setting)
    except ValueError as error:
        raise SchemaError(
            f"{where}: {kind} {str(rule)!r} is invalid: {error}"
        ) from None


def compile_field(
    spec: Field,
    *,
    providers: Mapping[str, Provider] | None = None,
    transformers: Mapping[str, CustomRule] | None = None,
    validators: Mapping[str, CustomRule] | None = None,
    number_locale: str = _numbers.DEFAULT_LOCALE,
) -> CompiledField:
    """Compile a field's rules, raising `SchemaError` that names field and rule."""
    setting = Setting(spec, providers or {}, number_locale)
    if spec.provider and get_provider(spec.provider, setting.providers) is None:
        raise SchemaError(
            f"Field {spec.key!r}: provider {spec.provider!r} is not defined. Pass it "
            f"as providers={{{spec.provider!r}: [...]}} or use countries, "
            "currencies or boolean."
        )
    if spec.number_locale:
        try:
            _numbers.decimal_separator(spec.number_locale)
        except ValueError as error:
            raise SchemaError(f"Field {spec.key!r}: number_locale: {error}") from None
    transforms = tuple(
        _compile_rule(rule, "transformer", setting, TRANSFORMERS, transformers or {})
        for rule in spec.transformers
    )
    checks = tuple(
        _compile_rule(rule, "validator", setting, VALIDATORS, validators or {})
        for rule in spec.validators
    )
    return CompiledField(spec, transforms, checks)


def compile_fields(fields: list[Field], **options: Any) -> list[CompiledField]:
    """Compile every field; see `compile_field` for the options."""
    return [compile_field(spec, **options) for spec in fields]


def check_rules(fields: list[Field]) -> None:
    """Raise `SchemaError` for an unknown rule, a missing provider or a bad argument."""
    compile_fields(fields)
