"""`xxgk`: one command, thin subcommands over parsers/, archive/ and crawler/."""
from __future__ import annotations

import importlib
import pkgutil

import click

from xxgk import commands


@click.group()
@click.version_option(package_name="xxgk-archive")
def cli() -> None:
    """Archive of government information-disclosure annual reports (政府信息公开工作年度报告)."""


# each module in xxgk/commands defines a click command named `command`
for _info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    cli.add_command(importlib.import_module(f"xxgk.commands.{_info.name}").command)


def main() -> None:
    cli()
