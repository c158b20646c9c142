"""Sheet readers: forms from template sheets (by defined names) and paper-layout sheets (by headings)."""
