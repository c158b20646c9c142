"""The standard workbooks, built by build.py from jixiao.layout and committed here."""
