"""The archive: captures, reports and their derived rows in SQLite (sqlite-utils), with full-text
search, cross-report checks, dataset export and Datasette serving."""
