"""`xxgk`: one command, thin subcommands over parsers/, archive/ and crawler/."""
from __future__ import annotations

import importlib

import click

# subcommand modules; each defines a click command named `command`
_COMMANDS = [
    "xxgk.commands.parse",
]


@click.group()
@click.version_option(package_name="xxgk-archive")
def cli() -> None:
    """Archive of government information-disclosure annual reports (政府信息公开工作年度报告)."""


for _mod in _COMMANDS:
    cli.add_command(importlib.import_module(_mod).command)


def main() -> None:
    cli()
