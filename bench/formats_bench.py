"""Document-format parse speed: PDF pages/s and DOCX documents/s through the whole
`parsers.parse` (front end + assembler + identity checks), plus the PDF front end alone, the
whole parse of single PDFs (a mock-portal attachment, a LibreOffice one, the real ones) and
one DOC (LibreOffice conversion) for scale. Documents are generated (reportgen.docx, PDF
through LibreOffice) into a temporary directory; the two real PDFs are added when
../shared is present. Bounded: a fixed number of documents, one core.

`python -m bench.formats_bench [--docs 12] [--rounds 3]`.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mockportals.documents import pdf_bytes
from parsers import parse, pdf
from parsers.convert import convert_files
from parsers.model import Report
from parsers.pdfium import open_pdf
from reportgen import generate, render_text
from reportgen.docx import render_docx

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "real"


def corpus(n: int, directory: Path) -> tuple[list[bytes], list[Path]]:
    """`n` generated DOCX reports (both table templates, all render options) and their PDFs."""
    paths = []
    for seed in range(n):
        report = generate(seed=seed, template=("2021", "2019")[seed % 2])
        path = directory / f"r{seed}.docx"
        path.write_bytes(render_docx(report, nested=seed % 3 == 1, textbox=seed % 4 == 1, headings=seed % 2 == 1))
        paths.append(path)
    pdfs = convert_files(paths, "pdf", directory, timeout=300)
    pdfs += sorted(REAL.glob("*.pdf")) if REAL.is_dir() else []
    return [p.read_bytes() for p in paths], pdfs


def per_document(paths: list[Path], docs: list[bytes]) -> list[tuple[str, bytes]]:
    """A mock-portal PDF attachment (3 pages, ruled tables), a generated one (LibreOffice) and
    the real ones: what the per-document times are reported for."""
    report = generate(seed=3, template="2021")
    out = [("mock-portal PDF (mockportals.documents.pdf_bytes)", pdf_bytes(render_text(report).splitlines(), report.title)),
           (f"LibreOffice PDF {paths[0].name}", docs[0])]
    return out + [(p.name, d) for p, d in zip(paths, docs) if p.parent.resolve() == REAL.resolve()]


def _cpu(f, *args) -> float:
    start = time.process_time()
    f(*args)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xxgk-formats-bench-") as tmp:
        docx_docs, pdf_paths = corpus(args.docs, Path(tmp))
        pdf_docs = [p.read_bytes() for p in pdf_paths]
        pages = 0
        for d in pdf_docs:
            with open_pdf(d) as doc:
                pages += len(doc)

        start = time.process_time()
        for _ in range(args.rounds):
            for d in pdf_docs:
                parse(d, "application/pdf")
        full = time.process_time() - start
        start = time.process_time()
        for _ in range(args.rounds):
            for d in pdf_docs:
                pdf.to_blocks(d, Report())
        front = time.process_time() - start
        print(f"PDF:  {pages * args.rounds / full:6.1f} pages/s whole parse, "
              f"{pages * args.rounds / front:6.1f} pages/s front end alone "
              f"({len(pdf_docs)} documents, {pages} pages, {args.rounds} rounds, CPU time)")

        print("PDF per document, whole parse (CPU time, best of rounds):")
        for name, d in per_document(pdf_paths, pdf_docs):
            best = min(_cpu(parse, d, "application/pdf") for _ in range(max(args.rounds, 5)))
            print(f"      {best * 1000:6.1f} ms  {name}")

        start = time.process_time()
        for _ in range(args.rounds):
            for d in docx_docs:
                parse(d, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        t = time.process_time() - start
        print(f"DOCX: {len(docx_docs) * args.rounds / t:6.1f} documents/s whole parse "
              f"({len(docx_docs)} documents, {args.rounds} rounds, CPU time)")

        word = convert_files([Path(tmp) / "r0.docx"], "doc", Path(tmp) / "doc", timeout=300)[0].read_bytes()
        start = time.perf_counter()
        parse(word, "application/msword")
        print(f"DOC:  {time.perf_counter() - start:6.2f} s wall for one document "
              f"(LibreOffice conversion with a fresh profile, then the DOCX path)")


if __name__ == "__main__":
    main()
