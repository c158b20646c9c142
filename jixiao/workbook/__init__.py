"""The standard workbooks: layout into cells, formulas, VBA, build."""
