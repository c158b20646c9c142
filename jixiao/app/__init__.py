"""Application: validating a workbook, planning and clearing marks, recalculation."""
