"""Save an import's fields, mapping and options as JSON, and load them again.

Functions cannot be stored, so a config lists the names of the custom rules and
search providers it uses, and loading it requires them to be passed again.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from ._exceptions import SchemaError
from ._import_schema import ImportSchema
from ._providers import StaticProvider

CONFIG_VERSION = 1
OPTION_NAMES = (
    "throttle",
    "timeout",
    "title",
    "locale",
    "translations",
    "subtitles",
    "style",
    "pass_through",
    "number_locale",
    "with_header",
)
"""Widget options that a config stores; callbacks and `meta` are never stored."""


def build_config(
    schema: ImportSchema,
    mapping: Mapping[str, str | None],
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """Return a JSON-compatible config of the fields, mapping and options."""
    providers: dict[str, Any] = {}
    functions: dict[str, list[str]] = schema.custom_rule_names()
    functions["providers"] = []
    for name, provider in schema.providers.items():
        if isinstance(provider, StaticProvider):
            providers[name] = provider.to_config()
        else:
            functions["providers"].append(name)
    return {
        "version": CONFIG_VERSION,
        "fields": {spec.key: spec.to_config() for spec in schema.fields},
        "mapping": {key: column for key, column in mapping.items() if column},
        "options": {name: options[name] for name in OPTION_NAMES if name in options},
        "providers": providers,
        "functions": {kind: names for kind, names in functions.items() if names},
    }


def load_config(source: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """Return a config dict from a dict or the path of a JSON file.

    Raises `SchemaError` for a file that is not a config of this version.
    """
    if isinstance(source, Mapping):
        config = dict(source)
        where = "config"
    else:
        path = pathlib.Path(source)
        where = f"config file {str(path)!r}"
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SchemaError(f"{where} does not exist") from None
        except json.JSONDecodeError as error:
            raise SchemaError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(config, dict) or "fields" not in config:
        raise SchemaError(f"{where} has no 'fields': save it with widget.to_config()")
    version = config.get("version")
    if version != CONFIG_VERSION:
        raise SchemaError(
            f"{where} has version {version!r}; this release reads version "
            f"{CONFIG_VERSION}"
        )
    return config


def _missing_functions(
    config: Mapping[str, Any], arguments: Mapping[str, Any]
) -> list[str]:
    missing = []
    for kind, names in (config.get("functions") or {}).items():
        passed = arguments.get(kind) or {}
        absent = [name for name in names if name not in passed]
        if absent:
            missing.append(f"{kind} {', '.join(map(repr, absent))}")
    return missing


def widget_arguments(
    config: Mapping[str, Any], arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the `ImportWidget` arguments of `config`, overridden by `arguments`.

    Raises `SchemaError` naming the custom rules and providers that the config uses
    but `arguments` does not pass.
    """
    missing = _missing_functions(config, arguments)
    if missing:
        raise SchemaError(
            "The config uses functions that a config cannot store: "
            f"{'; '.join(missing)}. Pass them again, for example "
            "ImportWidget.from_config(config, validators={'name': function})."
        )
    result: dict[str, Any] = dict(config.get("options") or {})
    result["fields"] = config["fields"]
    result["column_mapping"] = dict(config.get("mapping") or {})

    providers: dict[str, Any] = {}
    for name, saved in (config.get("providers") or {}).items():
        providers[name] = StaticProvider(
            saved["options"],
            aliases=saved.get("aliases"),
            description=saved.get("description"),
            source=f"provider {name!r}",
        )
    providers.update(arguments.get("providers") or {})
    if providers:
        result["providers"] = providers
    result.update({k: v for k, v in arguments.items() if k != "providers"})
    return result


def save_config(config: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `config` to `path` as indented UTF-8 JSON."""
    text = json.dumps(config, indent=2, ensure_ascii=False)
    pathlib.Path(path).write_text(text + "\n", encoding="utf-8")
