"""Your own transformers and validators, passed to the widget as functions.

A plain function works on one value: a transformer returns the new string, a
validator returns True or None for a valid value and False or a message otherwise.
`column_rule` marks a function that takes and returns a whole pandas Series, and
`dataset_rule` marks a validator that receives every record at once. Any of them may be
`async def`. Arguments of the rule string follow the value: `min_words:3` calls
`function(value, "3")`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

Scope = Literal["value", "column", "dataset"]

_NAME_CHARACTERS = frozenset(":|,\\")


MAX_CACHED_RESULTS = 100_000
"""Results of an async per-value rule that are kept; more clear the cache."""


@dataclass(frozen=True)
class CustomRule:
    """A user function with the scope it works on and its default message.

    The results of an async per-value function are cached by arguments and value
    until `clear_results()`, which the widget calls for each new file. A change in
    the review step then calls the function only for values it has not seen.
    """

    function: Callable[..., Any]
    scope: Scope = "value"
    message: str | None = None
    _results: dict[tuple[Any, ...], dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.function)

    def results_for(self, args: tuple[Any, ...]) -> dict[str, Any]:
        """Return the cache of results by value for these rule arguments."""
        if sum(len(cache) for cache in self._results.values()) > MAX_CACHED_RESULTS:
            self._results.clear()
        return self._results.setdefault(args, {})

    def clear_results(self) -> None:
        self._results.clear()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


Decorated = Callable[[Callable[..., Any]], CustomRule]


def _decorator(
    function: Callable[..., Any] | None, scope: Scope, message: str | None
) -> CustomRule | Decorated:
    def mark(inner: Callable[..., Any]) -> CustomRule:
        if not callable(inner):
            raise TypeError(f"{scope}_rule needs a function, not {inner!r}")
        return CustomRule(inner, scope, message)

    return mark if function is None else mark(function)


@overload
def column_rule(function: Callable[..., Any]) -> CustomRule: ...
@overload
def column_rule(*, message: str | None = None) -> Decorated: ...
def column_rule(
    function: Callable[..., Any] | None = None, *, message: str | None = None
) -> CustomRule | Decorated:
    """Mark a transformer or validator that works on a whole column at once.

    It receives a pandas Series of strings and the rule's arguments. A transformer
    returns the new Series. A validator returns a Series of the same index holding
    True or None for valid values and False or a message for invalid ones.
    `message` replaces the default message for False.
    """
    return _decorator(function, "column", message)


@overload
def dataset_rule(function: Callable[..., Any]) -> CustomRule: ...
@overload
def dataset_rule(*, message: str | None = None) -> Decorated: ...
def dataset_rule(
    function: Callable[..., Any] | None = None, *, message: str | None = None
) -> CustomRule | Decorated:
    """Mark a validator that receives all records: `function(records, key, *args)`.

    `records` is the DataFrame of every transformed record, one column per field
    key, indexed by `row_index`, and `key` is the field the rule is listed on. The
    validator returns a Series indexed like `records` (or by the failing rows only)
    holding True or None for valid rows and False or a message for invalid ones.
    """
    return _decorator(function, "dataset", message)


def as_custom_rules(
    functions: Mapping[str, Any] | None, kind: str, builtin: Iterable[str]
) -> dict[str, CustomRule]:
    """Return the user's functions as custom rules, keyed by rule name.

    Raises `ValueError` for a name of a built-in rule, a name with `:`, `|`, `,` or
    `\\`, a value that is not a function, and a dataset transformer.
    """
    if functions is None:
        return {}
    if not isinstance(functions, Mapping):
        raise ValueError(f"{kind} must be a dict of name to function")
    reserved = set(builtin)
    rules = {}
    for name, function in functions.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"custom {kind[:-1]} name {name!r} must be a string")
        if _NAME_CHARACTERS & set(name) or name != name.strip():
            raise ValueError(
                f"custom {kind[:-1]} name {name!r} must not contain : | , \\ or "
                "surrounding spaces"
            )
        if name in reserved:
            raise ValueError(
                f"custom {kind[:-1]} {name!r} has the name of a built-in "
                f"{kind[:-1]}: rename it"
            )
        rule = function if isinstance(function, CustomRule) else None
        if rule is None:
            if not callable(function):
                raise ValueError(
                    f"custom {kind[:-1]} {name!r} must be a function, not "
                    f"{type(function).__name__}"
                )
            rule = CustomRule(function)
        if kind == "transformers" and rule.scope == "dataset":
            raise ValueError(
                f"custom transformer {name!r} is a dataset_rule, which only "
                "validators can be"
            )
        rules[name] = rule
    return rules


def map_distinct(column: pd.Series, function: Callable[[str], Any]) -> list[Any]:
    """Call `function` once per distinct value and return the results row by row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    results = [function(value) for value in uniques]
    return _spread(results, codes)


async def map_distinct_async(
    column: pd.Series,
    function: Callable[[str], Awaitable[Any]],
    limiter: asyncio.Semaphore,
    cache: dict[str, Any] | None = None,
) -> list[Any]:
    """Await `function` once per distinct value, at most `limiter`'s count at once.

    With `cache`, values found in it are not passed to `function` again, and new
    results are added to it.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    results: list[Any] = [None] * len(uniques)

    async def run(position: int) -> None:
        value = uniques[position]
        async with limiter:
            results[position] = await within_time(function(value))
        if cache is not None:
            cache[value] = results[position]

    async with asyncio.TaskGroup() as group:
        for position, value in enumerate(uniques):
            if cache is not None and value in cache:
                results[position] = cache[value]
            else:
                group.create_task(run(position))
    return _spread(results, codes)


RULE_CALL_TIMEOUT = 60.0
"""Seconds that one call of an async rule or provider lookup may take."""


class RuleTimeoutError(TimeoutError):
    """One call of an async rule or lookup took longer than `RULE_CALL_TIMEOUT`."""


async def within_time(call: Awaitable[Any]) -> Any:
    """Await one call of an async rule, or raise `RuleTimeoutError` after the limit."""
    try:
        return await asyncio.wait_for(call, RULE_CALL_TIMEOUT)
    except TimeoutError:
        raise RuleTimeoutError(
            f"one call took longer than {RULE_CALL_TIMEOUT:g} s"
        ) from None


def _spread(results: list[Any], codes: np.ndarray) -> list[Any]:
    holder = np.empty(len(results), dtype=object)
    holder[:] = results
    return holder[codes].tolist()


def failures_from_results(
    results: pd.Series | list[Any], index: pd.Index, default_message: str, name: str
) -> tuple[pd.Series, pd.Series]:
    """Turn validator results into a failed mask and a message per row.

    True, None and NA pass. False fails with `default_message`, and a string fails
    with that string. Raises `TypeError` for any other result.
    """
    if isinstance(results, pd.Series):
        if len(results) != len(index) or not results.index.equals(index):
            results = results.reindex(index)
        values = results.astype(object).tolist()
    else:
        values = list(results)
    messages: list[str | None] = []
    for value in values:
        if value is True or value is None or value is pd.NA or _is_nan(value):
            messages.append(None)
        elif value is False or isinstance(value, np.bool_):
            messages.append(None if bool(value) else default_message)
        elif isinstance(value, str):
            messages.append(value or default_message)
        else:
            raise TypeError(
                f"validator {name!r} returned {value!r}: return True or None for a "
                "valid value, False or a message string for an invalid one"
            )
    message_series = pd.Series(messages, index=index, dtype=object)
    return message_series.notna(), message_series


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value
