"""Datasette plugin of the archive (loaded with --plugins-dir by `xxgk serve`).

- Chinese search: Datasette's `?_search=` runs `... MATCH escape_fts(:search)`; for a database
  holding `reports_fts` this plugin registers `escape_fts` as `archive.search.match_query`, so the
  search box, the JSON API, pagination and facets all get the bigram phrase query while the
  search box keeps showing what was typed. (Registered last: Datasette's own registration of
  `escape_fts` runs in a default plugin.)
- `sections` has no FTS table of its own: `?_search=` there keeps the sections of matching
  reports (one FTS lookup) that contain every term (`search.section_condition`).
- SQL functions xxgk_match, xxgk_snippet, xxgk_contains, xxgk_tokens for canned queries.
- Template functions: `xxgk_matches(rows, search)` (per report on a search page, the first
  section holding the terms with a highlighted snippet), `xxgk_snippet(text, search)` and
  `xxgk_sections(report_id)` (a report's row page shows its text).
- Snippet cells (text in 【】) are shown with <mark>.
- The archive's connections memory-map the file (faster scans of many rows).
"""
from __future__ import annotations

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from archive import search


def _has_index(conn) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [search.FTS_TABLE]).fetchone() is not None


# Memory-map the archive: a search that matches most reports reads most rows of `reports` once
# per query (count, page, five facets); mapped pages save the copying. Safe beside a writing
# crawl: only the database file is mapped (not the log), and the archive file never shrinks (no
# VACUUM; a shrinking file is the one hazard of a mapping).
MMAP_BYTES = 16 * 2**30


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    search.register_functions(conn)
    if _has_index(conn):
        conn.create_function("escape_fts", 1, search.match_query, deterministic=True)
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    query = request.args.get("_search")
    if table != "sections" or not query:
        return None
    condition, params = search.section_condition(
        query, "coalesce(heading, '') || char(10) || coalesce(text, '')")
    return FilterArguments([condition], params, [f'search matches "{query}"'],
                           {"supports_search": True, "search": query})


def _highlight(text: str) -> Markup:
    return Markup(str(escape(text)).replace(search.SNIPPET_OPEN, "<mark>")
                  .replace(search.SNIPPET_CLOSE, "</mark>"))


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "snippet" and isinstance(value, str) and search.SNIPPET_OPEN in value:
        return _highlight(value)
    return None


@hookimpl
def extra_template_vars(datasette, database):
    async def xxgk_matches(rows, query):
        """[(report_id, section id, heading, snippet)] for the report rows of a search page."""
        if not query or not rows or database is None:
            return []
        ids = sorted({r["id"] for r in rows})
        marks = ",".join("?" * len(ids))
        db = datasette.get_database(database)
        sections = (await db.execute(
            f"SELECT id, report_id, heading, text FROM sections WHERE report_id IN ({marks}) "
            "ORDER BY report_id, number, id", ids)).rows
        # per report, the first part whose text holds the terms, else whose heading does
        first: dict[int, tuple] = {}
        for in_text in (True, False):
            for s in sections:
                where = s["text"] if in_text else s["heading"]
                if s["report_id"] not in first and search.contains(where, query):
                    first[s["report_id"]] = (s["report_id"], s["id"], s["heading"] or "",
                                             _highlight(search.snippet(where, query)))
        return [first[r["id"]] for r in rows if r["id"] in first]

    async def xxgk_sections(report_id):
        """The parts of one report, in order (its row page shows their text)."""
        db = datasette.get_database(database)
        return (await db.execute("SELECT id, number, heading, text FROM sections WHERE report_id = ? "
                                 "ORDER BY number, id", [report_id])).rows

    return {"xxgk_matches": xxgk_matches, "xxgk_sections": xxgk_sections,
            "xxgk_snippet": lambda text, query: _highlight(search.snippet(text, query))}
