"""Loading the machine-readable Bot API spec and validating requests against it.

The spec (``spec/api.json``) lists every method with its parameters (name, allowed types,
required flag, description) and every type with its fields. Validation is generic: types are
checked recursively, and length limits are parsed out of description texts such as
"1-4096 characters" or "1-64 bytes", so new methods get checked without extra code.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SPEC_PATH = Path(__file__).parent / "spec" / "api.json"

# Parameters that Telegram still accepts although the current spec no longer lists them;
# older aiogram call sites may send them.
LEGACY_PARAMETERS = {
    "reply_to_message_id",
    "allow_sending_without_reply",
    "disable_web_page_preview",
}

_LENGTH_PATTERN = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
_ARRAY_PREFIX = "Array of "


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass(frozen=True)
class LengthLimit:
    minimum: int
    maximum: int
    unit: str  # "characters" or "bytes"

    def measure(self, value: str) -> int:
        if self.unit == "bytes":
            return len(value.encode("utf-8"))
        # Telegram counts characters in UTF-16 code units.
        return len(value.encode("utf-16-le")) // 2

    def violation(self, value: str) -> str | None:
        """Returns "short" / "long" when the value breaks the limit, else None."""
        size = self.measure(value)
        if size < self.minimum:
            return "short"
        if size > self.maximum:
            return "long"
        return None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    length: LengthLimit | None
    # "after entities parsing": the limit applies to the text with markup removed, so the
    # method handler checks it after parsing instead of the generic validator.
    measured_after_parsing: bool


@dataclass
class MethodSpec:
    name: str
    returns: tuple[str, ...]
    fields: dict[str, FieldSpec] = field(default_factory=dict)


@dataclass
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    subtypes: tuple[str, ...] = ()


@dataclass
class UploadedFile:
    """A multipart file part of a Bot API request."""

    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class FileReference:
    """A validated InputFile-typed parameter: an upload, or a file_id / URL string."""

    upload: UploadedFile | None = None
    file_id_or_url: str | None = None


def _parse_field(raw: dict[str, Any]) -> FieldSpec:
    description = raw.get("description", "")
    match = _LENGTH_PATTERN.search(description)
    length = LengthLimit(int(match[1]), int(match[2]), match[3]) if match else None
    return FieldSpec(
        name=raw["name"],
        types=tuple(raw.get("types", [])),
        required=bool(raw.get("required", False)),
        description=description,
        length=length,
        measured_after_parsing="after entities parsing" in description,
    )


# Telegram-like wording for length violations that have a well-known answer; the key is
# (owner, field) where owner is a method or type name, "*" matches any owner.
_LENGTH_ERRORS: dict[tuple[str, str], dict[str, str]] = {
    ("*", "text"): {"short": "message text is empty", "long": "message is too long"},
    ("*", "caption"): {"long": "message caption is too long"},
    ("InlineKeyboardButton", "callback_data"): {
        "short": "BUTTON_DATA_INVALID",
        "long": "BUTTON_DATA_INVALID",
    },
    ("*", "title"): {"short": "INVOICE_TITLE_INVALID", "long": "INVOICE_TITLE_INVALID"},
    ("*", "description"): {
        "short": "INVOICE_DESCRIPTION_INVALID",
        "long": "INVOICE_DESCRIPTION_INVALID",
    },
    ("*", "payload"): {"short": "INVOICE_PAYLOAD_INVALID", "long": "INVOICE_PAYLOAD_INVALID"},
    ("createForumTopic", "name"): {"short": "TOPIC_NAME_EMPTY", "long": "TOPIC_NAME_INVALID"},
    ("editForumTopic", "name"): {"short": "TOPIC_NAME_EMPTY", "long": "TOPIC_NAME_INVALID"},
    ("BotCommand", "command"): {"short": "BOT_COMMAND_INVALID", "long": "BOT_COMMAND_INVALID"},
    ("BotCommand", "description"): {
        "short": "BOT_COMMAND_DESCRIPTION_INVALID",
        "long": "BOT_COMMAND_DESCRIPTION_INVALID",
    },
}


def length_error(owner: str, spec: FieldSpec, kind: str) -> ApiError:
    """Builds the Telegram-like error for a length violation of ``spec`` inside ``owner``."""
    for key in ((owner, spec.name), ("*", spec.name)):
        wording = _LENGTH_ERRORS.get(key, {}).get(kind)
        if wording:
            return bad_request(wording)
    assert spec.length is not None
    limit = spec.length
    return bad_request(f"{spec.name} must be {limit.minimum}-{limit.maximum} {limit.unit} long")


def _is_shape_mismatch(error: ApiError) -> bool:
    text = error.description
    return (
        text.startswith("Bad Request: field ")
        or "unknown field" in text
        or "an object expected" in text
        or "wrong type" in text
        or "wrong status" in text
        or "wrong source" in text
    )


class BotApiSpec:
    """The Bot API specification with a request validator built on it."""

    def __init__(self, path: Path | None = None) -> None:
        raw = json.loads((path or DEFAULT_SPEC_PATH).read_text(encoding="utf-8"))
        self.version: str = raw.get("version", "")
        self.methods: dict[str, MethodSpec] = {}
        self.types: dict[str, TypeSpec] = {}
        for name, method in raw["methods"].items():
            spec = MethodSpec(name=name, returns=tuple(method.get("returns", [])))
            for raw_field in method.get("fields", []):
                parsed = _parse_field(raw_field)
                spec.fields[parsed.name] = parsed
            self.methods[name] = spec
        for name, type_ in raw["types"].items():
            type_spec = TypeSpec(name=name, subtypes=tuple(type_.get("subtypes", [])))
            for raw_field in type_.get("fields", []):
                parsed = _parse_field(raw_field)
                type_spec.fields[parsed.name] = parsed
            self.types[name] = type_spec
        # Telegram method names are case-insensitive.
        self._method_by_lower = {name.lower(): name for name in self.methods}

    def canonical_method(self, name: str) -> str | None:
        return self._method_by_lower.get(name.lower())

    def field(self, method: str, name: str) -> FieldSpec | None:
        return self.methods[method].fields.get(name)

    # ----------------------------------------------------------------- validation
    def validate_request(
        self, method: str, params: dict[str, Any], uploads: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Checks the parameters of a call of ``method`` and returns them typed.

        ``params`` values are strings (query / form) or JSON values (JSON body). InputFile
        parameters become :class:`FileReference`. Raises :class:`ApiError` on the first problem.
        Parameters the method does not have are ignored, as Telegram ignores them (see
        :meth:`unknown_parameters`).
        """
        spec = self.methods[method]
        result: dict[str, Any] = {}
        for field_spec in spec.fields.values():
            present = field_spec.name in params or field_spec.name in uploads
            if not present:
                if field_spec.required:
                    raise self._missing_error(method, field_spec.name)
                continue
            value = self._coerce(
                params.get(field_spec.name), field_spec, uploads, owner=method, top_level=True
            )
            result[field_spec.name] = value
        for name in LEGACY_PARAMETERS & params.keys():
            result[name] = params[name]
        return result

    def unknown_parameters(self, method: str, params: dict[str, Any]) -> list[str]:
        """Names in ``params`` that ``method`` does not have (Telegram ignores them)."""
        fields = self.methods[method].fields
        return [name for name in params if name not in fields and name not in LEGACY_PARAMETERS]

    @staticmethod
    def _missing_error(method: str, name: str) -> ApiError:
        if name == "text" and method in {"sendMessage", "editMessageText"}:
            return bad_request("message text is empty")
        return bad_request(f"{name} is required")

    def _coerce(
        self,
        value: Any,
        spec: FieldSpec,
        uploads: dict[str, UploadedFile],
        owner: str,
        top_level: bool,
    ) -> Any:
        if value is None and spec.name in uploads and "InputFile" in spec.types:
            return FileReference(upload=uploads[spec.name])
        errors: list[tuple[str, ApiError]] = []
        for type_name in spec.types:
            try:
                converted = self._convert(value, type_name, spec, uploads, top_level)
            except ApiError as error:
                errors.append((type_name, error))
                continue
            if (
                isinstance(converted, str)
                and spec.length
                and not (top_level and spec.measured_after_parsing)
            ):
                kind = spec.length.violation(converted)
                if kind:
                    raise length_error(owner, spec, kind)
            return converted
        # When one of several object types fits the keys, its (nested) error is the useful
        # one, e.g. a bad button inside an inline keyboard rather than "not a reply markup".
        if len(errors) == 1:
            raise errors[0][1]
        parsed = value
        if isinstance(value, str) and top_level:
            with contextlib.suppress(ValueError):
                parsed = json.loads(value)
        if isinstance(parsed, dict):
            for type_name, error in errors:
                type_spec = self.types.get(type_name)
                fits = type_spec and parsed.keys() <= type_spec.fields.keys()
                if fits and not type_spec.subtypes:
                    raise error
        specific = [error for _, error in errors if not _is_shape_mismatch(error)]
        if specific:
            raise specific[0]
        expected = " or ".join(spec.types)
        raise bad_request(f'field "{spec.name}" must be of type {expected}')

    def _convert(
        self,
        value: Any,
        type_name: str,
        spec: FieldSpec,
        uploads: dict[str, UploadedFile],
        top_level: bool,
    ) -> Any:
        mismatch = bad_request(f'field "{spec.name}" must be of type {type_name}')
        if type_name == "Integer":
            if isinstance(value, bool):
                raise mismatch
            if isinstance(value, int):
                return value
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                return int(value)
            raise mismatch
        if type_name == "Float":
            if isinstance(value, bool):
                raise mismatch
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise mismatch from None
            raise mismatch
        if type_name == "Boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
                return value.lower() in {"true", "1"}
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise mismatch
        if type_name == "String":
            if isinstance(value, str):
                return value
            # A JSON body may carry numbers where strings are expected (e.g. chat_id).
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise mismatch
        if type_name == "InputFile":
            if isinstance(value, str) and value.startswith("attach://"):
                upload = uploads.get(value.removeprefix("attach://"))
                if upload is None:
                    raise bad_request(f"file {value} not found in the request")
                return FileReference(upload=upload)
            raise mismatch
        # Structured types arrive JSON-serialized in query strings and forms.
        if isinstance(value, str) and top_level:
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {spec.name} JSON object") from None
        if type_name.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                raise mismatch
            item_spec = FieldSpec(
                name=spec.name,
                types=(type_name.removeprefix(_ARRAY_PREFIX),),
                required=True,
                description="",
                length=None,
                measured_after_parsing=False,
            )
            return [self._coerce(item, item_spec, uploads, spec.name, False) for item in value]
        type_spec = self.types.get(type_name)
        if type_spec is None:
            raise mismatch
        return self.validate_object(value, type_spec, uploads)

    def validate_object(
        self, value: Any, type_spec: TypeSpec, uploads: dict[str, UploadedFile]
    ) -> Any:
        """Validates a JSON object against a spec type (trying each subtype of a union)."""
        if type_spec.subtypes:
            first_error: ApiError | None = None
            for subtype in type_spec.subtypes:
                candidate = self.types.get(subtype)
                if candidate is None:
                    continue
                try:
                    return self.validate_object(value, candidate, uploads)
                except ApiError as error:
                    first_error = first_error or error
            raise first_error or bad_request(f"can't parse {type_spec.name}")
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {type_spec.name}: an object expected")
        for name in value:
            if name not in type_spec.fields:
                raise bad_request(f'can\'t parse {type_spec.name}: unknown field "{name}"')
        result: dict[str, Any] = {}
        for field_spec in type_spec.fields.values():
            if field_spec.name not in value:
                if field_spec.required:
                    raise bad_request(
                        f'can\'t parse {type_spec.name}: field "{field_spec.name}" is required'
                    )
                continue
            result[field_spec.name] = self._coerce(
                value[field_spec.name], field_spec, uploads, type_spec.name, False
            )
        # Discriminated unions: a fixed "type"/"source"/"status" value must match the subtype.
        self._check_discriminator(value, type_spec)
        return result

    @staticmethod
    def _check_discriminator(value: dict[str, Any], type_spec: TypeSpec) -> None:
        for key in ("type", "status", "source"):
            field_spec = type_spec.fields.get(key)
            if field_spec is None or key not in value:
                continue
            expected = re.search(r'(?:must be|always) [“"]?(\w+)[”"]?', field_spec.description)
            if expected and expected[1] != "one" and value[key] != expected[1]:
                raise bad_request(f"can't parse {type_spec.name}: wrong {key}")


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> BotApiSpec:
    """The parsed spec, shared between emulators: parsing takes a noticeable fraction of a
    second and the spec is never mutated."""
    return BotApiSpec(path)
