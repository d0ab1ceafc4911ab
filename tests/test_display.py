"""Display options (subtitles, style, the sample file) and the provider options
that the review grid's editor requests."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest

from importok_widget import ImportWidget, _browser

from .test_review import reply_of
from .test_widget import Browser

pytestmark = pytest.mark.anyio

FIELDS = {
    "name": {"label": "Full name", "validators": "required"},
    "country": {
        "label": "Country, ISO",
        "transformers": "as:countries",
        "validators": "in:countries",
        "provider": "countries",
    },
}


def ignore(record: Any, meta: Any) -> None:
    return None


def widget_with(**options: Any) -> ImportWidget:
    return ImportWidget(fields=FIELDS, on_record_ready=ignore, **options)


def test_display_options_are_synced() -> None:
    widget = widget_with(
        subtitles={"upload": "Drop the CRM export", "review": "Fix the red cells"},
        style=".importok { --iok-accent: rebeccapurple; }",
    )
    assert widget.subtitles == {
        "upload": "Drop the CRM export",
        "review": "Fix the red cells",
    }
    assert widget.css == ".importok { --iok-accent: rebeccapurple; }"
    assert widget.sample_file == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"subtitles": ["upload"]}, "subtitles must be a dict"),
        ({"subtitles": {"uplaod": "x"}}, "unknown step 'uplaod'"),
        ({"subtitles": {"upload": 3}}, r"subtitles\['upload'\] must be text"),
        ({"style": {"color": "red"}}, "style must be CSS text"),
        ({"sample_file": 3}, "sample_file must be True or the path"),
    ],
)
def test_invalid_display_options_raise(options: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        widget_with(**options)


def test_missing_sample_file_is_reported(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        widget_with(sample_file=tmp_path / "missing.csv")


def test_display_options_survive_a_config() -> None:
    widget = widget_with(subtitles={"mapping": "Match the columns"}, style="p {}")
    again = ImportWidget.from_config(widget.to_config(), on_record_ready=ignore)
    assert again.subtitles == {"mapping": "Match the columns"}
    assert again.css == "p {}"


async def test_sample_file_from_labels() -> None:
    widget = widget_with(sample_file=True)
    assert widget.sample_file == "sample.csv"
    browser = Browser(widget)
    browser.send({"type": "download_sample", "request": "s1"})
    content, buffers = await reply_of(browser, "download")
    assert content == {
        "type": "download",
        "request": "s1",
        "filename": "sample.csv",
        "mime": "text/csv",
    }
    rows = list(csv.reader(io.StringIO(buffers[0].decode("utf-8-sig"))))
    assert rows == [["Full name", "Country, ISO"]]


async def test_sample_file_from_path_maps_itself(tmp_path) -> None:
    path = tmp_path / "contacts-sample.csv"
    path.write_text("Full name,Country\nAda Lovelace,United Kingdom\n")
    widget = widget_with(sample_file=str(path))
    assert widget.sample_file == "contacts-sample.csv"
    browser = Browser(widget)
    browser.send({"type": "download_sample", "request": "s2"})
    content, buffers = await reply_of(browser, "download")
    assert content["filename"] == "contacts-sample.csv"
    assert buffers[0] == path.read_bytes()

    # The downloaded sample, uploaded again, maps and passes every rule.
    browser.upload("contacts-sample.csv", buffers[0])
    await browser.wait_for_step("mapping")
    assert widget.mapping == {"name": "Full name", "country": "Country"}
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    assert widget.review["invalid"] == 0
    assert widget.records.loc[0, "country"] == "GB"


async def test_sample_file_removed_after_start(tmp_path) -> None:
    path = tmp_path / "gone.csv"
    path.write_text("Full name\n")
    widget = widget_with(sample_file=path)
    path.unlink()
    browser = Browser(widget)
    browser.send({"type": "download_sample", "request": "s3"})
    assert "Cannot read the sample file 'gone.csv'" in widget.error
    assert widget.step == "upload"


async def test_no_sample_file_is_an_error() -> None:
    widget = widget_with()
    browser = Browser(widget)
    browser.send({"type": "download_sample", "request": "s4"})
    assert widget.error == "This widget offers no sample file."


def test_fields_say_which_have_a_provider() -> None:
    widget = widget_with()
    assert [(f["key"], f["provider"]) for f in widget.fields] == [
        ("name", False),
        ("country", True),
    ]


async def test_provider_options_answer_a_query() -> None:
    widget = widget_with()
    browser = Browser(widget)
    browser.send(
        {
            "type": "provider_options",
            "request": "p1",
            "field": "country",
            "query": "germ",
        }
    )
    content, _ = await reply_of(browser, "provider_options")
    assert content["request"] == "p1"
    assert content["error"] == ""
    assert content["options"][0] == {"value": "DE", "label": "Germany"}
    assert len(content["options"]) <= _browser.MAX_PROVIDER_OPTIONS


async def test_provider_options_of_field_without_provider() -> None:
    widget = widget_with()
    browser = Browser(widget)
    browser.send(
        {"type": "provider_options", "request": "p2", "field": "name", "query": ""}
    )
    assert widget.error == "Field 'name' has no provider."


def ask_lookup(search: Any) -> tuple[ImportWidget, Browser]:
    """Ask for the options of a field whose provider calls `search`."""
    widget = ImportWidget(
        fields={"team": {"provider": "teams"}},
        providers={"teams": search},
        on_record_ready=ignore,
    )
    browser = Browser(widget)
    browser.send(
        {"type": "provider_options", "request": "p3", "field": "team", "query": "r"}
    )
    return widget, browser


async def test_provider_lookup_that_hangs_times_out(monkeypatch) -> None:
    monkeypatch.setattr(_browser, "PROVIDER_TIMEOUT", 0.2)

    async def search(query: str) -> list[str]:
        await asyncio.sleep(3600)
        return []

    widget, browser = ask_lookup(search)
    content, _ = await reply_of(browser, "provider_options")
    assert content["options"] == []
    assert content["error"] == "The options of 'team' took longer than 0.2 s."
    assert widget.error == ""


async def test_provider_lookup_that_raises() -> None:
    def search(query: str) -> list[str]:
        raise ConnectionError("CRM is down")

    widget, browser = ask_lookup(search)
    content, _ = await reply_of(browser, "provider_options")
    assert content["error"] == "The options of 'team' failed: CRM is down"
