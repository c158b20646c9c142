"""Core: value notation, computations, the field schema, the form model, profiles, findings.

Pure Python with no workbook library: everything above builds on it.
"""
