"""Render the committed templates (or given workbooks) to PDF and PNG pages for a person to look at.

    python xlsx_templates/render.py [FILE ...] [-o OUT_DIR]

Needs LibreOffice (libreoffice-calc-nogui, python3-uno) and pdftoppm (poppler-utils).
Each workbook is recalculated before export, so the pages show computed values.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from jixiao.core.errors import InputError
from jixiao.hosts.libreoffice import Engine

HERE = Path(__file__).resolve().parent


def render(files: list[Path], out: Path, dpi: int = 70) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        raise InputError("未找到 pdftoppm。请先安装：sudo apt-get install poppler-utils")
    out.mkdir(parents=True, exist_ok=True)
    pages: list[Path] = []
    with Engine() as engine:
        for path in files:
            pdf = out / f"{path.stem}.pdf"
            with engine.open(path) as doc:
                doc.recalculate()
                doc.export_pdf(pdf)
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / path.stem)], check=True
            )
            pages += sorted(out.glob(f"{path.stem}-*.png"))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description="把工作簿渲染成 PDF 和 PNG 页面。")
    parser.add_argument(
        "files", nargs="*", type=Path, help="工作簿；默认为 xlsx_templates/ 下全部模板"
    )
    parser.add_argument(
        "-o", "--out", type=Path, default=Path("out/render"), help="输出目录，默认 out/render"
    )
    args = parser.parse_args()
    files = args.files or sorted(HERE.glob("*.xlsm"))
    try:
        for page in render(files, args.out):
            print(page)
    except InputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
