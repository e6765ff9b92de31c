"""Logging glue: what reaches stderr, and how."""

import logging


class OneLineRefusals(logging.Filter):
    """A refusal (a 4xx: permission denied, not found, bad request) is logged
    as one line, without the traceback Django attaches to it: it is the app
    working, not failing. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
