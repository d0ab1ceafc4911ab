"""UI text catalogs, the texts they must cover, and the locale and translations
options of the widget."""

from __future__ import annotations

import collections
import csv
import io
import json
import pathlib
import re

import pytest

from importok_widget import ImportWidget
from importok_widget._locale import LOCALES, check_locale, check_translations

REPO = pathlib.Path(__file__).resolve().parents[1]
JS = REPO / "js"
CATALOGS = JS / "locales"
SRC = REPO / "src" / "importok_widget"

PLACEHOLDER = re.compile(r"\{(\w+)\}")

# t("...") or t('...'), also as context.t or this.t, with the quote kinds kept apart.
T_CALL = re.compile(r"""\bt\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')""")
T_CALL_WITHOUT_LITERAL = re.compile(r"""\bt\(\s*`""")
JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.)")
JS_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def read_catalogs() -> dict[str, dict[str, str]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(CATALOGS.glob("*.json"))
    }


def decode_js_string(body: str) -> str:
    """Return the value of a JavaScript string literal's body (without quotes)."""

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape.startswith("u{"):
            return chr(int(escape[2:-1], 16))
        if escape.startswith("u") and len(escape) == 5:
            return chr(int(escape[1:], 16))
        return JS_SIMPLE_ESCAPES.get(escape, escape)

    return JS_ESCAPE.sub(replace, body)


def translated_literals() -> dict[str, list[str]]:
    """Return each t() literal of js/*.ts with the files that use it."""
    literals: dict[str, list[str]] = collections.defaultdict(list)
    for path in sorted(JS.glob("*.ts")):
        for match in T_CALL.finditer(path.read_text(encoding="utf-8")):
            body = match.group(1) if match.group(1) is not None else match.group(2)
            literals[decode_js_string(body)].append(path.name)
    return literals


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def template_pattern(key: str) -> re.Pattern[str] | None:
    """Return the whole-text pattern that js/i18n.ts builds for a key with
    placeholders, or None for keys it does not match messages against."""
    parts = PLACEHOLDER.split(key)
    if len(parts) == 1:
        return None
    literals = parts[0::2]
    if not re.search(r"[^\W\d_]{2}", " ".join(literals)):
        return None
    return re.compile("^" + r"([\s\S]+?)".join(map(re.escape, literals)) + "$")


def is_covered(message: str, catalog: dict[str, str]) -> bool:
    if message in catalog:
        return True
    patterns = (template_pattern(key) for key in catalog)
    return any(p is not None and p.match(message) for p in patterns)


# Catalogs


def test_catalogs_exist_for_every_locale() -> None:
    assert sorted(read_catalogs()) == sorted(set(LOCALES) - {"en"})


def test_locales_match_front_end() -> None:
    source = (JS / "i18n.ts").read_text(encoding="utf-8")
    match = re.search(r"export const LOCALES = \[([^\]]*)\] as const", source)
    assert match is not None, "js/i18n.ts defines no LOCALES list"
    assert re.findall(r'"(\w+)"', match.group(1)) == list(LOCALES)


def test_catalogs_map_text_to_text() -> None:
    for locale, catalog in read_catalogs().items():
        for key, value in catalog.items():
            assert isinstance(value, str), f"{locale}.json: {key!r} maps to {value!r}"
            assert value.strip(), f"{locale}.json: {key!r} has an empty translation"


def test_catalogs_have_same_keys() -> None:
    catalogs = read_catalogs()
    every_key = set().union(*(catalog.keys() for catalog in catalogs.values()))
    for locale, catalog in catalogs.items():
        missing = sorted(every_key - catalog.keys())
        assert missing == [], f"{locale}.json lacks keys that other catalogs have"


def test_translations_keep_placeholders() -> None:
    for locale, catalog in read_catalogs().items():
        for key, value in catalog.items():
            assert placeholders(value) == placeholders(key), (
                f"{locale}.json: the translation of {key!r} is {value!r}"
            )


def test_front_end_texts_are_in_catalogs() -> None:
    literals = translated_literals()
    # The front end has about 200 texts, so far fewer means the scan broke.
    assert len(literals) > 100, f"found only {len(literals)} t() texts in js/*.ts"
    for locale, catalog in read_catalogs().items():
        missing = {
            text: files for text, files in literals.items() if text not in catalog
        }
        assert missing == {}, f"{locale}.json lacks texts of js/*.ts"


def test_front_end_keys_are_literals() -> None:
    for path in sorted(JS.glob("*.ts")):
        source = path.read_text(encoding="utf-8")
        assert T_CALL_WITHOUT_LITERAL.search(source) is None, (
            f"{path.name} passes a template literal to t(): the key must be a "
            "plain string, with {name} placeholders for the values"
        )


def test_busy_values_are_in_catalogs() -> None:
    values = set()
    for path in SRC.glob("*.py"):
        values.update(re.findall(r'self\.busy = "([^"]+)"', path.read_text()))
    assert "Reading file" in values, "the scan of self.busy values found nothing"
    for locale, catalog in read_catalogs().items():
        missing = sorted(values - catalog.keys())
        assert missing == [], f"{locale}.json lacks busy values"


# Kernel messages that the browser translates

RULE_FIELDS = {
    "required": "required",
    "email": "email",
    "unique": "unique",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "between": "between:1,10",
    "length_min": "length:5",
    "length_range": "length:5,8",
    "length_max": "length:,2",
    "length_exact": "length:3,3",
    "date": "date",
    "date_format": "date:%d/%m/%Y",
    "regex": "regex:[A-Z]+",
    "url": "url",
    "phone": "phone",
    "phone_region": "phone:DE",
    "country": "in:countries",
    "currency": "in:currencies",
    "yes_no": "in:boolean",
    "team": "in:teams",
    "city": "in:cities",
    "custom": "vat",
}
"""One field per built-in validator message, keyed by field."""

FAILING_ROWS = [
    {"between": "abc", "custom": "x1"},
    {"between": "11", "custom": "x2"},
]
"""Values that fail every rule of RULE_FIELDS; `between` fails in both of its ways."""

FAILING_VALUES = {
    "required": "",
    "email": "ada@",
    "unique": "same",
    "integer": "1.5",
    "number": "abc",
    "boolean": "maybe",
    "length_min": "abc",
    "length_range": "abc",
    "length_max": "abc",
    "length_exact": "ab",
    "date": "2024-13-01",
    "date_format": "31-12-2024",
    "regex": "abc",
    "url": "example.com",
    "phone": "123",
    "phone_region": "1",
    "country": "XX",
    "currency": "EURO",
    "yes_no": "maybe",
    "team": "green",
    "city": "Nowhere",
}


def vat(value: str) -> bool:
    return not value.startswith("x")


@pytest.mark.anyio
async def test_validation_messages_are_in_catalogs() -> None:
    widget = ImportWidget(
        fields={key: {"validators": rule} for key, rule in RULE_FIELDS.items()},
        validators={"vat": vat},
        providers={
            "teams": ["red", "blue"],
            "cities": [f"City {number}" for number in range(20)],
        },
        on_record_ready=lambda record, meta: None,
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(RULE_FIELDS))
    writer.writeheader()
    for row in FAILING_ROWS:
        writer.writerow({**FAILING_VALUES, **row})
    await widget.import_file(buffer.getvalue().encode(), filename="rules.csv")

    messages = set(widget.errors["message"])
    failed_fields = set(widget.errors["field"])
    assert failed_fields == set(RULE_FIELDS), "some rules did not fail as planned"
    # between has two messages, one per failing row.
    assert len(messages) == len(RULE_FIELDS) + 1, sorted(messages)
    for locale, catalog in read_catalogs().items():
        missing = sorted(m for m in messages if not is_covered(m, catalog))
        assert missing == [], f"{locale}.json covers no key of these messages"


def test_template_prefers_specific_key() -> None:
    # The browser tries keys with more literal text first, so a length message
    # must not be read as the shorter "between" key with "50 characters long" as max.
    catalog = read_catalogs()["de"]
    message = "Must be between 2 and 50 characters long"
    matching = [
        key
        for key in catalog
        if (pattern := template_pattern(key)) is not None and pattern.match(message)
    ]
    longest = max(matching, key=lambda key: len(PLACEHOLDER.sub("", key)))
    assert longest == "Must be between {min} and {max} characters long"


# Options of the widget


def make_widget(**options: object) -> ImportWidget:
    return ImportWidget(
        {"name": {}}, on_record_ready=lambda record, meta: None, **options
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("en", "en"),
        ("de", "de"),
        ("de-DE", "de"),
        ("de_DE", "de"),
        ("EL", "el"),
        ("fr-CA", "fr"),
        (" es ", "es"),
        ("it_IT.UTF-8", "it"),
    ],
)
def test_locale_takes_language_part(locale: str, language: str) -> None:
    assert check_locale(locale) == language
    assert make_widget(locale=locale).locale == language


@pytest.mark.parametrize("locale", ["pt", "", "english", "-de"])
def test_locale_unsupported_raises(locale: str) -> None:
    with pytest.raises(ValueError, match="en, de, fr, es, it, el"):
        make_widget(locale=locale)


@pytest.mark.parametrize("locale", [None, 5, ["de"]])
def test_locale_not_string_raises(locale: object) -> None:
    with pytest.raises(TypeError, match="locale must be"):
        make_widget(locale=locale)


def test_locale_default_is_english() -> None:
    widget = make_widget()
    assert widget.locale == "en"
    assert widget.translations == {}


def test_locale_set_later_is_checked() -> None:
    widget = make_widget()
    widget.locale = "es-ES"
    assert widget.locale == "es"
    with pytest.raises(ValueError, match="not supported"):
        widget.locale = "pt"
    assert widget.locale == "es"


def test_translations_accepted() -> None:
    overrides = {"Upload a file": "Upload your contacts"}
    widget = make_widget(translations=overrides)
    assert widget.translations == overrides
    assert check_translations(None) == {}


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        (["Upload"], "must be a dict"),
        ("Upload", "must be a dict"),
        ({1: "one"}, "keys must be English text"),
        ({"Upload": 1}, r"translations\['Upload'\] must be text"),
        ({"Upload": None}, r"translations\['Upload'\] must be text"),
    ],
)
def test_translations_invalid_raises(translations: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make_widget(translations=translations)


def test_translations_set_later_are_checked() -> None:
    widget = make_widget()
    with pytest.raises(TypeError, match="must be text"):
        widget.translations = {"Upload": 2}
    assert widget.translations == {}


def test_config_keeps_locale_and_translations() -> None:
    widget = make_widget(locale="fr", translations={"Upload": "Envoyer"})
    widget.locale = "it"
    config = widget.to_config()
    assert config["options"]["locale"] == "it"
    assert config["options"]["translations"] == {"Upload": "Envoyer"}
    again = ImportWidget.from_config(config, on_record_ready=lambda r, m: None)
    assert again.locale == "it"
    assert again.translations == {"Upload": "Envoyer"}
