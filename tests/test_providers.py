"""Providers: built-in, from lists and dicts, and looked up by a function."""

from __future__ import annotations

import asyncio

import pytest

from importok_widget import (
    ImportWidget,
    LookupProvider,
    SchemaError,
    StaticProvider,
)

pytestmark = pytest.mark.anyio


def widget_with(fields: dict, **options) -> ImportWidget:
    return ImportWidget(fields=fields, on_import_ready=lambda r, m: None, **options)


async def test_field_provider_options_and_find() -> None:
    widget = widget_with({"country": {"provider": "countries"}, "name": {}})
    provider = widget.field_provider("country")
    assert provider is not None
    options = await provider.options()
    assert {"value": "DE", "label": "Germany"} in options
    assert len(options) == 249
    found = await provider.find("germ")
    assert found[0] == {"value": "DE", "label": "Germany"}
    assert widget.field_provider("name") is None


@pytest.mark.parametrize(("query", "value"), [("DEU", "DE"), ("usa", "US")])
async def test_find_matches_aliases(query: str, value: str) -> None:
    widget = widget_with({"country": {"provider": "countries"}})
    provider = widget.field_provider("country")
    assert provider is not None
    found = await provider.find(query)
    assert found[0]["value"] == value


def test_field_provider_unknown_key_raises() -> None:
    widget = widget_with({"name": {}})
    with pytest.raises(KeyError, match="No field 'email'"):
        widget.field_provider("email")


async def test_list_and_dict_providers(tmp_path) -> None:
    path = tmp_path / "teams.csv"
    path.write_text("team,size\nRed team,S\nblue,XL\ngreen,M\n")
    widget = widget_with(
        {
            "team": {"transformers": "as:teams", "validators": "in:teams"},
            "size": {"validators": "in:sizes"},
        },
        providers={
            "teams": [("red", "Red team"), "blue"],
            "sizes": {"S": "Small", "M": "Medium", "L": "Large"},
        },
    )
    await widget.import_file(path)
    errors = widget.errors
    assert errors["value"].tolist() == ["XL", "green"]
    assert errors["message"].tolist() == [
        "Must be one of S, M, L",
        "Must be one of red, blue",
    ]
    assert await widget._setup.provider("sizes").find("med") == [
        {"value": "M", "label": "Medium"}
    ]


async def test_currencies_and_boolean() -> None:
    widget = widget_with({"a": {}})
    currencies = widget._setup.provider("currencies")
    assert (await currencies.find("EUR"))[0] == {"value": "EUR", "label": "Euro"}
    boolean = widget._setup.provider("boolean")
    assert await boolean.options() == [
        {"value": "true", "label": "Yes"},
        {"value": "false", "label": "No"},
    ]


async def test_as_boolean_through_import(tmp_path) -> None:
    path = tmp_path / "flags.csv"
    path.write_text("flag\nYes\nn\n1\nFALSE\nmaybe\n")
    received: list[str] = []
    widget = ImportWidget(
        fields={"flag": {"transformers": "as:boolean", "validators": "in:boolean"}},
        on_record_ready=lambda record, meta: received.append(record["flag"]),
    )
    await widget.import_file(path)
    assert received == ["true", "false", "true", "false"]
    assert widget.errors["message"].tolist() == ["Must be true or false"]


async def test_lookup_provider_caches_and_validates(tmp_path) -> None:
    calls: list[str] = []
    customers = {"c1": "Acme", "c2": "Globex"}

    async def search(query: str) -> list[tuple[str, str]]:
        calls.append(query)
        await asyncio.sleep(0)
        return [
            (code, name)
            for code, name in customers.items()
            if query.lower() in (code, name.lower())
        ]

    path = tmp_path / "orders.csv"
    path.write_text("customer\nacme\nc2\nacme\nnobody\nc2\n")
    received: list[str] = []
    widget = ImportWidget(
        fields={
            "customer": {
                "transformers": "as:crm",
                "validators": "in:crm",
                "provider": "crm",
            }
        },
        providers={"crm": search},
        throttle=3,
        on_record_ready=lambda record, meta: received.append(record["customer"]),
    )
    await widget.import_file(path)
    assert received == ["c1", "c2", "c1", "c2"]
    assert widget.errors["value"].tolist() == ["nobody"]
    assert sorted(calls) == ["acme", "c1", "c2", "nobody"]
    provider = widget.field_provider("customer")
    assert isinstance(provider, LookupProvider)
    assert await provider.find("c1") == [{"value": "c1", "label": "Acme"}]
    assert calls.count("c1") == 1


async def test_lookup_provider_failure_is_not_cached() -> None:
    attempts = 0

    def search(query: str) -> list[str]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("API down")
        return [query]

    provider = LookupProvider(search)
    with pytest.raises(ConnectionError):
        await provider.lookup("x")
    assert await provider.lookup("x") == [{"value": "x", "label": "x"}]


def test_static_provider_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="has no 'value'"):
        StaticProvider([{"label": "Red"}])


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ({"countries": ["DE"]}, "name of a built-in provider"),
        ({"teams": 5}, "must be a list of options"),
        ({"teams": []}, "has no options"),
    ],
)
def test_invalid_providers_raise(providers: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        widget_with({"a": {}}, providers=providers)
