#!/usr/bin/env python
"""Django's command-line utility. Operators use `weerbaarnl` instead; this is for developers."""

import os
import sys

from server.config import ConfigError


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        sys.stderr.write(f"weerbaarnl: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
