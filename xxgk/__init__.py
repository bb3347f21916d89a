"""The `xxgk` command-line tool."""
