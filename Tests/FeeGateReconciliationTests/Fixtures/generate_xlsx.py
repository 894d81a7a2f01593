#!/usr/bin/env python3
"""Writes the Excel (.xlsx) bank-statement fixtures of FeeGate's reconciliation tests with openpyxl.

    python3 generate_xlsx.py [OUTDIR]      (default: the directory of this script)

openpyxl (pinned in scripts/test-requirements.txt) writes the workbooks; FeeGate's code is not used, so a
misreading on either side shows up as a test failure. openpyxl writes every string inline (`t="inlineStr"`),
while Excel and the banks' exports put them in `xl/sharedStrings.xml`, so `share_strings` then rewrites the
archive the way Excel saves it: inline strings move to the shared table (a rich-text cell keeps its runs), except
the cells listed in `keep_inline`; `set_values` stores some numbers the way Excel may write them (`4E4`, `99000.0`).
The same statement is also written as CSV (`sao-ke.csv`, Python's csv module) for the CSV-versus-XLSX test.

Files:
  sao-ke.xlsx       sheet "Sao kê" (then "Tổng hợp"): title rows, a header, four lines (serial dates with a custom
                    and a built-in date format, a date-time, a text date; numbers, 4E4, 99000.0, 1.25E6; omitted
                    empty cells; a rich-text counterparty; one inline string), a totals row with SUM formulas
  sao-ke-1904.xlsx  the same statement in the 1904 date system
  sao-ke.csv        the same statement as the bank's CSV export (debit-credit layout)
  bad-date.xlsx     Sheet1!A14 holds the text '31/11/2026'
  bad-amount.xlsx   Sheet1!D6 holds the number 25000.5
"""
import csv
import datetime
import os
import re
import sys
import zipfile

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HEADER = ["Ngày giao dịch", "Số tham chiếu", "Số tiền ghi nợ", "Số tiền ghi có", "Số dư", "Nội dung", "Tên đối ứng"]
TITLE = ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "Sao kê tài khoản 0011001234567"]
# (date, date kind, reference, debit, credit, balance, text, counterparty)
LINES = [
    (datetime.date(2026, 11, 21), "custom", "VCB-1", None, 25000, 10025000, "MBVCB.8812.fg7k3m9x5.CT tu NGUYEN VAN A", "rich"),
    (datetime.datetime(2026, 11, 21, 8, 15, 2), "datetime", "VCB-2", None, 40000, 10065000, "thanh toan FG2345672", None),
    ("21/11/2026", "text", "VCB-7", None, 99000, None, "khong ro noi dung", None),
    (datetime.date(2026, 11, 22), "builtin", "VCB-8", 1250000, None, 8914000, "FGS 20261121 HN-PARK-01", 'Công ty "Trông giữ xe" HN'),
]


def statement_sheet(ws):
    ws.append([TITLE[0]])
    ws.append([TITLE[1]])
    ws.append([])  # an empty row: nothing is written for it
    ws.append(HEADER)
    for i, (date, kind, ref, debit, credit, balance, text, party) in enumerate(LINES):
        row = 5 + i
        ws.cell(row, 1, date)
        if kind == "custom":
            ws.cell(row, 1).number_format = "dd/mm/yyyy"
        elif kind == "datetime":
            ws.cell(row, 1).number_format = "dd/mm/yyyy hh:mm:ss"
        elif kind == "builtin":
            ws.cell(row, 1).number_format = "mm-dd-yy"  # built-in format 14
        ws.cell(row, 2, ref)
        # Empty debit or credit cells are not assigned, so openpyxl leaves them out of the row.
        if debit is not None:
            ws.cell(row, 3, debit).number_format = "#,##0"
        if credit is not None:
            ws.cell(row, 4, credit).number_format = "#,##0"
        if balance is not None:
            ws.cell(row, 5, balance)
        ws.cell(row, 6, text)
        if party == "rich":
            ws.cell(row, 7, CellRichText([TextBlock(InlineFont(b=True), "NGUYEN "), "VAN A"]))
        elif party:
            ws.cell(row, 7, party)
    last = 4 + len(LINES)
    ws.append(["Tổng cộng", None, f"=SUM(C5:C{last})", f"=SUM(D5:D{last})"])


def summary_sheet(ws):
    ws.append(HEADER)
    ws.append([datetime.date(2026, 11, 23), "VCB-9", None, 15000, None, "FGCCCCCCC", None])
    ws.cell(2, 1).number_format = "d/m/yyyy"


def share_strings(path, keep_inline=(), set_values=None):
    """Rewrites `path` as Excel saves it: inline strings of the sheets go to xl/sharedStrings.xml."""
    set_values = set_values or {}
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    table, index = [], {}

    def share(match):
        ref, attrs, content = match.group(1), match.group(2), match.group(3)
        if ref in keep_inline:
            return match.group(0)
        if content not in index:
            index[content] = len(table)
            table.append(content)
        return f'<c r="{ref}"{attrs} t="s"><v>{index[content]}</v></c>'

    for name in sorted(parts):
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            xml = parts[name].decode("utf-8")
            xml = re.sub(r'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is>(.*?)</is></c>', share, xml)
            for ref, value in set_values.get(name, {}).items():
                xml, n = re.subn(rf'(<c r="{ref}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{value}\g<2>", xml)
                assert n == 1, (name, ref)
            parts[name] = xml.encode("utf-8")
    items = "".join(f"<si>{content}</si>" for content in table)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    ).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = types.encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            # A fixed timestamp, so regenerating gives the same archive.
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 22, 6, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)


def statement_workbook(path, epoch=None):
    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "Sao kê"
    statement_sheet(ws)
    summary_sheet(wb.create_sheet("Tổng hợp"))
    wb.save(path)
    # F6 stays an inline string; D6, D7 and C8 are stored as Excel may write them.
    share_strings(path, keep_inline={"F6"}, set_values={"xl/worksheets/sheet1.xml": {"D6": "4E4", "D7": "99000.0", "C8": "1.25E6"}})


def bad_workbook(path, cell, value):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(HEADER)
    for i in range(2, 20):
        ws.append([datetime.date(2026, 11, 21), f"R{i}", None, 1000 + i, None, f"line {i}", None])
        ws.cell(i, 1).number_format = "dd/mm/yyyy"
    ws[cell] = value
    wb.save(path)
    share_strings(path)


def statement_csv(path):
    def amount(value):
        return "" if value is None else f"{value:,}"

    def day(value):
        return value if isinstance(value, str) else value.strftime("%d/%m/%Y")

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([TITLE[0]])
        w.writerow([TITLE[1]])
        w.writerow([])
        w.writerow(HEADER)
        for date, _, ref, debit, credit, balance, text, party in LINES:
            w.writerow([day(date), ref, amount(debit), amount(credit), amount(balance), text, "NGUYEN VAN A" if party == "rich" else party or ""])
        w.writerow(["Tổng cộng", "", amount(sum(l[3] or 0 for l in LINES)), amount(sum(l[4] or 0 for l in LINES))])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    statement_workbook(os.path.join(out, "sao-ke.xlsx"))
    statement_workbook(os.path.join(out, "sao-ke-1904.xlsx"), epoch=CALENDAR_MAC_1904)
    statement_csv(os.path.join(out, "sao-ke.csv"))
    bad_workbook(os.path.join(out, "bad-date.xlsx"), "A14", "31/11/2026")
    bad_workbook(os.path.join(out, "bad-amount.xlsx"), "D6", 25000.5)


if __name__ == "__main__":
    main()
