"""Saving the fields, mapping and options as JSON, and importing with them again."""

from __future__ import annotations

import json

import pytest

from importok_widget import ImportWidget, Record, SchemaError, column_rule

pytestmark = pytest.mark.anyio

FIELDS = {
    "name": {"label": "Name", "transformers": "trim|shout"},
    "email": {"label": "Email", "validators": "required|email|vat"},
    "team": {"validators": "in:teams", "provider": "teams"},
    "note": {"transformers": [{"replace": ["\\s*,\\s*", ", "]}]},
}


@column_rule
def shout(column):
    return column.str.upper()


def vat(value: str) -> bool:
    return not value.startswith("x")


def collector(received: list[dict[str, str]]):
    def on_record_ready(record: Record, meta: dict) -> None:
        received.append(record.get_properties())

    return on_record_ready


async def test_config_round_trip_reuses_mapping(tmp_path) -> None:
    first = tmp_path / "january.csv"
    first.write_text("Full name,Mail,Group,Remarks\nada,ada@example.org,red,a , b\n")
    widget = ImportWidget(
        fields=FIELDS,
        transformers={"shout": shout},
        validators={"vat": vat},
        providers={"teams": ["red", "blue"], "crm": lambda query: []},
        throttle=3,
        on_record_ready=lambda r, m: None,
    )
    await widget.import_file(
        first,
        mapping={
            "name": "Full name",
            "email": "Mail",
            "team": "Group",
            "note": "Remarks",
        },
    )
    path = tmp_path / "import.json"
    config = widget.to_config(path)
    assert json.loads(path.read_text()) == config
    assert config["mapping"] == {
        "name": "Full name",
        "email": "Mail",
        "team": "Group",
        "note": "Remarks",
    }
    assert config["functions"] == {
        "transformers": ["shout"],
        "validators": ["vat"],
        "providers": ["crm"],
    }
    assert config["options"]["throttle"] == 3

    second = tmp_path / "february.csv"
    second.write_text("Remarks,Group,Mail,Full name\nx,blue,bob@example.org,bob\n")
    received: list[dict[str, str]] = []
    again = ImportWidget.from_config(
        path,
        transformers={"shout": shout},
        validators={"vat": vat},
        providers={"crm": lambda query: []},
        on_record_ready=collector(received),
    )
    await again.import_file(second)
    assert received == [
        {"name": "BOB", "email": "bob@example.org", "team": "blue", "note": "x"}
    ]
    assert again._options.throttle == 3
    assert again.to_config()["fields"] == config["fields"]


def test_from_config_names_missing_functions() -> None:
    widget = ImportWidget(
        fields=FIELDS,
        transformers={"shout": shout},
        validators={"vat": vat},
        providers={"teams": ["red"]},
        on_record_ready=lambda r, m: None,
    )
    config = widget.to_config()
    with pytest.raises(SchemaError, match="transformers 'shout'; validators 'vat'"):
        ImportWidget.from_config(config, on_record_ready=lambda r, m: None)


def test_from_config_overrides_options() -> None:
    widget = ImportWidget(
        fields={"a": {}}, throttle=2, title="Old", on_record_ready=lambda r, m: None
    )
    again = ImportWidget.from_config(
        widget.to_config(), title="New", on_record_ready=lambda r, m: None
    )
    assert again.title == "New"
    assert again._options.throttle == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"version": 1}', "has no 'fields'"),
        ('{"version": 9, "fields": {}}', "has version 9"),
    ],
)
def test_invalid_config_file_raises(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "import.json"
    path.write_text(content)
    with pytest.raises(SchemaError, match=message):
        ImportWidget.from_config(path, on_record_ready=lambda r, m: None)


def test_missing_config_file_raises(tmp_path) -> None:
    with pytest.raises(SchemaError, match="does not exist"):
        ImportWidget.from_config(tmp_path / "nope.json", on_record_ready=print)
