"""The standard workbooks: builder, formulas, VBA, the 校验结果 sheet, filling a template from JSON."""
