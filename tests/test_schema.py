"""Parsing of fields and rule strings."""

from __future__ import annotations

import pytest

from importok_widget import Field, ImportWidget, Rule, SchemaError
from importok_widget._schema import parse_fields, parse_rules, split_escaped


def test_pipe_string_with_arguments() -> None:
    rules = parse_rules("trim | length:2,50|in:countries", where="test")
    assert rules == (
        Rule("trim"),
        Rule("length", ("2", "50")),
        Rule("in", ("countries",)),
    )


def test_list_and_dict_forms_match_string() -> None:
    expected = parse_rules("trim|length:2,50", where="test")
    assert parse_rules(["trim", "length:2,50"], where="test") == expected
    assert parse_rules(["trim", {"length": [2, 50]}], where="test") == expected
    assert parse_rules({"trim": None, "length": [2, 50]}, where="test") == expected


def test_escaped_pipe_and_comma() -> None:
    rules = parse_rules("replace:a\\|b\\,c,d|trim", where="test")
    assert rules == (Rule("replace", ("a|b,c", "d")), Rule("trim"))


def test_other_backslashes_are_kept() -> None:
    assert parse_rules("replace:\\s+, ", where="test") == (
        Rule("replace", ("\\s+", " ")),
    )


def test_regex_takes_commas_whole() -> None:
    assert parse_rules("regex:^\\d{1,3}$", where="test") == (
        Rule("regex", ("^\\d{1,3}$",)),
    )


def test_split_escaped_keeps_empty_parts() -> None:
    assert split_escaped("a,,b,", ",") == ["a", "", "b", ""]


@pytest.mark.parametrize(
    "rule",
    [
        Rule("trim"),
        Rule("length", ("2", "50")),
        Rule("replace", ("\\s+", " ")),
        Rule("replace", ("a|b", ",")),
        Rule("regex", ("[a-z]{1,3}",)),
    ],
)
def test_rule_config_round_trip(rule: Rule) -> None:
    assert parse_rules([rule.to_config()], where="test") == (rule,)


def test_field_settings() -> None:
    (field,) = parse_fields(
        {
            "country": {
                "label": "Country",
                "aliases": "land",
                "provider": "countries",
                "number_locale": "de",
            }
        }
    )
    assert field.aliases == ("land",)
    assert field.provider == "countries"
    assert field.number_locale == "de"


def test_field_objects_are_accepted() -> None:
    field = Field("email", "E-mail", validators=(Rule("email"),))
    assert parse_fields([field]) == [field]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"a": {"validators": 5}}, "rules must be a string, a list or a dict"),
        ({"a": {"validators": "trim||email"}}, "empty rule"),
        ({"a": {"validators": [{"length": {"min": 2}}]}}, "must be a list"),
        ({"a": {"validators": ":5"}}, "has no name"),
        ({"a": {"provider": 5}}, "provider must be a string"),
        ({"a": {"number_locale": "1"}}, "number_locale: '1' is not a language tag"),
        ({"a": {"provider": "planets"}}, "provider 'planets' is not defined"),
    ],
)
def test_invalid_fields_raise(fields: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        ImportWidget(fields=fields, on_record_ready=lambda r, m: None)
