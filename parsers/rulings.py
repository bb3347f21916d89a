"""Table grids from a page's ruling lines and rectangles: the lattice method pdfplumber's
`find_tables` uses with explicit lines (edges snapped and joined, their crossings found,
the smallest closed cells taken, cells sharing a corner grouped into tables), on plain
dicts with x0, x1, top, bottom in top-down page coordinates.
"""
from __future__ import annotations

from bisect import bisect_right

from .limits import LimitExceeded, check_time

_SNAP = 3.0  # pt: parallel edges this close are one line
_JOIN = 3.0  # pt: collinear edges with a gap this small are one line
_MIN_LENGTH = 3.0  # pt: shorter edges are dropped after joining
_CROSS = 3.0  # pt: an edge ending this close to another one still meets it

Bbox = tuple[float, float, float, float]  # x0, top, x1, bottom


def find_tables(lines: list[dict], rects: list[dict],
                max_crossings: int = 20_000) -> list[tuple[Bbox, list[Bbox]]]:
    """(bbox, cells) of each table that `lines` and `rects` draw, top to bottom; a table
    has at least two cells. LimitExceeded past `max_crossings` crossings (memory); the loops
    test the parse's deadline."""
    v, h = _edges(lines, rects)
    cells = _cells(_crossings(_merge(v), _merge(h), max_crossings))
    tables = []
    for group in _groups(cells):
        bbox = (min(c[0] for c in group), min(c[1] for c in group),
                max(c[2] for c in group), max(c[3] for c in group))
        tables.append((bbox, group))
    return tables


def _edges(lines: list[dict], rects: list[dict]) -> tuple[list[list[float]], list[list[float]]]:
    """Vertical edges as [x, top, bottom], horizontal ones as [y, x0, x1]. A line is one edge
    (horizontal only if it is level), a rectangle its four sides."""
    v: list[list[float]] = []
    h: list[list[float]] = []
    for o in lines:
        if o["top"] == o["bottom"]:
            h.append([o["top"], o["x0"], o["x1"]])
        else:
            v.append([o["x0"], o["top"], o["bottom"]])
    for o in rects:
        x0, x1, top, bottom = o["x0"], o["x1"], o["top"], o["bottom"]
        h += [[top, x0, x1], [bottom, x0, x1]]
        v += [[x0, top, bottom], [x1, top, bottom]]
    return v, h


def _merge(edges: list[list[float]]) -> list[tuple[float, float, float]]:
    """Snap parallel edges to their cluster's mean position, join collinear ones that
    touch, drop short ones: (position, start, end) each."""
    if not edges:
        return []
    edges = sorted(edges)
    clusters = [[edges[0]]]
    for e in edges[1:]:
        if e[0] <= clusters[-1][-1][0] + _SNAP:
            clusters[-1].append(e)
        else:
            clusters.append([e])
    out = []
    for cluster in clusters:
        pos = sum(e[0] for e in cluster) / len(cluster)
        spans = sorted((e[1], e[2]) for e in cluster)
        start, end = spans[0]
        for s, t in spans[1:]:
            if s <= end + _JOIN:
                end = max(end, t)
            else:
                out.append((pos, start, end))
                start, end = s, t
        out.append((pos, start, end))
    return [e for e in out if e[2] - e[1] >= _MIN_LENGTH]


def _crossings(v: list[tuple], h: list[tuple],
               limit: int) -> dict[tuple[float, float], tuple[set[int], set[int]]]:
    """Points where a vertical and a horizontal edge meet → (vertical ids, horizontal ids)."""
    points: dict[tuple[float, float], tuple[set[int], set[int]]] = {}
    for i, (x, top, bottom) in enumerate(v):
        check_time()
        if len(points) > limit:
            raise LimitExceeded(f"the page's rulings cross more than {limit} times")
        for j, (y, x0, x1) in enumerate(h):
            if top <= y + _CROSS and bottom >= y - _CROSS and x0 - _CROSS <= x <= x1 + _CROSS:
                vs, hs = points.setdefault((x, y), (set(), set()))
                vs.add(i)
                hs.add(j)
    return points


def _cells(points: dict[tuple[float, float], tuple[set[int], set[int]]]) -> list[Bbox]:
    """For each crossing, the smallest rectangle to its right and below whose four sides are
    drawn; in the order of the crossings (by x, then by y)."""
    order = sorted(points)
    columns: dict[float, list[float]] = {}
    rows: dict[float, list[float]] = {}
    for x, y in order:
        columns.setdefault(x, []).append(y)
    for x, y in sorted(order, key=lambda p: (p[1], p[0])):
        rows.setdefault(y, []).append(x)
    cells = []
    for n, (x, y) in enumerate(order):
        if not n & 63:
            check_time()
        vs, hs = points[(x, y)]
        col, row = columns[x], rows[y]
        below = col[bisect_right(col, y):]
        right = row[bisect_right(row, x):]
        cell = _smallest(points, x, y, vs, hs, below, right)
        if cell:
            cells.append(cell)
    return cells


def _smallest(points: dict[tuple[float, float], tuple[set[int], set[int]]], x: float, y: float,
              vs: set[int], hs: set[int], below: list[float], right: list[float]) -> Bbox | None:
    for by in below:
        bvs, bhs = points[(x, by)]
        if vs.isdisjoint(bvs):  # no vertical edge runs from (x, y) down to (x, by)
            continue
        for rx in right:
            rvs, rhs = points[(rx, y)]
            if hs.isdisjoint(rhs):
                continue
            corner = points.get((rx, by))
            if corner and not corner[0].isdisjoint(rvs) and not corner[1].isdisjoint(bhs):
                return (x, y, rx, by)
    return None


def _groups(cells: list[Bbox]) -> list[list[Bbox]]:
    """Cells sharing a corner belong to one table, gathered in passes over the cells left
    (pdfplumber's order); tables top to bottom, then left to right."""
    rest = list(cells)
    tables: list[list[Bbox]] = []
    while rest:
        group = [rest[0]]
        corners = set(_corners(rest[0]))
        rest = rest[1:]
        while True:
            check_time()
            left = []
            for cell in rest:
                around = _corners(cell)
                if corners.isdisjoint(around):
                    left.append(cell)
                else:
                    corners.update(around)
                    group.append(cell)
            if len(left) == len(rest):
                break
            rest = left
        tables.append(group)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _corners(c: Bbox) -> tuple[tuple[float, float], ...]:
    x0, top, x1, bottom = c
    return ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
