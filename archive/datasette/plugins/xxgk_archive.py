"""Datasette plugin of the archive (loaded with --plugins-dir by `xxgk serve`; its settings, under
`plugins: xxgk_archive` in the metadata archive/serve.py writes: the database name, whether the
archive is a demo, where the captures' relative paths point).

- Search, counts and facets of `reports` and `sections`: the plugin xxgk_browse.py beside this
  one (`?_search=` with the bigram query of archive/search.py: words, OR, NOT, "phrases").
  For a request that names the index itself (`_fts_table=reports_fts`), Datasette's
  `escape_fts` is `archive.search.match_query` here too (registered last: Datasette's own
  registration runs in a default plugin).
- `reports` lists one row per publication (its primary rendition) unless the request asks for
  renditions: `_renditions=all`, or a filter on id, publication_id, is_primary or sha256
  (xxgk_browse.py); so its counts and facets count each publication once, in every format.
- Pages: a report's page (`archive.reportpage`: the three tables as printed, every number linked
  to its cell), `/-/captures/<id>/raw` (the archived original, sandboxed: `archive.originals`),
  `/-/about` (version, coverage, licence, how to cite), a demo banner on every page of a demo
  archive.
- Cells: snippets (text in 【】) shown with <mark>; report, section and capture ids in query
  results and views are links.
- Template variables: `xxgk_matches(rows, search)` (per report on a search page, the first part
  holding the terms, with a highlighted snippet), `xxgk_section_reports(rows)`,
  `xxgk_sections(report_id)`, `xxgk_snippet(text, search)`, `xxgk_reorder` (the reports table's
  reading order), `xxgk_page` (a report's page), `xxgk_demo`, `xxgk_search_help`.
- SQL functions xxgk_match, xxgk_snippet, xxgk_contains, xxgk_tokens for canned queries.
- The archive's connections memory-map the file (faster scans of many rows).
"""
from __future__ import annotations

import asyncio

from datasette import hookimpl
from datasette.utils import path_from_row_pks
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

import parsers
from archive import info, originals, reportpage, search
from archive.blobs import BlobError
from archive.browse import all_renditions
from archive.schema import TABLE

PLUGIN = "xxgk_archive"
# columns holding ids of other tables' rows: links wherever Datasette does not make them itself
ID_LINKS = {"report_id": "reports", "first_report_id": "reports", "other_report_id": "reports",
            "subject_report_id": "reports", "previous_report_id": "reports", "section_id": "sections",
            "capture_id": "captures", "last_run_id": "crawl_runs"}
# the reports table's columns as shown on its page: what a reader scans first, the hash last
REPORTS_FRONT = ("id", "title", "agency", "year", "province", "level", "template", "status", "published_date")


def _config(datasette) -> dict:
    return datasette.plugin_config(PLUGIN) or {}


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


def _highlight(text: str) -> Markup:
    return Markup(str(escape(text)).replace(search.SNIPPET_OPEN, "<mark>")
                  .replace(search.SNIPPET_CLOSE, "</mark>"))


def _link(datasette, database: str, table: str, value) -> Markup:
    return Markup(f'<a href="{escape(datasette.urls.row(database, table, str(value)))}">{escape(value)}</a>')


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "snippet" and isinstance(value, str) and search.SNIPPET_OPEN in value:
        return _highlight(value)
    if database is None or value is None or value == "":
        return None
    if column == "publication_id" and isinstance(value, int):  # every rendition of the publication
        url = datasette.urls.table(database, "reports") + f"?publication_id={value}"
        return Markup(f'<a href="{escape(url)}">{value}</a>')
    if column == "rendition_ids" and isinstance(value, str):
        return Markup(", ".join(_link(datasette, database, "reports", v) for v in value.split(",")))
    # a real table links its foreign keys itself; canned queries and views get the links here
    if column in ID_LINKS and isinstance(value, int) and table not in TABLE:
        return _link(datasette, database, ID_LINKS[column], value)
    return None


def reorder(columns: list[dict], rows) -> tuple[list[dict], list[list[dict]]]:
    """The reports table's columns in reading order (REPORTS_FRONT, the rest, sha256 last)."""
    names = [c["name"] for c in columns]
    order = [n for n in REPORTS_FRONT if n in names] + \
        [n for n in names if n not in REPORTS_FRONT and n != "sha256"] + [n for n in names if n == "sha256"]
    pos = {n: i for i, n in enumerate(names)}
    return ([columns[pos[n]] for n in order],
            [[list(row)[pos[n]] for n in order] for row in rows])


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    config = _config(datasette)

    async def xxgk_matches(rows, query):
        """[(report, section id, heading, snippet)] for the report rows of a search page: per
        report, the first part whose text holds the terms, else whose heading does."""
        if not query or not rows or database is None:
            return []
        by_id = {r["id"]: r for r in rows}
        ids = sorted(by_id)
        marks = ",".join("?" * len(ids))
        db = datasette.get_database(database)
        sections = (await db.execute(
            f"SELECT id, report_id, heading, text FROM sections WHERE report_id IN ({marks}) "
            "ORDER BY report_id, number, id", ids)).rows
        first: dict[int, tuple] = {}
        for in_text in (True, False):
            for s in sections:
                where = s["text"] if in_text else s["heading"]
                if s["report_id"] not in first and search.contains(where, query):
                    first[s["report_id"]] = (by_id[s["report_id"]], s["id"], s["heading"] or "",
                                             _highlight(search.snippet(where, query)))
        return [first[r["id"]] for r in rows if r["id"] in first]

    async def xxgk_section_reports(rows):
        """report id -> (agency, year, title) for the sections listed on a page."""
        ids = sorted({_raw(r["report_id"]) for r in rows})
        if not ids:
            return {}
        db = datasette.get_database(database)
        found = (await db.execute(f"SELECT id, agency, year, title FROM reports WHERE id IN "
                                  f"({','.join('?' * len(ids))})", ids)).rows
        return {r["id"]: r for r in found}

    async def xxgk_sections(report_id):
        """The parts of one report, in order (its row page shows their text)."""
        db = datasette.get_database(database)
        return (await db.execute("SELECT id, number, heading, text FROM sections WHERE report_id = ? "
                                 "ORDER BY number, id", [report_id])).rows

    async def xxgk_all_documents():
        db = datasette.get_database(database)  # (reports_summary: a few hundred rows, not a million)
        return (await db.execute("SELECT coalesce(sum(reports), 0) FROM reports_summary")).rows[0][0]

    async def inner():
        out = {"xxgk_matches": xxgk_matches, "xxgk_sections": xxgk_sections,
               "xxgk_section_reports": xxgk_section_reports, "xxgk_all_documents": xxgk_all_documents,
               "xxgk_snippet": lambda text, query: _highlight(search.snippet(text, query)),
               "xxgk_raw": _raw, "xxgk_reorder": reorder, "xxgk_demo": config.get("demo"),
               "xxgk_search_help": SEARCH_HELP,
               "xxgk_all_renditions": all_renditions(request.args) if request else True}
        if view_name == "row" and table == "reports" and request is not None:
            out["xxgk_page"] = await _report_page(datasette, database, request.url_vars.get("pks"))
        return out

    return inner


SEARCH_HELP = Markup(
    "搜索语法 · Search: <code>复议 诉讼</code> both (两词都有) · <code>复议 OR 诉讼</code> either (任一) · "
    "<code>复议 NOT 诉讼</code> or <code>复议 -诉讼</code> without (不含) · "
    "<code>\"行政复议 行政诉讼\"</code> a phrase (词组：依次相连，中间只有空格或标点) · "
    "<code>(复议 OR 诉讼) 公开</code> grouping")


def _raw(value):
    """A cell's value whether Datasette expanded it into {value, label} or not."""
    return value["value"] if isinstance(value, dict) else value


async def _report_page(datasette, database: str, pks: str | None) -> dict | None:
    if not pks or not pks.isdigit():
        return None
    db = datasette.get_database(database)
    page = await db.execute_fn(lambda conn: reportpage.page(conn, int(pks)))
    if page is None:
        return None
    cell_pk = ["report_id", "table_key", "row_key", "column_key"]
    for sec in page["sections"]:
        for block in sec["blocks"]:
            for row in block["rows"]:
                for cell in row["cells"]:  # each number links to its `cells` row
                    values = dict(zip(cell_pk, (int(pks), *cell["key"])))
                    cell["href"] = datasette.urls.row(database, "cells", path_from_row_pks(values, cell_pk, False))
    return page


# --- routes ----------------------------------------------------------------------------------

async def raw_capture(datasette, request):
    """The archived original of a capture, as captured, sandboxed (archive/originals.py)."""
    config = _config(datasette)
    capture_id = int(request.url_vars["capture_id"])
    db = datasette.get_database(config.get("database"))
    rows = (await db.execute("SELECT * FROM captures WHERE id = ?", [capture_id])).rows
    if not rows:
        return Response.text(f"no capture {capture_id}", status=404)
    capture = dict(rows[0])
    try:
        body, ctype = await asyncio.to_thread(originals.read, capture, config.get("data_dirs") or [])
    except BlobError as exc:
        return Response.text(f"the archived bytes of capture {capture_id} cannot be read: {exc}", status=404)
    return Response(body, content_type=ctype, headers=originals.headers(capture))


async def about(datasette, request):
    """What the archive is and holds, its licence and how to cite it (as of its last capture)."""
    database = _config(datasette).get("database")
    cov = await datasette.get_database(database).execute_fn(info.coverage)
    version = info.software_version()
    date = (cov["last_capture"] or "")[:10]
    site = str(request.url).removesuffix(request.path) + datasette.urls.database(database)
    context = {"cov": cov, "database": database, "description": datasette.metadata("description"),
               "version": version, "parser_version": parsers.PARSER_VERSION,
               "citation": info.citation(f"{version}, archive of {date or 'unknown date'}", date[:4] or "n.d.", site),
               "data_license": info.DATA_LICENSE, "code_license": info.CODE_LICENSE}
    return Response.html(await datasette.render_template("xxgk_about.html", context, request=request))


@hookimpl
def register_routes(datasette):
    return [(r"^/-/captures/(?P<capture_id>\d+)/raw$", raw_capture), (r"^/-/about$", about)]
