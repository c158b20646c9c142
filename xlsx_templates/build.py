"""Build the standard workbooks into this folder from the layout spec.

    python xlsx_templates/build.py [-o OUT_DIR]

The committed files must equal a fresh build (tests/test_template_files.py); run this
after changing jixiao/core/fields.py, jixiao/core/layout.py, jixiao/templates/, udfs/ or macros/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jixiao.udfs
from jixiao.templates.builder import build_all

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description="根据版式说明生成标准工作簿。")
    parser.add_argument(
        "-o", "--out", type=Path, default=HERE, help="输出目录，默认为 xlsx_templates/"
    )
    args = parser.parse_args()
    for path in build_all(args.out, functions=jixiao.udfs):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
