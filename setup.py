"""The one compiled module, parsers/treewalk.pyx (the HTML front end's hot loops): built by
`pip install -e .` (make venv) against the pinned lxml's C API. Everything else is in
pyproject.toml."""
import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension("parsers.treewalk", ["parsers/treewalk.pyx"], include_dirs=lxml.get_include())],
    language_level=3))
