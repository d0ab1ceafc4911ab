"""Providers: named sets of values with labels, for `in:`, `as:` and dropdowns.

A provider contains options, each a `{"value": ..., "label": ...}` dict. `in:name`
accepts a provider's values, and `as:name` turns a value, label or alias (in any case,
with or without accents) into the value. Built in are `countries` (ISO 3166 alpha-2
codes, through pycountry), `currencies` (ISO 4217 codes) and `boolean`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._numbers import _series, _strings, on_distinct

Option = dict[str, str]
LISTED_VALUES = 8
"""Maximum number of values that an `in:` message lists. Larger providers are named."""


def fold_text(text: str) -> str:
    """Lowercase, drop accents and collapse white space: `" Côte  d'Ivoire"` to
    `"cote d'ivoire"`."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


def _fold_array(values: pa.Array) -> pa.Array:
    """Apply fold_text to every value, vectorised."""
    decomposed = pc.utf8_normalize(values, form="NFKD")
    bare = pc.replace_substring_regex(decomposed, r"\p{Mn}+", "")
    lowered = pc.utf8_lower(bare)
    spaced = pc.replace_substring_regex(lowered, r"\s+", " ")
    return pc.utf8_trim_whitespace(spaced)


def _option(item: Any, source: str) -> Option:
    if isinstance(item, Mapping):
        if "value" not in item:
            raise ValueError(f"option {item!r} of {source} has no 'value'")
        value = str(item["value"])
        return {"value": value, "label": str(item.get("label", value))}
    if isinstance(item, tuple) and len(item) == 2:
        return {"value": str(item[0]), "label": str(item[1])}
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return {"value": str(item), "label": str(item)}
    raise ValueError(
        f"option {item!r} of {source} must be a string, a (value, label) pair or a "
        "dict with 'value' and 'label'"
    )


class Provider:
    """A named set of options that `in:` checks against and `as:` converts to."""

    is_async = False

    async def options(self) -> list[Option]:
        """Return every option as `{"value", "label"}` dicts."""
        raise NotImplementedError

    async def find(self, query: str, limit: int = 20) -> list[Option]:
        """Return up to `limit` options whose value or label matches `query`."""
        raise NotImplementedError

    def message(self, name: str) -> str:
        """Return the validation message for a value that is not an option."""
        return f"Must be one of the values of {name!r}"


class StaticProvider(Provider):
    """Options known in advance, checked and converted for whole columns at once.

    `aliases` maps other spellings to values: `{"DEU": "DE"}`. `description`
    completes the message "Must be ..." for values that are not options.
    """

    def __init__(
        self,
        options: Iterable[Any] | Mapping[str, Any],
        *,
        aliases: Mapping[str, str] | None = None,
        description: str | None = None,
        source: str = "provider",
    ) -> None:
        items = options.items() if isinstance(options, Mapping) else options
        self._options = [_option(item, source) for item in items]
        if not self._options:
            raise ValueError(f"{source} has no options")
        self._description = description
        self._aliases = dict(aliases or {})
        self.values = frozenset(option["value"] for option in self._options)

        # Lookup keys in priority order: values, then aliases, then labels.
        lookup: dict[str, str] = {}
        for option in self._options:
            lookup.setdefault(fold_text(option["value"]), option["value"])
        for alias, value in (aliases or {}).items():
            lookup.setdefault(fold_text(alias), value)
        for option in self._options:
            lookup.setdefault(fold_text(option["label"]), option["value"])
        self._keys = pa.array(list(lookup))
        self._targets = pa.array(list(lookup.values()))
        self._folded = [
            (fold_text(o["value"]), fold_text(o["label"])) for o in self._options
        ]
        self._folded_aliases = {
            fold_text(alias): value for alias, value in self._aliases.items()
        }

    async def options(self) -> list[Option]:
        return [dict(option) for option in self._options]

    def to_config(self) -> dict[str, Any]:
        """Return options, aliases and description as JSON-compatible data."""
        config: dict[str, Any] = {"options": [dict(o) for o in self._options]}
        if self._aliases:
            config["aliases"] = dict(self._aliases)
        if self._description:
            config["description"] = self._description
        return config

    async def find(self, query: str, limit: int = 20) -> list[Option]:
        folded_query = fold_text(query)
        # An alias (such as "DEU" for "DE") finds its option as well as the value.
        alias_of = self._folded_aliases.get(folded_query)
        ranked = []
        for position, (value, label) in enumerate(self._folded):
            if value == folded_query:
                rank = 0
            elif label == folded_query or self._options[position]["value"] == alias_of:
                rank = 1
            elif label.startswith(folded_query):
                rank = 2
            elif value.startswith(folded_query):
                rank = 3
            elif folded_query in label:
                rank = 4
            else:
                continue
            ranked.append((rank, position))
        ranked.sort()
        return [dict(self._options[position]) for _, position in ranked[:limit]]

    def message(self, name: str) -> str:
        if self._description:
            return f"Must be {self._description}"
        if len(self._options) <= LISTED_VALUES:
            values = ", ".join(option["value"] for option in self._options)
            return f"Must be one of {values}"
        return super().message(name)

    def contains(self, column: pd.Series) -> pd.Series:
        """Return True where a value is one of the options' values."""
        return column.isin(self.values)

    def convert(self, column: pd.Series) -> pd.Series:
        """Replace values, labels and aliases by the option's value."""

        def convert_distinct(values: pa.Array) -> pa.Array:
            positions = pc.index_in(_fold_array(values), value_set=self._keys)
            found = self._targets.take(positions).cast(values.type)
            return pc.coalesce(found, values)

        converted = on_distinct(_strings(column), convert_distinct)
        return _series(pa.chunked_array([converted]), column)


Search = Callable[[str], Awaitable[Iterable[Any]] | Iterable[Any]]


class LookupProvider(Provider):
    """Options looked up by a function of yours, such as a query to your API.

    `search(query)` returns matching options (strings, `(value, label)` pairs or
    dicts) and may be `async def`. Results are cached per query, up to `cache_size`
    queries. `in:` accepts a value when `search(value)` returns an option with that
    value, and `as:` takes the option whose value or label matches.
    """

    is_async = True

    def __init__(self, search: Search, *, cache_size: int = 10_000) -> None:
        if not callable(search):
            raise TypeError(f"search must be a function, not {type(search).__name__}")
        self._search = search
        self._cache_size = cache_size
        self._cache: OrderedDict[str, asyncio.Future[list[Option]]] = OrderedDict()

    async def _call(self, query: str) -> list[Option]:
        if inspect.iscoroutinefunction(self._search):
            answer = await self._search(query)
        else:
            answer = await asyncio.to_thread(self._search, query)
        if answer is None:
            return []
        return [_option(item, "a provider's search") for item in answer]

    async def lookup(self, query: str) -> list[Option]:
        """Return the options for `query`, from the cache when it was asked before."""
        cached = self._cache.get(query)
        if cached is not None and not (cached.done() and cached.exception()):
            self._cache.move_to_end(query)
            return await asyncio.shield(cached)
        future: asyncio.Future[list[Option]] = asyncio.ensure_future(self._call(query))
        self._cache[query] = future
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        try:
            return await asyncio.shield(future)
        except Exception:
            self._cache.pop(query, None)
            raise

    async def options(self) -> list[Option]:
        return await self.lookup("")

    async def find(self, query: str, limit: int = 20) -> list[Option]:
        return (await self.lookup(query))[:limit]

    async def contains_value(self, value: str) -> bool:
        """Return whether `value` is the value of an option that search returns."""
        return any(option["value"] == value for option in await self.lookup(value))

    async def convert_value(self, value: str) -> str:
        """Return the value of the option matching `value`, or `value` unchanged."""
        expected = fold_text(value)
        for option in await self.lookup(value):
            if expected in (fold_text(option["value"]), fold_text(option["label"])):
                return option["value"]
        return value


@functools.cache
def _countries() -> StaticProvider:
    import pycountry

    options = []
    aliases = {}
    for country in pycountry.countries:
        label = getattr(country, "common_name", None) or country.name
        options.append({"value": country.alpha_2, "label": label})
        aliases[country.alpha_3] = country.alpha_2
        aliases[country.name] = country.alpha_2
        official = getattr(country, "official_name", None)
        if official:
            aliases[official] = country.alpha_2
    return StaticProvider(
        options,
        aliases=aliases,
        description="an ISO 3166 country code like DE",
        source="countries",
    )


@functools.cache
def _currencies() -> StaticProvider:
    import pycountry

    options = [
        {"value": currency.alpha_3, "label": currency.name}
        for currency in pycountry.currencies
    ]
    aliases = {
        currency.numeric: currency.alpha_3
        for currency in pycountry.currencies
        if getattr(currency, "numeric", None)
    }
    return StaticProvider(
        options,
        aliases=aliases,
        description="an ISO 4217 currency code like EUR",
        source="currencies",
    )


BOOLEAN_TRUE = ("true", "1", "yes", "y")
BOOLEAN_FALSE = ("false", "0", "no", "n")


@functools.cache
def _boolean() -> StaticProvider:
    aliases = {text: "true" for text in BOOLEAN_TRUE}
    aliases.update({text: "false" for text in BOOLEAN_FALSE})
    return StaticProvider(
        [{"value": "true", "label": "Yes"}, {"value": "false", "label": "No"}],
        aliases=aliases,
        description="true or false",
        source="boolean",
    )


BUILTIN_PROVIDERS: dict[str, Callable[[], Provider]] = {
    "countries": _countries,
    "currencies": _currencies,
    "boolean": _boolean,
}


def as_provider(source: Any, name: str) -> Provider:
    """Return a provider from a `Provider`, a list of options, a dict of value to
    label, or a search function.

    Raises `ValueError` naming the provider for anything else.
    """
    where = f"provider {name!r}"
    if isinstance(source, Provider):
        return source
    if callable(source):
        return LookupProvider(source)
    if isinstance(source, Mapping) or (
        isinstance(source, Iterable) and not isinstance(source, str | bytes)
    ):
        return StaticProvider(source, source=where)
    raise ValueError(
        f"{where} must be a list of options, a dict of value to label or a "
        f"function, not {type(source).__name__}"
    )


def resolve_providers(user: Mapping[str, Any] | None) -> dict[str, Provider]:
    """Return the built-in providers plus the user's, raising `ValueError` when a
    user provider is invalid or reuses a built-in name."""
    providers: dict[str, Provider] = {}
    for name, source in (user or {}).items():
        if name in BUILTIN_PROVIDERS:
            raise ValueError(
                f"provider {name!r} has the name of a built-in provider: rename it"
            )
        if not isinstance(name, str) or not name or ":" in name or "|" in name:
            raise ValueError(f"provider name {name!r} must be a plain word")
        providers[name] = as_provider(source, name)
    return providers


def get_provider(name: str, user: Mapping[str, Provider]) -> Provider | None:
    """Return the provider called `name`, built in or the user's, or None."""
    if name in user:
        return user[name]
    factory = BUILTIN_PROVIDERS.get(name)
    return factory() if factory is not None else None
