"""The archive's tables as data: columns, keys, foreign keys, indexes and what each column means.

Table and column names are the researchers' API (Datasette URLs, exports): never rename one.
`archive.db.open_db` brings every archive to this schema through the migrations in
`archive/migrations.py`: a table or column added later names the migration that adds it
(`TableDef.created_by`, `TableDef.added`), so old archives get it too. `archive.export` and the Datasette
metadata read the descriptions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Headline figures on `reports`: one row per report answers most questions.
# (column, English description); how each is derived from cells is in archive/headline.py.
HEADLINE: list[tuple[str, str]] = [
    ("new_requests", "Requests newly received this year (section 三 row 一, column 总计)"),
    ("carried_over", "Requests carried over from last year (row 二, 总计)"),
    ("granted", "Requests answered by full disclosure (（一）予以公开, 总计)"),
    ("partially_granted", "Requests answered by partial disclosure (（二）部分公开, 总计)"),
    ("withheld", "Requests refused (（三）不予公开, sum of its 8 reasons, 总计)"),
    ("unavailable", "Requests where the information could not be provided (（四）无法提供, sum, 总计)"),
    ("not_processed", "Requests not processed (（五）不予处理, sum, 总计)"),
    ("other_handled", "Requests handled otherwise (（六）其他处理, sum, 总计)"),
    ("total_processed", "Requests processed in total (（七）总计, 总计)"),
    ("carried_forward", "Requests carried forward to next year (row 四, 总计)"),
    ("reviews", "Administrative reviews (行政复议) about disclosure, total"),
    ("lawsuits", "Administrative lawsuits about disclosure, total (direct + after review)"),
    ("regulations_issued", "Rules (规章) issued this year (2021: 本年制发件数; 2019: 本年新制作数量)"),
    ("normative_documents_issued", "Normative documents issued this year (same columns as rules)"),
    ("licensing_decisions", "Administrative licensing decisions this year"),
    ("penalty_decisions", "Administrative penalty decisions this year"),
    ("coercion_decisions", "Administrative coercion decisions this year"),
    ("fees_10k_yuan", "Administrative fees collected this year, 10,000 yuan (2021 template only)"),
]


# Numbers as printed: declared "ANY" gives NUMERIC affinity in a non-strict table, so 36 is stored
# as the integer 36 and 0.5 as a real (a REAL column would turn every count into 36.0).
NUMBER = "ANY"

BASELINE = "0001_tables"  # the migration creating the tables every archive has had from the start


@dataclass(frozen=True)
class TableDef:
    name: str
    doc: str
    columns: dict[str, tuple[type | str, str]]  # column -> (Python type or NUMBER, English description)
    pk: str | tuple[str, ...] | None = None
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, other table, other column)
    not_null: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    partial_indexes: tuple[tuple[tuple[str, ...], str], ...] = ()  # (columns, WHERE condition)
    unique: tuple[tuple[str, ...], ...] = ()
    without_rowid: bool = False  # the table is its primary-key index (cells: the bulk of the archive)
    # migrations, named "NNNN_what" and applied in name order: the one creating the table, and
    # for columns added later, column -> the one adding it (declare them last, in that order)
    created_by: str = BASELINE
    added: dict[str, str] = field(default_factory=dict)
    # columns added later that are NOT NULL with a default (what rows written before had)
    defaults: dict[str, object] = field(default_factory=dict)
    # a view with these columns (the researchers' API), stored in other tables: not created here
    # (cells: archive/cells.py); exports describe it as this table
    view: bool = False
    # storage behind such a view: hidden in Datasette, not exported as CSV (the view is)
    internal: bool = False

    @property
    def stored(self) -> bool:
        """A table this schema creates (not a view of the API)."""
        return not self.view


TABLES: list[TableDef] = [
    TableDef(
        "sources",
        "Portals and agencies that publish reports (one row per source; id is a stable slug).",
        {
            "id": (str, "Stable slug of the source"),
            "name": (str, "Name of the agency or portal"),
            "level": (str, "ministry / province / city / county / township / department"),
            "province": (str, "Province (省级行政区)"),
            "city": (str, "City (地级)"),
            "county": (str, "County (县级)"),
            "region_code": (str, "Administrative division code where known"),
            "entry_url": (str, "Where the crawler starts for this source"),
            "platform": (str, "Publishing platform (CMS) of the portal"),
            "flags": (str, "Crawler flags (JSON)"),
            "parent_id": (str, "The source whose summary report covers this one (e.g. the city for a "
                               "district), used by the parent_sum cross-report check"),
        },
        pk="id",
        foreign_keys=(("parent_id", "sources", "id"),),
        indexes=(("level",), ("province",), ("parent_id",)),
    ),
    TableDef(
        "crawl_runs",
        "One row per crawl of one source, with counters.",
        {
            "id": (int, "Run id"),
            "source_id": (str, "Source crawled (NULL: several)"),
            "started_at": (str, "UTC start time (ISO 8601)"),
            "finished_at": (str, "UTC end time (ISO 8601)"),
            "requests": (int, "HTTP requests made"),
            "bytes": (int, "Bytes downloaded"),
            "reports_new": (int, "Reports archived for the first time"),
            "reports_changed": (int, "Known URLs whose report content changed"),
            "reports_unchanged": (int, "Reports already archived unchanged"),
            "attachments": (int, "Attachments fetched"),
            "blocked": (int, "Requests refused by the portal (WAF, captcha, 403)"),
            "errors": (int, "Failed requests"),
            "duration_s": (float, "Seconds from the run's start to the source's last archived capture"),
            "status": (str, "running / finished / failed / disallowed / killed (the crawl died; marked by the next run)"),
            "lists_incomplete": (int, "Lists that declared more records (or pages) than the crawl reached "
                                      "(findings `list_incomplete` say which)"),
        },
        pk="id",
        foreign_keys=(("source_id", "sources", "id"),),
        indexes=(("source_id",),),
        added={"lists_incomplete": "0002_lists_incomplete"},
    ),
    TableDef(
        "captures",
        "Every raw document fetched or loaded, with where its bytes are kept.",
        {
            "id": (int, "Capture id"),
            "url": (str, "URL the document was fetched from (NULL for local files)"),
            "fetched_at": (str, "UTC fetch time (ISO 8601)"),
            "http_status": (int, "HTTP status code"),
            "media_type": (str, "Media type as declared or detected"),
            "encoding": (str, "Declared character encoding"),
            "sha256": (str, "SHA-256 of the document bytes"),
            "size": (int, "Document size in bytes"),
            "warc_file": (str, "WARC file holding the response, relative to the data directory"),
            "warc_offset": (int, "Byte offset of the WARC record"),
            "path": (str, "Local file path for documents loaded from disk"),
            "source_id": (str, "Source the document belongs to"),
            "kind": (str, "report / attachment / listing / blocked / error"),
            "parent_capture_id": (int, "The page an attachment was linked from"),
            "run_id": (int, "Crawl run that fetched it"),
            "locator": (str, "url, else path: with sha256, what makes a capture unique"),
        },
        pk="id",
        foreign_keys=(("source_id", "sources", "id"), ("parent_capture_id", "captures", "id"),
                      ("run_id", "crawl_runs", "id")),
        not_null=("sha256", "locator", "kind"),
        # (no index on sha256 alone: the unique key starts with it)
        indexes=(("url",), ("source_id",), ("run_id",), ("kind",)),
        unique=(("sha256", "locator"),),
    ),
    TableDef(
        "reports",
        "One row per distinct report document (by content hash), with its headline figures; the renditions "
        "of one report share a publication_id, and is_primary marks the one every count uses.",
        {
            "id": (int, "Report id"),
            "sha256": (str, "SHA-256 of the document bytes: the report's identity"),
            "capture_id": (int, "First capture of the document"),
            "source_id": (str, "Source that published it"),
            "agency": (str, "Reporting agency (from the report, else the source)"),
            "province": (str, "Province (from the source or sidecar metadata)"),
            "level": (str, "Administrative level (from the source or sidecar metadata)"),
            "year": (int, "Reporting year"),
            "template": (str, "Template version: 2021 / 2019 / pre2019"),
            "title": (str, "Title as printed"),
            "url": (str, "URL of the first capture"),
            "published_date": (str, "Publication date (ISO 8601) where known"),
            "status": (str, "Parse status: ok / partial / failed"),
            "parser_version": (str, "Parser version that produced the derived rows"),
            "media_type": (str, "Detected media type of the document"),
            "n_cells": (int, "Number of table cells parsed"),
            "n_findings": (int, "Number of parser findings (scope report)"),
            **{name: (NUMBER, doc) for name, doc in HEADLINE},
            "publication_id": (int, "The publication this document is a rendition of: the id of its first "
                                    "archived rendition (archive/publications.py; NULL until the cross-report "
                                    "checks after a load or crawl have grouped it)"),
            "is_primary": (int, "1 for the rendition that stands for its publication in every count (the rule: "
                                "docs/archive.md, Publications); 0 for the other renditions"),
        },
        pk="id",
        foreign_keys=(("capture_id", "captures", "id"), ("source_id", "sources", "id")),
        not_null=("sha256",),
        indexes=(("year",), ("province",), ("level",), ("template",), ("status",),
                 ("source_id",), ("agency", "year"), ("publication_id",), ("parser_version",),
                 # the reports page lists one row per publication (is_primary = 1) in id order:
                 # filtered by one of these, its rows come from the index in that order (its facets
                 # and counts come from reports_summary)
                 *(("is_primary", c) for c in ("year", "province", "level", "template", "status"))),
        # a year's publications by requests received, largest first (top_agencies_by_requests);
        # partial, so that no other query's order (Datasette's `_sort=year` pages) follows it
        partial_indexes=((("year", "new_requests"), "is_primary = 1 AND new_requests IS NOT NULL"),),
        unique=(("sha256",),),
        added={"publication_id": "0003_publications", "is_primary": "0003_publications"},
        defaults={"is_primary": 1},  # a new document counts as a publication of its own until grouped
    ),
    TableDef(
        "sections",
        "The six numbered parts of each report, with their text.",
        {
            "id": (int, "Section id"),
            "report_id": (int, "Report"),
            "number": (int, "Part number 1-6 (0: text before part 一)"),
            "heading": (str, "Heading as printed"),
            "text": (str, "Full text of the part"),
        },
        pk="id",
        foreign_keys=(("report_id", "reports", "id"),),
        indexes=(("report_id",),),
    ),
    TableDef(
        "cells",
        "Every table cell of every report, long format, addressed by the template's stable keys.",
        {
            "report_id": (int, "Report"),
            "table_key": (str, "active (section 二) / applications (三) / appeals (四)"),
            "row_key": (str, "Row key from the template (see keys)"),
            "column_key": (str, "Column key from the template (see keys)"),
            "value": (NUMBER, "Numeric value as printed (NULL when printed blank)"),
            "raw": (str, "Cell text as printed"),
            "imputed": (int, "1 when the value was not printed but inferred"),
            "source": (str, "Where in the document the value was read (JSON)"),
        },
        pk=("report_id", "table_key", "row_key", "column_key"),
        foreign_keys=(("report_id", "reports", "id"),),
        view=True,  # a view over cell_values and cell_keys (archive/cells.py); a table until 0005
    ),
    TableDef(
        "cell_keys",
        "The keys cells are stored under: one integer id per (table_key, row_key, column_key) (storage "
        "behind the cells view; ids are never reused).",
        {
            "id": (int, "Key id"),
            "table_key": (str, "active / applications / appeals"),
            "row_key": (str, "Row key from the template (see keys)"),
            "column_key": (str, "Column key from the template (see keys)"),
        },
        pk="id",
        not_null=("table_key", "row_key", "column_key"),
        unique=(("table_key", "row_key", "column_key"),),
        created_by="0005_compact_storage",
        internal=True,
    ),
    TableDef(
        "cell_values",
        "Every table cell of every report by (report, key id): the storage behind the cells view.",
        {
            "report_id": (int, "Report"),
            "key_id": (int, "Key (cell_keys.id)"),
            "value": (NUMBER, "Numeric value as printed (NULL when printed blank)"),
            "raw": (str, "Cell text as printed"),
            "imputed": (int, "1 when the value was not printed but inferred"),
            "source": (str, "Where in the document the value was read (JSON)"),
        },
        pk=("report_id", "key_id"),
        foreign_keys=(("report_id", "reports", "id"), ("key_id", "cell_keys", "id")),
        without_rowid=True,
        created_by="0005_compact_storage",
        internal=True,
    ),
    TableDef(
        "facts",
        "Figures stated in the narrative (e.g. 全年共收到政府信息公开申请36件).",
        {
            "id": (int, "Fact id"),
            "report_id": (int, "Report"),
            "key": (str, "Fact key (see keys, table_key 'facts')"),
            "value": (NUMBER, "The figure"),
            "text": (str, "The sentence it was read from"),
        },
        pk="id",
        foreign_keys=(("report_id", "reports", "id"),),
        indexes=(("report_id",), ("key",)),
    ),
    TableDef(
        "findings",
        "Problems found in a report (scope 'report') or across reports (scope 'cross_report').",
        {
            "id": (int, "Finding id"),
            "report_id": (int, "Report (NULL for cross-report findings)"),
            "code": (str, "What was found, e.g. identity_break, total_omitted, carry_chain"),
            "severity": (str, "error / warning / info"),
            "message": (str, "Human-readable explanation"),
            "identity": (str, "Identity id from the template, for identity breaks"),
            "table_key": (str, "Table of the cell concerned"),
            "row_key": (str, "Row of the cell concerned"),
            "column_key": (str, "Column of the cell concerned"),
            "details": (str, "Everything else, JSON"),
            "scope": (str, "report / cross_report"),
            "subject_report_id": (int, "Cross-report: the report the finding is about "
                                       "(this year's, the summary, the later duplicate)"),
            "other_report_id": (int, "Cross-report: the report it is compared with"),
            "agency": (str, "Cross-report: agency concerned"),
            "year": (int, "Cross-report: year concerned"),
        },
        pk="id",
        foreign_keys=(("report_id", "reports", "id"), ("subject_report_id", "reports", "id"),
                      ("other_report_id", "reports", "id")),
        not_null=("code", "severity", "scope"),
        indexes=(("code",), ("report_id",), ("scope", "code"), ("subject_report_id",),
                 ("other_report_id",)),  # (a report's page counts the findings naming it)
    ),
    TableDef(
        "keys",
        "Data dictionary: every table/row/column key of the template, and the narrative fact keys.",
        {
            "table_key": (str, "active / applications / appeals / facts"),
            "row_key": (str, "Row key"),
            "column_key": (str, "Column key ('value' for facts)"),
            "label_zh": (str, "Chinese label: row label / column label as printed"),
            "row_label_zh": (str, "Chinese row label"),
            "column_label_zh": (str, "Chinese column label"),
            "group_zh": (str, "Printed group the row belongs to (e.g. 第二十条第（一）项, （三）不予公开)"),
            "description_en": (str, "English description"),
            "versions": (str, "Template versions that have this key, comma-separated"),
            "unit": (str, "Unit (件 unless stated)"),
        },
        pk=("table_key", "row_key", "column_key"),
    ),
    TableDef(
        "url_checks",
        "What the crawler last heard from each archived URL: the validators of a conditional request "
        "(ETag, Last-Modified) and the attachments a report page linked (crawler/incremental.py).",
        {
            "url": (str, "URL checked"),
            "source_id": (str, "Source it was crawled for"),
            "checked_at": (str, "UTC time of the last answer, 200 or 304 (ISO 8601)"),
            "http_status": (int, "Last answer: 200 (new content) or 304 (not modified)"),
            "etag": (str, "ETag of the archived answer named by warc_file/warc_offset"),
            "last_modified": (str, "Last-Modified of that archived answer"),
            "warc_file": (str, "WARC file of the answer the validators belong to (as in captures)"),
            "warc_offset": (int, "Byte offset of that WARC record (as in captures)"),
            "children": (str, "JSON list of the attachment URLs the page linked (NULL: not yet known)"),
        },
        pk="url",
    ),
    TableDef(
        "archive_info",
        "Facts about the archive as a whole, key/value: `demo` (set by `xxgk demo`: the archive holds "
        "synthetic data from the mock portals, and every page says so). (`summaries_by_batch` exists only "
        "inside the bulk writer's own transaction: archive/summary.py.)",
        {
            "key": (str, "What is stated (demo …)"),
            "value": (str, "Its value"),
        },
        pk="key",
        created_by="0004_archive_info",
    ),
    TableDef(
        "reports_summary",
        "How many reports by is_primary, year, province, level, template and status, with the sum of each "
        "headline figure (storage: archive/summary.py keeps it by trigger; facets and canned queries read it).",
        {
            "grp": (str, "The group as a JSON array of the six columns that follow (NULL stays null)"),
            "is_primary": (int, "1: publications (primary renditions); 0: the other renditions"),
            "year": (int, "Reporting year"),
            "province": (str, "Province"),
            "level": (str, "Administrative level"),
            "template": (str, "Template version"),
            "status": (str, "Parse status"),
            "reports": (int, "Reports in this group"),
            **{f: (NUMBER, f"Sum of {f} over the group's reports") for f, _ in HEADLINE if f != "fees_10k_yuan"},
            **{f"n_{f}": (int, f"Reports of the group that give {f}") for f, _ in HEADLINE if f != "fees_10k_yuan"},
        },
        pk="grp",
        without_rowid=True,
        created_by="0006_summaries",
        internal=True,
    ),
    TableDef(
        "cell_totals",
        "Sum of the integer values of the cells of the 总计 (total) columns of publications (is_primary = 1) "
        "by year, province, level and key (storage: archive/summary.py; canned queries and the dashboard read it).",
        {
            "grp": (str, "The group as a JSON array of year, province, level (NULL stays null)"),
            "key_id": (int, "Key (cell_keys.id)"),
            "year": (int, "Reporting year"),
            "province": (str, "Province"),
            "level": (str, "Administrative level"),
            "total": (int, "Sum of the values"),
            "n": (int, "How many values"),
        },
        pk=("grp", "key_id"),
        without_rowid=True,
        indexes=(("key_id", "year"),),
        created_by="0006_summaries",
        internal=True,
    ),
    TableDef(
        "agency_years_summary",
        "Per agency (name, province, level): how many reports (publications), which years (storage behind "
        "the agency_years view: archive/summary.py keeps it by trigger).",
        {
            "grp": (str, "The agency as a JSON array of agency, province, level"),
            "agency": (str, "Reporting agency"),
            "province": (str, "Province"),
            "level": (str, "Administrative level"),
            "n_reports": (int, "Reports (publications)"),
            "first_year": (int, "First year with a report"),
            "last_year": (int, "Last year with a report"),
            "n_years": (int, "Years with a report"),
            "years": (str, "Years with a report, ascending, comma-separated"),
        },
        pk="grp",
        without_rowid=True,
        created_by="0007_agency_years",
        internal=True,
    ),
    TableDef(
        "stream_offsets",
        "How far the archive writer has applied each Redis stream of a crawl fleet: the last entry, "
        "committed with its rows, so a replayed entry is skipped (crawler/fleet/writer.py).",
        {
            "stream": (str, "Redis stream key (e.g. xxgk:stream)"),
            "last_id": (str, "Id of the last entry applied (Redis stream id, milliseconds-sequence)"),
            "applied_at": (str, "UTC time it was applied (ISO 8601)"),
        },
        pk="stream",
        # first released as 0005_stream_offsets, renamed when 0005-0007 went to the compact storage
        # and the summaries: a migration creates its tables where missing, so an archive that
        # recorded 0005_stream_offsets is unharmed (0008 finds the table and writes nothing)
        created_by="0008_stream_offsets",
    ),
]

TABLE = {t.name: t for t in TABLES}
