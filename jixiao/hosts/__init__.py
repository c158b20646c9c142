"""Hosts: the programs a workbook lives in — the package on disk, Excel through xlwings, LibreOffice."""
