"""One exception hierarchy for everything a user can cause or act on.

`InfracastError` carries a message written for the user: the CLI prints it on
one line, the web app shows it, a failed stage stores it on the episode.
`TransientError` is the retryable branch (network, broker, a busy database):
workers retry those with backoff and never retry anything else.
"""

from __future__ import annotations


class InfracastError(Exception):
    """An error whose message tells the user what happened and what to do."""

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(InfracastError):
    """The input itself is unusable (empty, binary, too large, not an article)."""

    http_status = 422


class TooLargeError(InputError):
    """The input is over a size limit (the article's text, an uploaded file)."""

    http_status = 413


class NotFoundError(InfracastError):
    """An episode, show or file that does not exist."""

    http_status = 404


class ConflictError(InfracastError):
    """The request does not fit the episode's current state or version."""

    http_status = 409


class ConfigError(InfracastError):
    """The configuration is invalid or names something that is not installed."""

    http_status = 500


class TransientError(InfracastError):
    """A failure that may pass on its own (network, broker): safe to retry."""

    http_status = 503


class Held(InfracastError):
    """A stage cannot go on until a person decides (QA failed, unpublished): the episode
    waits in its state with this message, and is not failed."""

    http_status = 409
