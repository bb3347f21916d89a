"""Datasette plugin of the archive: the table pages of `reports` and `sections` at a million
reports (see archive/browse.py for the SQL and why), and the row pages of the `cells` view.

- Search: `?_search=` on `reports` and `sections` is this plugin's (no `fts_table` in the
  metadata; the search box, JSON API, CSV and URLs stay Datasette's). On `reports`, the page's
  rows are found with the search index driving and handed to Datasette's query as a list of ids
  (`browse.page`), exactly the rows Datasette's own `id IN (… MATCH …)` would give, a page at a
  time; with a sort, a request facet (`_facet=`), CSV streaming or a filter this plugin cannot
  rebuild (`_through`, `_search_<column>` …), Datasette's clause `id IN (SELECT rowid … MATCH …)`
  is used as it is. On `sections`, a search of common words reads the parts in id order
  checking their text (instr()), a rare one the parts of the matching reports.
- Counts: a search's count, and every count of the `cells` view (200 rows a report), is this
  plugin's: counted up to `browse.CAP` (the page says 10,000+ beyond; the JSON has
  `filtered_table_rows_count` exact up to the cap, null beyond, and `xxgk_count`: {"count",
  "more", "display"}); a reports page filtered on year, province, level, template, status alone
  is counted exactly from `reports_summary`. An ASGI wrapper adds `_nocount=xxgk` to such requests
  (so that Datasette does not count every row) and writes the count into the JSON.
- Facets: the reports table's default facets are of this plugin's type `xxgk`: exact from
  `reports_summary` when the page filters only on its columns, exact over the rows up to
  `browse.CAP`, else estimated from a sample (≈, the method stated). A facet asked for with
  `?_facet=` is Datasette's.
- `cells` is a view (archive/cells.py): its row pages `/xxgk/cells/<report>,<table>,<row>,<column>`
  (linked from every report page) are served here as Datasette serves a table's rows.
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.facets import ColumnFacet, Facet
from datasette.filters import FilterArguments, Filters
from datasette.utils import path_with_added_args, path_with_removed_args, tilde_decode, urlsafe_components
from datasette.utils.asgi import NotFound
from datasette.views.base import ureg
from datasette.views.row import RowView
from datasette.views.table import display_columns_and_rows

from archive import browse, search
from archive.browse import all_renditions

# filters this plugin does not rebuild: with them, Datasette's own search clause is used
UNREBUILT = ("_through", "_fts_table", "_fts_pk", "_searchmode")
SECTION_TEXT = "coalesce(heading, '') || char(10) || coalesce(text, '')"
TABLE_PATH = re.compile(r"^/[^/]+/(reports|sections|cells)(\.json)?$")
NOCOUNT = "xxgk"  # the wrapper's `_nocount` (any value stops Datasette's count): below


def _filters(request, datasette, database: str, table: str):
    """Datasette's filter clauses for this request as its table view builds them (column
    filters, `_where`, one row per publication), with the columns they name; None when the
    request has a filter this plugin does not rebuild."""
    args = request.args
    if any(k in args for k in UNREBUILT) or any(k.startswith("_search_") for k in args):
        return None
    pairs = [(k, v) for k in args if not (k.startswith("_") and "__" not in k) for v in args.getlist(k)]
    units = datasette.table_metadata(database, table).get("units", {})
    where, params = Filters(sorted(pairs), units, ureg).build_where_clauses(table)
    columns = {k.split("__")[0] for k, _ in pairs}
    if args.getlist("_where"):
        where += args.getlist("_where")
        columns.add("_where")
    if table == "reports" and not all_renditions(args):
        where.append("is_primary = 1")
        columns.add("is_primary")
    return where, params, columns


def _page_size(request, datasette, database: str, table: str) -> int | None:
    size = request.args.get("_size") or datasette.table_metadata(database, table).get("size") or datasette.page_size
    if size == "max":
        return datasette.max_returned_rows
    try:
        size = int(size)
    except ValueError:
        return None
    return size if 0 <= size <= datasette.max_returned_rows else None


def _paged(request) -> bool:
    """Whether the page's rows may be given as a list of ids: ordered by id, one page asked for,
    no facet of Datasette's reading the rows."""
    args = request.args
    return not any(k in args for k in ("_sort", "_sort_desc", "_stream")) \
        and not any(k.startswith("_facet") for k in args) and (args.get("_next") or "0").isdigit()


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if table not in ("reports", "sections", "cells"):
        return None

    async def inner():
        if table == "cells":
            await _count(request, datasette, database, "cells")
            return None
        clauses, params, human = [], {}, []
        if table == "reports" and not all_renditions(request.args):
            clauses.append("is_primary = 1")
            human.append("one row per publication (its primary rendition)")
        extra = {"supports_search": True}
        query = request.args.get("_search")
        if query:
            extra["search"] = query
            human.append(f'search matches "{query}"')
            search_clause, search_params = await (_reports_search if table == "reports" else _sections_search)(
                request, datasette, database, query)
            clauses.append(search_clause)
            params.update(search_params)
        elif table == "reports":
            await _count(request, datasette, database, "reports")
        return FilterArguments(clauses, params, human, extra)

    return inner


async def _reports_search(request, datasette, database: str, query: str) -> tuple[str, dict]:
    match = search.match_query(query)
    rebuilt = _filters(request, datasette, database, "reports")
    db = datasette.get_database(database)
    sel = browse.Selection("reports", tuple(rebuilt[0]), rebuilt[1], match) if rebuilt else None
    await _count(request, datasette, database, "reports", sel)
    size = _page_size(request, datasette, database, "reports")
    if sel is None or size is None or not _paged(request):
        return (f"id IN (SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH :xxgk_match)",
                {"xxgk_match": match})
    after = int(request.args["_next"]) if request.args.get("_next") else None
    ids = await db.execute_fn(lambda conn: browse.page(conn, sel, after, size))
    return "id IN (SELECT value FROM json_each(:xxgk_page))", {"xxgk_page": json.dumps(ids)}


async def _sections_search(request, datasette, database: str, query: str) -> tuple[str, dict]:
    s = search.section_search(query, SECTION_TEXT)
    if s.match is None:
        return "0", {}
    db = datasette.get_database(database)
    rebuilt = _filters(request, datasette, database, "sections")
    sel = browse.Selection("sections", tuple(rebuilt[0]), {**rebuilt[1], **s.params}, s.match, s.condition) \
        if rebuilt else None
    await _count(request, datasette, database, "sections", sel)
    return await db.execute_fn(lambda conn: browse.sections_clause(conn, s))


async def _count(request, datasette, database: str, table: str, sel: browse.Selection | None = None) -> None:
    """The page's count, where the ASGI wrapper asked for it (it took Datasette's away): exact
    from reports_summary for a reports page filtered on its columns, else counted up to the cap
    (nothing, when the filters are not rebuilt here: the page then shows no count)."""
    state = request.scope.get("xxgk")
    if state is None:
        return
    if sel is None:
        rebuilt = _filters(request, datasette, database, table)
        if rebuilt is None:
            return
        sel = browse.Selection(table, tuple(rebuilt[0]), rebuilt[1])
    exact = table == "reports" and sel.match is None
    db = datasette.get_database(database)
    n = await db.execute_fn(lambda conn: browse.summary_count(conn, sel) if exact else browse.count(conn, sel))
    state.update(count=n, capped=not exact and n > browse.CAP)


# --- counts: the ASGI wrapper ---------------------------------------------------------------------

@hookimpl
def asgi_wrapper(datasette):
    """The pages whose count is the plugin's (browse.counted_here): `_nocount=xxgk`, and the count
    written into their JSON. Datasette carries the argument into the page's forms and links (the
    search box, facets, next page): marked as ours, it does not pass for a `_nocount=1` asked for,
    which is left to Datasette (no count at all)."""
    def wrap(app):
        async def wrapped(scope, receive, send):
            found = TABLE_PATH.match(scope.get("path", "")) if scope.get("type") == "http" else None
            args = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True) if found else {}
            ours = args.get("_nocount") == [NOCOUNT]
            if not found or not browse.counted_here(found.group(1), args) or ("_nocount" in args and not ours) \
                    or args.get("_shape", [""])[0] in ("array", "object", "arrays", "objects"):
                return await app(scope, receive, send)
            state: dict = {}
            qs = scope.get("query_string", b"")
            if not ours:
                qs += (b"&" if qs else b"") + b"_nocount=" + NOCOUNT.encode()
            scope = dict(scope, query_string=qs, xxgk=state)
            if not found.group(2):
                return await app(scope, receive, send)  # a page: its template shows the count
            await app(scope, receive, _json_with_count(send, state))
        return wrapped
    return wrap


def _json_with_count(send, state: dict):
    start: dict = {}
    body: list[bytes] = []

    async def patched(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            return await send(message)
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        data = b"".join(body)
        if start.get("status") == 200 and "count" in state:
            try:
                doc = json.loads(data)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and "filtered_table_rows_count" in doc:
                doc["filtered_table_rows_count"] = None if state["capped"] else state["count"]
                doc["xxgk_count"] = _shown(state)
                data = json.dumps(doc, ensure_ascii=False, default=repr).encode("utf-8")
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    return patched


def _shown(state: dict) -> dict:
    n = state["count"]
    if state["capped"]:
        return {"count": browse.CAP, "more": True, "display": browse.shown(n)}
    return {"count": n, "more": False, "display": f"{n:,}"}


@hookimpl
def extra_template_vars(request):
    def xxgk_count():
        """The count of a page counted here ({count, more, display, estimate}; None: Datasette's)."""
        state = (request.scope.get("xxgk") if request is not None else None) or {}
        return {**_shown(state), "estimate": state.get("estimate")} if "count" in state else None
    return {"xxgk_count": xxgk_count}


# --- facets -----------------------------------------------------------------------------------

class XxgkFacet(Facet):
    """The reports table's default facets (metadata `facets: [{xxgk: column}]`): see browse.facets."""
    type = "xxgk"

    async def facet_results(self):
        configs = self.get_configs()
        if not configs:
            return [], []
        columns = [c["config"].get("column") or c["config"]["simple"] for c in configs]
        rebuilt = _filters(self.request, self.ds, self.database, self.table)
        if rebuilt is None or "id" not in await self.ds.get_database(self.database).primary_keys(self.table):
            return await _Fallback(columns, self).facet_results()
        where, params, named = rebuilt
        query = self.request.args.get("_search") if self.table in ("reports", "sections") else None
        match = search.match_query(query) if query else None
        if self.table == "sections" and query:
            s = search.section_search(query, SECTION_TEXT)
            sel = browse.Selection("sections", tuple(where), {**params, **s.params}, s.match, s.condition)
        else:
            sel = browse.Selection(self.table, tuple(where), params, match)
        size = self.get_facet_size()
        found = await self.ds.get_database(self.database).execute_fn(
            lambda conn: browse.facets(conn, sel, columns, size, browse.summarised(sel, named)))
        state = self.request.scope.get("xxgk")
        if state is not None and not found.exact:
            state["estimate"] = found.total
        return [self._info(c, found) for c in columns], []

    def _info(self, column: str, found: browse.Facets) -> dict:
        pairs = self.get_querystring_pairs()
        results = []
        for value, n in found.counts[column]:
            selected = (column, str(value)) in pairs
            path = path_with_removed_args(self.request, {column: str(value)}) if selected \
                else path_with_added_args(self.request, {column: value})
            results.append({"value": value, "label": value, "count": n, "selected": selected,
                            "count_text": f"{n:,}" if found.exact else f"≈ {n:,}",
                            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path))})
        return {"name": column, "type": "column", "hideable": False, "toggle_url": "",
                "results": results, "truncated": found.truncated[column],
                "estimated": not found.exact, "method": found.method}


class _Fallback(ColumnFacet):
    """Datasette's own column facets, for requests whose filters this plugin does not rebuild."""

    def __init__(self, columns: list[str], facet: Facet):
        super().__init__(facet.ds, facet.request, facet.database, sql=facet.sql, table=facet.table,
                         params=facet.params, metadata=facet.metadata, row_count=facet.row_count)
        self.columns = columns

    def get_configs(self):
        return [{"source": "metadata", "config": {"simple": c}} for c in self.columns]


@hookimpl
def register_facet_classes():
    return [XxgkFacet]


# --- row pages of the cells view ------------------------------------------------------------------

CELL_PK = ("report_id", "table_key", "row_key", "column_key")


class CellRowView(RowView):
    """/<db>/cells/<report>,<table>,<row>,<column>: a cell's row page and JSON, as Datasette
    serves the rows of a table with that primary key (cells was one until migration 0005)."""

    async def data(self, request, default_labels=False):
        database = self.ds.get_database(route=tilde_decode(request.url_vars["database"])).name
        values = urlsafe_components(request.url_vars["pks"])
        if len(values) != len(CELL_PK):
            raise NotFound("Record not found")
        sql = "SELECT * FROM cells WHERE " + " AND ".join(f"{c} = :p{i}" for i, c in enumerate(CELL_PK))
        results = await self.ds.get_database(database).execute(sql, {f"p{i}": v for i, v in enumerate(values)})
        rows = list(results.rows)
        if not rows:
            raise NotFound("Record not found")

        async def template_data():
            columns, display = await display_columns_and_rows(self.ds, database, "cells", results.description,
                                                              rows, link_column=False, truncate_cells=0)
            return {"private": False, "foreign_key_tables": [], "display_columns": columns,
                    "display_rows": display, "custom_table_templates": ["_table.html"],
                    "metadata": (self.ds.metadata("databases") or {}).get(database, {}).get("tables", {}).get("cells", {})}

        data = {"database": database, "table": "cells", "rows": rows, "columns": [d[0] for d in results.description],
                "primary_keys": list(CELL_PK), "primary_key_values": values, "units": {}}
        return data, template_data, ("row-cells.html", "row.html")


@hookimpl
def register_routes(datasette):
    return [(r"^/(?P<database>[^/.]+)/(?P<table>cells)/(?P<pks>[^/.]+)(\.(?P<format>\w+))?$",
             CellRowView.as_view(datasette))]
