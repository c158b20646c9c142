"""The standard workbooks, built by build.py from jixiao.core.layout and committed here."""
