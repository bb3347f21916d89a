"""The compiled modules, built by `pip install -e .` (make venv); everything else is in
pyproject.toml.

- `parsers/treewalk.pyx`: the HTML front end's loops over every element of a page, in Cython
  against the pinned lxml's C API.
- The assembler's modules (`COMPILED`), compiled as they are written: plain Python, which
  Cython turns into C that calls the same objects, so every report's per-row and per-cell work
  runs without the interpreter's dispatch (≈ 7 % of a parse). The `.py` files stay the only
  source; `parsers` refuses to import a compiled module older than its source.
"""
import os

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

COMPILED = ("assemble", "tables", "facts", "checks", "meta", "sections", "labels", "values")
JOBS = os.cpu_count() or 1

setup(
    ext_modules=cythonize(
        [Extension("parsers.treewalk", ["parsers/treewalk.pyx"], include_dirs=lxml.get_include())]
        + [Extension(f"parsers.{name}", [f"parsers/{name}.py"]) for name in COMPILED],
        language_level=3,
        # annotations are documentation, not C types: the compiled code means what the Python means
        compiler_directives={"annotation_typing": False},
        nthreads=JOBS,
    ),
    options={"build_ext": {"parallel": JOBS}},
)
