"""Button actions of the standard workbooks (校验, 清除标记) and their VBA source.

Excel's buttons call these through RunPython with this fixed module path, so renaming
a workbook file never breaks them. The actions arrive with the workbook templates.
"""
