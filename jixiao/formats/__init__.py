"""File formats: the OOXML package (parts, relationships, content types) and opening workbooks."""
