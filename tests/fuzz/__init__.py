"""Seeded mutation fuzzer for the jixiao command line (issue 13); see README.md."""
