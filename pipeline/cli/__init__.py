"""The `infracast` command line. Errors print one line and exit non-zero.

The `cli` group and what every command shares are in `app`; the commands are in
`episodes` (the episode flow), `service` (server, workers, shows, models) and `users`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from pipeline.cli import episodes, service, users
from pipeline.cli.app import cli, err
from pipeline.errors import InfracastError
from pipeline.orchestrate import StageFailed

COMMAND_MODULES = (episodes, service, users)  # importing them adds their commands to `cli`


def main(argv: list[str] | None = None) -> Any:
    """Entry point: user errors become one line on stderr and exit status 1."""
    try:
        return cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except InfracastError as e:
        err.print(f"error: {e.message}", style="red", markup=False, highlight=False)
        if isinstance(e, StageFailed):  # the message says what failed; the CLI says what next
            err.print(f"once that is fixed, retry it with: infracast retry {e.episode_id}")
        sys.exit(1)
