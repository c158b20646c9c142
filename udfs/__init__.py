"""jixiao worksheet functions (xlwings UDFs). Excel's xlwings.conf names this module.

Each function is a plain callable: on Windows xlwings registers it, elsewhere the
decorators return it unchanged, so tests and headless recalculation call it directly.
"""

from jixiao.udfs.functions import (
    JX_ADJUST_RATE,
    JX_CARRYOVER_RATE,
    JX_CHANGE_RATE,
    JX_COMPLETION_RATE,
    JX_CONTROL_RATE,
    JX_DEVIATION_FLAG,
    JX_DEVIATION_RATE,
    JX_EXEC_RATE,
    JX_EXEC_SCORE,
    JX_FINAL_DIFF_RATE,
    JX_GRADE,
    JX_NUMBER,
    JX_REF_SCORE,
    JX_STAFF_RATE,
    JX_TOTAL_SCORE,
)

__all__ = [
    "JX_ADJUST_RATE",
    "JX_CARRYOVER_RATE",
    "JX_CHANGE_RATE",
    "JX_COMPLETION_RATE",
    "JX_CONTROL_RATE",
    "JX_DEVIATION_FLAG",
    "JX_DEVIATION_RATE",
    "JX_EXEC_RATE",
    "JX_EXEC_SCORE",
    "JX_FINAL_DIFF_RATE",
    "JX_GRADE",
    "JX_NUMBER",
    "JX_REF_SCORE",
    "JX_STAFF_RATE",
    "JX_TOTAL_SCORE",
]
