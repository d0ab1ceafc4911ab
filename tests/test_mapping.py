"""Mapping of columns to fields: automatic, by mapper, by field_processor."""

from __future__ import annotations

import pytest

from importok_widget import Field, ImportWidget, MappingError, Record
from importok_widget._mapping import auto_map
from importok_widget._schema import parse_fields

pytestmark = pytest.mark.anyio


def test_auto_map_by_key_label_and_alias() -> None:
    fields = parse_fields(
        {
            "email": {"label": "E-mail address"},
            "zip": {"label": "Postal code", "aliases": ["PLZ"]},
            "first_name": {"label": "Given name"},
        }
    )
    mapping = auto_map(fields, ["Given name", "PLZ", "Email Address", "Notes"])
    assert mapping == {
        "email": "Email Address",
        "zip": "PLZ",
        "first_name": "Given name",
    }


def test_auto_map_never_shares_a_column() -> None:
    fields = parse_fields({"email": {}, "e_mail": {"label": "Email"}})
    mapping = auto_map(fields, ["Email"])
    assert list(mapping.values()).count("Email") == 1
    assert None in mapping.values()


def collector(received: list[dict[str, str]]):
    def on_record_ready(record: Record, meta: dict) -> None:
        received.append(record.get_properties())

    return on_record_ready


async def test_mapper_replaces_strategy(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("col_1,col_2\nada@example.org,Ada\n")
    seen: list[tuple[list[str], list[str]]] = []

    def mapper(fields: list[Field], columns: list[str]) -> dict[str, str | None]:
        seen.append(([f.key for f in fields], columns))
        return {"email": "col_1", "name": "col_2"}

    received: list[dict[str, str]] = []
    widget = ImportWidget(
        fields={"name": {}, "email": {}},
        mapper=mapper,
        on_record_ready=collector(received),
    )
    await widget.import_file(path)
    assert seen == [(["name", "email"], ["col_1", "col_2"])]
    assert received == [{"name": "Ada", "email": "ada@example.org"}]


async def test_mapper_unknown_column_raises(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("a\n1\n")
    widget = ImportWidget(
        fields={"name": {}},
        mapper=lambda fields, columns: {"name": "b"},
        on_record_ready=lambda r, m: None,
    )
    with pytest.raises(MappingError, match="mapper mapped field 'name' to column 'b'"):
        await widget.import_file(path)


async def test_field_processor_changes_fields(tmp_path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text('item,Preis\nTee,"1.234,50"\nKaffee,"2,00"\n')
    calls: list[tuple[list[str], int]] = []

    def add_price(fields, columns, first_rows):
        calls.append((columns, len(first_rows)))
        locale = "de" if "Preis" in columns else "en"
        return [
            *fields,
            {
                "key": "price",
                "aliases": ["Preis"],
                "transformers": f"number:{locale}",
                "validators": "required|number",
            },
        ]

    received: list[dict[str, str]] = []
    widget = ImportWidget(
        fields={"item": {}},
        field_processor=add_price,
        on_record_ready=collector(received),
    )
    await widget.import_file(path)
    assert calls == [(["item", "Preis"], 2)]
    assert received == [
        {"item": "Tee", "price": "1234.50"},
        {"item": "Kaffee", "price": "2.00"},
    ]
    assert [field["key"] for field in widget.fields] == ["item", "price"]


async def test_pass_through_keeps_unmapped_columns(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email,Notes,Source\nada@example.org,vip,web\nbad,,shop\n")
    received: list[dict[str, str]] = []
    widget = ImportWidget(
        fields={"email": {"validators": "email"}},
        pass_through=True,
        on_record_ready=collector(received),
    )
    await widget.import_file(path)
    assert received == [{"email": "ada@example.org", "Notes": "vip", "Source": "web"}]
    assert list(widget.rejected.columns) == ["email", "Notes", "Source", "error"]
    assert widget.errors["field"].tolist() == ["email"]


async def test_without_pass_through_columns_are_ignored(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email,Notes\nada@example.org,vip\n")
    received: list[dict[str, str]] = []
    widget = ImportWidget(fields={"email": {}}, on_record_ready=collector(received))
    await widget.import_file(path)
    assert received == [{"email": "ada@example.org"}]


async def test_unmapped_optional_field_is_empty(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nada@example.org\n")
    received: list[dict[str, str]] = []
    widget = ImportWidget(
        fields={"email": {}, "phone": {}}, on_record_ready=collector(received)
    )
    await widget.import_file(path)
    assert received == [{"email": "ada@example.org", "phone": ""}]
