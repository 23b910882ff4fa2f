"""Logging filters named in ``LOGGING``."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx answer (permission denied, not found) is a warning without a traceback.

    Django attaches the exception to every ``django.request`` record; for a
    refusal the traceback says nothing an operator needs, and it buries real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
