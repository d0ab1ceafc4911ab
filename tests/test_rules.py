"""Built-in and custom rules, run by the real engine on whole columns."""

from __future__ import annotations

import asyncio
import collections
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from importok_widget import (
    ImportWidget,
    Record,
    RuleError,
    SchemaError,
    _custom_rules,
    _text,
    column_rule,
    dataset_rule,
)
from importok_widget._checking import check_table
from importok_widget._import_schema import ImportSchema

from .test_widget import Browser

pytestmark = pytest.mark.anyio

STRING = pd.StringDtype("pyarrow")


async def run_rules(
    values: list[str], transformers: object = "", validators: object = "", **options
):
    schema = ImportSchema(
        {"value": {"transformers": transformers, "validators": validators}}, **options
    )
    frame = pd.DataFrame({"value": pd.Series(values, dtype=STRING)})
    return await check_table(schema.compiled, frame, {"value": "value"})


async def transformed(values: list[str], rules: object, **options) -> list[str]:
    checked = await run_rules(values, transformers=rules, **options)
    return checked.records["value"].tolist()


async def messages(values: list[str], rules: object, **options) -> list[str | None]:
    """Return each value's joined messages, or None when it passes."""
    checked = await run_rules(values, validators=rules, **options)
    by_row = checked.errors.groupby("row")["message"].agg("; ".join)
    return [by_row.get(row) for row in range(len(values))]


# Transformers


async def test_trim_and_case() -> None:
    assert await transformed([" Ada  "], "trim") == ["Ada"]
    assert await transformed(["ÉCOLE"], "lowercase") == ["école"]
    assert await transformed(["école"], "uppercase") == ["ÉCOLE"]


async def test_capitalize_changes_first_letter_only() -> None:
    assert await transformed(["mcDonald", "élan", "", "1st"], "capitalize") == [
        "McDonald",
        "Élan",
        "",
        "1st",
    ]


async def test_number_with_thousands_separators() -> None:
    values = ["1,234.50", "1 234.5", "-1,234,567", "12", "1,23", "abc", ""]
    assert await transformed(values, "number") == [
        "1234.50",
        "1234.5",
        "-1234567",
        "12",
        "1,23",
        "abc",
        "",
    ]


async def test_number_with_decimal_comma_argument() -> None:
    values = ["1.234,50", "1234,5", "12"]
    assert await transformed(values, "number:de") == ["1234.50", "1234.5", "12"]


async def test_number_locale_of_field_and_widget() -> None:
    schema = ImportSchema(
        {"price": {"transformers": "number", "number_locale": "fr"}, "other": {}},
    )
    frame = pd.DataFrame({"price": pd.Series(["1 234,50"], dtype=STRING)})
    checked = await check_table(schema.compiled, frame, {"price": "price"})
    assert checked.records["price"].tolist() == ["1234.50"]
    assert await transformed(["1.234,50"], "number", number_locale="de") == ["1234.50"]


async def test_integer_transformer() -> None:
    values = ["1,234", "12.00", "12.5", "x"]
    assert await transformed(values, "integer") == ["1234", "12", "12.5", "x"]


async def test_date_from_excel_serial_and_unix_time() -> None:
    values = ["45657", "45657.5", "1", "1700000000", "1700000000000", "2024-12-31"]
    assert await transformed(values, "date") == [
        "2024-12-31",
        "2024-12-31",
        "1900-01-01",
        "2023-11-14",
        "2023-11-14",
        "2024-12-31",
    ]


async def test_date_leaves_unknown_values() -> None:
    assert await transformed(["60", "soon", "", "31/12/2024"], "date") == [
        "60",
        "soon",
        "",
        "31/12/2024",
    ]


async def test_date_with_input_formats() -> None:
    values = ["31/12/2024", "1/2/2024", "30/02/2024"]
    assert await transformed(values, "date:%d/%m/%Y") == [
        "2024-12-31",
        "2024-02-01",
        "30/02/2024",
    ]


async def test_replace_in_each_rule_form() -> None:
    value = ["a  b,\tc"]
    assert await transformed(value, "replace:\\s+, ") == ["a b, c"]
    assert await transformed(value, ["replace:\\s+, "]) == ["a b, c"]
    assert await transformed(value, [{"replace": ["\\s+", " "]}]) == ["a b, c"]
    assert await transformed(value, "replace:\\,,;") == ["a  b;\tc"]


async def test_replace_with_lookahead_uses_python_re() -> None:
    assert await transformed(["abc"], [{"replace": ["b(?=c)", "X"]}]) == ["aXc"]


async def test_as_countries() -> None:
    values = ["Germany", "germany", "DEU", "DE", " Côte d'Ivoire", "Atlantis"]
    assert await transformed(values, "trim|as:countries") == [
        "DE",
        "DE",
        "DE",
        "DE",
        "CI",
        "Atlantis",
    ]


# Validators


async def test_required_email_unique() -> None:
    values = ["a@example.com", "", "  ", "a@example.com", "nope", ""]
    assert await messages(values, "required|email|unique") == [
        "Must be unique",
        "Is required",
        "Is required",
        "Must be unique",
        "Must be a valid email address",
        "Is required",
    ]


async def test_integer_number_boolean() -> None:
    assert await messages(["-12", "1.5", ""], "integer") == [
        None,
        "Must be a whole number",
        None,
    ]
    assert await messages(["-1.5e3", "1,5"], "number") == [None, "Must be a number"]
    assert await messages(["Yes", "N", "0", "TRUE", "maybe"], "boolean") == [
        None,
        None,
        None,
        None,
        "Must be true, false, yes, no, y, n, 1 or 0",
    ]


async def test_between_rejects_non_numbers() -> None:
    assert await messages(["1", "10", "10.5", "0", "abc", ""], "between:1,10") == [
        None,
        None,
        "Must be between 1 and 10",
        "Must be between 1 and 10",
        "Must be a number between 1 and 10",
        None,
    ]


async def test_length_messages() -> None:
    assert await messages(["A", "Ada"], "length:2") == [
        "Must be at least 2 characters long",
        None,
    ]
    assert await messages(["Adalovelace"], "length:2,5") == [
        "Must be between 2 and 5 characters long"
    ]
    assert await messages(["abcd"], "length:5,5") == [
        "Must be exactly 5 characters long"
    ]
    assert await messages(["abcd"], "length:,3") == [
        "Must be at most 3 characters long"
    ]
    assert await messages(["ab"], "length:1,1") == ["Must be exactly 1 character long"]
    assert await messages(["ab"], "length:,1") == ["Must be at most 1 character long"]


async def test_date_validator_formats() -> None:
    assert await messages(["2024-12-31", "2024-02-30", "31/12/2024"], "date") == [
        None,
        "Must be a date like 2024-12-31",
        "Must be a date like 2024-12-31",
    ]
    assert await messages(
        ["31/12/2024", "1/2/2024", "2024-12-31"], "date:%d/%m/%Y"
    ) == [
        None,
        None,
        "Must be a date like 31/12/2024",
    ]


async def test_date_validator_importok_notation() -> None:
    rules = "date:dd/MM/yyyy,yyyy-MM-dd"
    assert await messages(["31/12/2024", "2024-12-31", "12/31/2024"], rules) == [
        None,
        None,
        "Must be a date like 31/12/2024 or 2024-12-31",
    ]


async def test_regex_url_phone() -> None:
    assert await messages(["AB12", "ab12", "AB12x"], "regex:[A-Z]{2}\\d+") == [
        None,
        "Must match the pattern [A-Z]{2}\\d+",
        "Must match the pattern [A-Z]{2}\\d+",
    ]
    assert await messages(["a,b", "a|b"], [{"regex": "a[,|]b"}]) == [None, None]
    assert await messages(["https://example.com/a?b=1", "example.com"], "url") == [
        None,
        "Must be a valid URL like https://example.com",
    ]
    assert await messages(["030 1234567", "+49 30 1234567", "12"], "phone:DE") == [
        None,
        None,
        "Must be a valid phone number (region DE)",
    ]


async def test_in_provider_messages() -> None:
    assert await messages(["DE", "XX", "de", ""], "in:countries") == [
        None,
        "Must be an ISO 3166 country code like DE",
        "Must be an ISO 3166 country code like DE",
        None,
    ]
    assert await messages(["EUR", "EURO"], "in:currencies") == [
        None,
        "Must be an ISO 4217 currency code like EUR",
    ]


async def test_empty_values_pass_all_but_required() -> None:
    rules = "email|unique|integer|number|boolean|between:1,2|length:3|date|url|phone:DE"
    assert await messages(["", ""], rules) == [None, None]


# Fast paths on Arrow buffers, checked against the plain kernels

_CHARACTERS = list(
    "azAQ1@.- \t\n\x1c\x7f\u00a0\u3000\u2028éÉłßıǆⱥ😀\u0301"
)  # ASCII, white space in ASCII and beyond, and letters whose case changes length
_ASCII_CHARACTERS = list("azAQ1@.- \t\n\x7f")
_SEPARATOR_CHARACTERS = list("azAQ1@.- \t\x1c\x1f")  # trimmed by utf8 kernels only


def _random_values(seed: int, characters: list[str], count: int = 3000) -> list[str]:
    """Return short random strings, some repeated, a few long, some blank."""
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        length = rng.choice([0, 1, 1, 2, 3, 5, 8, 9, 16, 17, 40, 300])
        values.append("".join(rng.choice(characters) for _ in range(length)))
    values += rng.sample(values, count // 10)
    rng.shuffle(values)
    return values


def _arrays(values: list[str]) -> list[pa.Array | pa.ChunkedArray]:
    """Return `values` as string and large_string arrays: whole, sliced, chunked."""
    arrays = []
    third = len(values) // 3
    for type_ in (pa.string(), pa.large_string()):
        whole = pa.array(["x", *values, "y"], type_)
        chunks = [values[:third], [], values[third : 2 * third], values[2 * third :]]
        arrays += [
            pa.array(values, type_),
            whole.slice(1, len(values)),
            pa.chunked_array(chunks, type_),
        ]
    return arrays


@pytest.fixture(params=[61, 1 << 15], ids=["small blocks", "default blocks"])
def block_rows(request, monkeypatch) -> int:
    """Run the numpy fast paths on blocks of 61 rows as well as the default."""
    monkeypatch.setattr(_text, "_BLOCK_ROWS", request.param)
    return request.param


def _capitalize_reference(values: pa.Array) -> pa.Array:
    first = pc.utf8_upper(pc.utf8_slice_codeunits(values, 0, 1))
    rest = pc.utf8_slice_codeunits(values, 1)
    return pc.binary_join_element_wise(first, rest, pa.scalar("", values.type))


def _duplicated_reference(values: pa.Array) -> list[bool]:
    texts = ["" if value is None else value for value in values.to_pylist()]
    counts = collections.Counter(texts)
    return [counts[text] > 1 for text in texts]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "characters",
    [_CHARACTERS, _ASCII_CHARACTERS, _SEPARATOR_CHARACTERS],
    ids=["unicode", "ascii", "ascii separators"],
)
def test_text_fast_paths_match_kernels(
    seed: int, characters: list[str], block_rows: int
) -> None:
    for values in _arrays(_random_values(seed, characters)):
        trimmed = pc.utf8_trim_whitespace(values)
        assert _text.trim_whitespace(values).equals(trimmed)
        blank = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        assert _text.is_blank(values).tolist() == blank.tolist()
        assert _text.lower(values).equals(pc.utf8_lower(values))
        assert _text.upper(values).equals(pc.utf8_upper(values))
        assert _text.capitalize(values).equals(_capitalize_reference(values))
        assert _text.duplicated(values).tolist() == _duplicated_reference(values)


@pytest.mark.parametrize(
    "values",
    [
        ["ada", "Bob", "", "zoë", "1st"],  # ASCII first letters only
        ["ada", "élan", "łukasz", "", "ǆemal"],  # uppercase of the same UTF-8 length
        ["ada", "ıdris", "ſam", "ⱥb"],  # uppercase that is shorter in UTF-8
        ["", "", ""],
        [],
    ],
)
def test_capitalize_matches_kernels(values: list[str], block_rows: int) -> None:
    for array in _arrays(values):
        assert _text.capitalize(array).equals(_capitalize_reference(array))


def test_text_fast_paths_on_clean_ascii() -> None:
    values = pa.array(["DE", "fr", "", "us", "fr"])
    assert _text.trim_whitespace(values) is values
    assert _text.is_blank(values).tolist() == [False, False, True, False, False]
    assert _text.lower(values).to_pylist() == ["de", "fr", "", "us", "fr"]
    assert _text.upper(values).to_pylist() == ["DE", "FR", "", "US", "FR"]
    assert _text.duplicated(values).tolist() == [False, True, False, False, True]


def test_text_with_nulls_uses_kernels() -> None:
    values = pa.array([" a ", None, "", " ", "b", None])
    assert _text.trim_whitespace(values).to_pylist() == ["a", None, "", "", "b", None]
    assert _text.is_blank(values).tolist() == [False, False, True, True, False, False]
    assert _text.capitalize(values).to_pylist() == [" a ", None, "", " ", "B", None]
    # A null counts as "", like the empty value.
    assert _text.duplicated(values).tolist() == [False, True, True, False, False, True]


def test_space_first_bytes_cover_arrow_white_space() -> None:
    codes = [code for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    characters = pa.array([chr(code) for code in codes])
    trimmed = pc.utf8_trim_whitespace(characters)
    spaces = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    first_bytes = np.array(
        [
            chr(code).encode()[0]
            for code, space in zip(codes, spaces, strict=True)
            if space
        ],
        dtype=np.uint8,
    )
    assert len(first_bytes) > 20
    assert _text._may_start_space(first_bytes).all()


def test_duplicated_is_exact_when_hashes_collide(monkeypatch) -> None:
    def same_hash(layout) -> np.ndarray:
        return np.zeros(len(layout.starts), dtype=np.uint64)

    monkeypatch.setattr(_text, "_hash_values", same_hash)
    values = pa.array(["a", "b", "a", "c", "", ""])
    assert _text.duplicated(values).tolist() == [True, False, True, False, True, True]


def test_duplicated_with_many_repeated_values() -> None:
    values = [f"value {number % 500}" for number in range(2000)] + ["once"]
    result = _text.duplicated(pa.array(values, pa.large_string()))
    assert result[:2000].all()
    assert not result[2000]


async def test_rules_on_column_of_several_chunks() -> None:
    chunks = pa.chunked_array([[" ada ", "bob"], ["", " ada"], ["cy"]])
    column = pd.Series(pd.arrays.ArrowStringArray(chunks))
    schema = ImportSchema(
        {"name": {"transformers": "trim|capitalize", "validators": "required|unique"}}
    )
    frame = pd.DataFrame({"name": column})
    checked = await check_table(schema.compiled, frame, {"name": "name"})
    assert checked.records["name"].tolist() == ["Ada", "Bob", "", "Ada", "Cy"]
    assert checked.errors["row"].tolist() == [0, 2, 3]
    assert checked.errors["message"].tolist() == [
        "Must be unique",
        "Is required",
        "Must be unique",
    ]


# Errors at creation


@pytest.mark.parametrize(
    ("validators", "message"),
    [
        ("emial", "Field 'value': unknown validator 'emial'"),
        ("length:abc", "validator 'length:abc' is invalid: argument 'abc'"),
        ("length:5,2", "minimum 5 is greater than maximum 2"),
        ("between:1", "rule 'between' takes 2 arguments"),
        ("between:a,2", "argument 'a' is not a number"),
        ("in:planets", "provider 'planets' is not defined"),
        ("date:%Q", "uses %Q, which is not supported"),
        ("date:dd/MM/yyyy foo", "invalid letters ' foo', which are not date parts"),
        ("regex:[a-", "invalid regular expression"),
        ("phone:XX", "region 'XX' is not a region"),
        ("required:yes", "takes no arguments"),
    ],
)
def test_invalid_rule_raises_at_creation(validators: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        ImportWidget(
            fields={"value": {"validators": validators}},
            on_record_ready=lambda r, m: None,
        )


def test_invalid_transformer_raises_at_creation() -> None:
    with pytest.raises(SchemaError, match="transformer 'number:xx1'"):
        ImportWidget(
            fields={"value": {"transformers": "number:xx1"}},
            on_record_ready=lambda r, m: None,
        )
    with pytest.raises(SchemaError, match="rule 'replace' takes 2 arguments"):
        ImportWidget(
            fields={"value": {"transformers": "replace:a"}},
            on_record_ready=lambda r, m: None,
        )


# Custom rules


async def test_custom_value_rules_with_arguments() -> None:
    def min_words(value: str, count: str) -> bool | str:
        if len(value.split()) >= int(count):
            return True
        return f"Must have at least {count} words"

    schema = ImportSchema(
        {"text": {"transformers": "shout", "validators": "min_words:2"}},
        transformers={"shout": lambda value: value.upper()},
        validators={"min_words": min_words},
    )
    frame = pd.DataFrame({"text": pd.Series(["hello world", "hi", ""], dtype=STRING)})
    result = await check_table(schema.compiled, frame, {"text": "text"})
    assert result.records["text"].tolist() == ["HELLO WORLD", "HI", ""]
    assert result.errors["row"].tolist() == [1]
    assert result.errors["message"].tolist() == ["Must have at least 2 words"]


async def test_custom_false_uses_default_message() -> None:
    schema = ImportSchema(
        {"code": {"validators": "even"}},
        validators={"even": lambda value: int(value) % 2 == 0},
    )
    frame = pd.DataFrame({"code": pd.Series(["2", "3"], dtype=STRING)})
    result = await check_table(schema.compiled, frame, {"code": "code"})
    assert result.errors["message"].tolist() == ["Failed the 'even' check"]


async def test_column_rules_receive_series() -> None:
    seen: list[int] = []

    @column_rule
    def reverse(column: pd.Series) -> pd.Series:
        seen.append(len(column))
        return column.str[::-1]

    @column_rule(message="Must be short")
    def short(column: pd.Series) -> pd.Series:
        return column.str.len() < 4

    schema = ImportSchema(
        {"word": {"transformers": "reverse", "validators": "short"}},
        transformers={"reverse": reverse},
        validators={"short": short},
    )
    frame = pd.DataFrame({"word": pd.Series(["abc", "abcdef"], dtype=STRING)})
    result = await check_table(schema.compiled, frame, {"word": "word"})
    assert seen == [2]
    assert result.records["word"].tolist() == ["cba", "fedcba"]
    assert result.errors["message"].tolist() == ["Must be short"]


async def test_async_rules_respect_throttle(tmp_path) -> None:
    in_flight = 0
    peak = 0

    async def lookup(value: str) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return value.upper()

    async def known(value: str) -> bool:
        await asyncio.sleep(0.01)
        return value != "BAD"

    path = tmp_path / "codes.csv"
    path.write_text("code\n" + "\n".join(f"c{i}" for i in range(20)) + "\nbad\n")
    delivered: list[str] = []
    widget = ImportWidget(
        fields={"code": {"transformers": "lookup", "validators": "known"}},
        transformers={"lookup": lookup},
        validators={"known": known},
        throttle=4,
        on_record_ready=lambda record, meta: delivered.append(record["code"]),
    )
    result = await widget.import_file(path)
    assert peak == 4
    assert result.failed == 1
    assert delivered[:2] == ["C0", "C1"]
    assert widget.errors["value"].tolist() == ["BAD"]


async def test_dataset_rule_sees_all_records(tmp_path) -> None:
    @dataset_rule
    def ends_after_start(records: pd.DataFrame, key: str) -> pd.Series:
        return records[key] >= records["start"]

    @dataset_rule(message="Overlaps another booking")
    def no_overlap(records: pd.DataFrame, key: str) -> pd.Series:
        # Only the failing rows: the others pass.
        return pd.Series({2: False})

    path = tmp_path / "bookings.csv"
    path.write_text(
        "start,end\n2024-01-01,2024-01-05\n2024-02-01,2024-01-01\n"
        "2024-03-01,2024-03-02\n2024-04-01,\n"
    )
    widget = ImportWidget(
        fields={"start": {}, "end": {"validators": "ends_after_start|no_overlap"}},
        validators={"ends_after_start": ends_after_start, "no_overlap": no_overlap},
        on_import_ready=lambda records, meta: None,
    )
    result = await widget.import_file(path)
    errors = widget.errors
    assert errors["row"].tolist() == [1, 2]
    assert errors["message"].tolist() == [
        "Failed the 'ends_after_start' check",
        "Overlaps another booking",
    ]
    assert result.failed == 2


def test_custom_name_clash_raises() -> None:
    with pytest.raises(SchemaError, match="custom validator 'email' has the name"):
        ImportWidget(
            fields={"value": {}},
            validators={"email": lambda value: True},
            on_record_ready=lambda r, m: None,
        )
    with pytest.raises(SchemaError, match="custom transformer 'trim' has the name"):
        ImportWidget(
            fields={"value": {}},
            transformers={"trim": str.strip},
            on_record_ready=lambda r, m: None,
        )


def test_dataset_transformer_raises() -> None:
    with pytest.raises(SchemaError, match="only validators can be"):
        ImportWidget(
            fields={"value": {}},
            transformers={"all": dataset_rule(lambda records, key: records)},
            on_record_ready=lambda r, m: None,
        )


async def test_custom_validator_bad_result_raises() -> None:
    schema = ImportSchema(
        {"value": {"validators": "odd"}}, validators={"odd": lambda value: 42}
    )
    frame = pd.DataFrame({"value": pd.Series(["1"], dtype=STRING)})
    with pytest.raises(RuleError, match="validator 'odd' returned 42") as info:
        await check_table(schema.compiled, frame, {"value": "value"})
    assert str(info.value).startswith("Validator 'odd' of field 'value' failed: ")
    assert isinstance(info.value.__cause__, TypeError)


async def test_custom_transformer_error_names_field() -> None:
    schema = ImportSchema(
        {"ratio": {"label": "Ratio", "transformers": "trim|invert"}},
        transformers={"invert": lambda value: str(1 / float(value))},
    )
    frame = pd.DataFrame({"ratio": pd.Series(["2", "0"], dtype=STRING)})
    with pytest.raises(RuleError) as info:
        await check_table(schema.compiled, frame, {"ratio": "ratio"})
    assert str(info.value) == (
        "Transformer 'invert' of field 'Ratio' failed: "
        "ZeroDivisionError: float division by zero"
    )
    assert info.value.field == "ratio"
    assert info.value.rule == "invert"


@pytest.mark.parametrize("scope", ["value", "column", "dataset"])
async def test_async_validator_that_hangs_times_out(monkeypatch, scope: str) -> None:
    monkeypatch.setattr(_custom_rules, "RULE_CALL_TIMEOUT", 0.2)

    async def never(*args: object) -> bool:
        await asyncio.sleep(3600)
        return True

    rule = {
        "value": never,
        "column": column_rule(never),
        "dataset": dataset_rule(never),
    }
    schema = ImportSchema(
        {"email": {"label": "Email", "validators": "in_crm"}},
        validators={"in_crm": rule[scope]},
    )
    frame = pd.DataFrame({"email": pd.Series(["a@example.org"], dtype=STRING)})
    with pytest.raises(RuleError) as info:
        await asyncio.wait_for(
            check_table(schema.compiled, frame, {"email": "email"}), 10
        )
    assert str(info.value) == (
        "Validator 'in_crm' of field 'Email' failed: one call took longer than 0.2 s"
    )


async def test_hanging_lookup_leaves_widget_usable(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(_custom_rules, "RULE_CALL_TIMEOUT", 0.2)

    async def search(query: str) -> list[str]:
        await asyncio.sleep(3600)
        return []

    widget = ImportWidget(
        fields={"team": {"label": "Team", "validators": "in:teams"}},
        providers={"teams": search},
        on_record_ready=lambda r, m: None,
    )
    browser = Browser(widget)
    browser.upload("teams.csv", b"team\nred\n")
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    for _ in range(500):
        if widget.error:
            break
        await asyncio.sleep(0.01)
    assert widget.error == (
        "Validator 'in:teams' of field 'Team' failed: one call took longer than 0.2 s"
    )
    assert widget.busy == ""
    assert widget.step == "mapping"


# Through the widget


async def test_rules_through_import_file(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "Name,E-mail,Country,Born,Amount\n"
        ' ada ,ADA@Example.org,Germany,31/12/1990,"1,234.50"\n'
        "bob,bob@,Atlantis,1990-12-31,12\n"
    )
    received: list[Record] = []
    widget = ImportWidget(
        fields={
            "name": {"label": "Name", "transformers": "trim|capitalize"},
            "email": {
                "label": "E-mail",
                "transformers": "trim|lowercase",
                "validators": "required|email",
            },
            "country": {"transformers": "as:countries", "validators": "in:countries"},
            "born": {"validators": "date:dd/MM/yyyy"},
            "amount": {"transformers": "number", "validators": "number"},
        },
        on_record_ready=lambda record, meta: received.append(record),
    )
    result = await widget.import_file(path)
    assert [r.get_properties() for r in received] == [
        {
            "name": "Ada",
            "email": "ada@example.org",
            "country": "DE",
            "born": "31/12/1990",
            "amount": "1234.50",
        }
    ]
    assert result.failed == 1
    assert widget.rejected.loc[1, "error"] == (
        "E-mail: Must be a valid email address; "
        "country: Must be an ISO 3166 country code like DE; "
        "born: Must be a date like 31/12/2024"
    )


async def test_error_counts_by_field_and_message(tmp_path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,email\n,a@\n,b@\nx,c@example.com\nx,\n")
    widget = ImportWidget(
        fields={
            "code": {"validators": "required|unique"},
            "email": {"validators": "email"},
        },
        on_import_ready=lambda records, meta: None,
    )
    await widget.import_file(path)
    counts = widget.error_counts
    assert counts.to_dict("records") == [
        {"field": "code", "message": "Is required", "count": 2},
        {"field": "code", "message": "Must be unique", "count": 2},
        {"field": "email", "message": "Must be a valid email address", "count": 2},
    ]
