"""Adapters: the outside programs and file formats jixiao talks to (openpyxl, LibreOffice, Excel)."""
