"""`xxgk`: one command, thin subcommands over parsers/, archive/ and crawler/.

Each subcommand is a module of xxgk/commands defining a click command named `command`, imported
only when that subcommand runs (or `xxgk --help` lists it): `xxgk parse` never loads Scrapy or
Datasette. The modules keep their heavy imports inside the command function for the same reason.
"""
from __future__ import annotations

import importlib

import click

# command name -> module in xxgk/commands
COMMANDS = {
    "archive-writer": "archive_writer",
    "crawl": "crawl",
    "demo": "demo",
    "export": "export",
    "load": "load",
    "mock-portals": "mock",
    "parse": "parse",
    "reparse": "reparse",
    "schedule": "schedule",
    "serve": "serve",
    "sources": "sources",
    "status": "status",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"xxgk.commands.{COMMANDS[name]}").command


@click.group(cls=LazyGroup)
@click.version_option(package_name="xxgk-archive")
def cli() -> None:
    """Archive of government information-disclosure annual reports (政府信息公开工作年度报告)."""


def main() -> None:
    cli()
