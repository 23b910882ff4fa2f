"""Registry of question importers, by format name and file extension."""

from pathlib import Path

from django.utils.translation import gettext as _

from questions.importers.base import FileRejected, Importer, ParsedQuestion, ParseResult

REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    REGISTRY[cls.name] = cls
    return cls


def importer_for(*, format: str | None = None, filename: str = "") -> Importer:
    """The importer named ``format``, else the one for ``filename``'s extension."""
    if format:
        if format not in REGISTRY:
            raise FileRejected(
                _("định dạng %(format)s không được hỗ trợ; dùng: %(known)s")
                % {"format": repr(format), "known": ", ".join(sorted(REGISTRY))},
                "format_unknown",
            )
        return REGISTRY[format]()
    suffix = Path(filename).suffix.lower().lstrip(".")
    for cls in REGISTRY.values():
        if suffix in cls.extensions:
            return cls()
    raise FileRejected(
        _("không đoán được định dạng của tệp .%(suffix)s; hãy chỉ rõ --format (%(known)s)")
        % {"suffix": suffix, "known": ", ".join(sorted(REGISTRY))},
        "format_unknown",
    )


from questions.importers import aiken, gift, moodlexml, spreadsheet  # noqa: E402, F401

__all__ = ["REGISTRY", "FileRejected", "Importer", "ParseResult", "ParsedQuestion", "importer_for"]
