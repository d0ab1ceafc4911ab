"""Write the workbook fixtures in this folder.

Run once with openpyxl installed; the written files are kept in the repository,
so the tests need neither openpyxl nor this script:

    python tests/data/reading/generate.py
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).parent


def write_xlsx(path: Path) -> None:
    """Write a workbook with typed cells, a title row and a second sheet."""
    import openpyxl
    from openpyxl.styles import PatternFill

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "People"
    sheet.append(["Customer export 2024-10-16"])
    sheet.append([])
    sheet.append(["name", "zip", "joined", "seen", "alarm", "vip", "score", "qty"])
    sheet.append(
        [
            "Zoë Ferrand",
            "01234",
            dt.date(2024, 10, 16),
            dt.datetime(2024, 10, 16, 13, 45),
            dt.time(13, 45),
            True,
            0.1,
            7,
        ]
    )
    sheet.append(["Łukasz", "02116", None, None, None, False, 2.5, None])
    sheet.append(["   ", "", None, None, None, None, None, None])
    sheet.append(
        ["“VIP” €", "00501", dt.date(1999, 12, 31), None, None, None, 1e20, 3.0]
    )
    # Styled but empty cells below and right of the data, as Excel leaves behind.
    fill = PatternFill("solid", fgColor="FFFF00")
    for cell in ("J3", "K20", "A25"):
        sheet[cell].fill = fill
    second = workbook.create_sheet("Countries")
    second.append(["country", "code"])
    second.append(["Namibia", "NA"])
    workbook.save(path)


def write_ods(path: Path) -> None:
    """Write an OpenDocument spreadsheet by hand, following ODF 1.2."""
    rows = [
        [("string", "name"), ("string", "joined"), ("string", "qty")],
        [("string", "Zoë"), ("date", "2024-10-16"), ("float", "7")],
        [("string", "Ana"), ("date", "2024-10-17T08:30:00"), ("float", "0.1")],
        [("string", "Bo"), ("boolean", "true"), ("time", "PT13H45M00S")],
    ]
    cells_xml = []
    for row in rows:
        cells = []
        for kind, value in row:
            if kind == "string":
                cells.append(
                    f'<table:table-cell office:value-type="string">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                attribute = {
                    "float": "office:value",
                    "date": "office:date-value",
                    "boolean": "office:boolean-value",
                    "time": "office:time-value",
                }[kind]
                cells.append(
                    f'<table:table-cell office:value-type="{kind}" '
                    f'{attribute}="{value}"><text:p>{value}</text:p></table:table-cell>'
                )
        cells_xml.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<office:document-content "
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet>'
        '<table:table table:name="Sheet1">'
        + "".join(cells_xml)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<manifest:manifest "
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        # ODF requires the mimetype entry first and stored uncompressed.
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


def write_encrypted_container(path: Path) -> None:
    """Write a Compound File that contains an `EncryptedPackage` stream.

    Office writes this container for a password-protected XLSX. The stream
    contains zeros in place of real ciphertext.
    """
    end_of_chain, free, fat_sector, no_stream = (
        0xFFFFFFFE,
        0xFFFFFFFF,
        0xFFFFFFFD,
        0xFFFFFFFF,
    )
    stream_size = 4096  # at the mini-stream cutoff, so it lives in regular sectors
    stream_sectors = stream_size // 512
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        1,
        1,
        0,
        4096,
        end_of_chain,
        0,
        end_of_chain,
        0,
    )
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = [fat_sector, end_of_chain]
    fat += [3 + i for i in range(stream_sectors - 1)] + [end_of_chain]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,
            no_stream,
            no_stream,
            child,
            bytes(16),
            0,
            0,
            0,
            start,
            size,
        )

    directory = entry("Root Entry", 5, 1, end_of_chain, 0)
    directory += entry("EncryptedPackage", 2, no_stream, 2, stream_size)
    directory += entry("", 0, no_stream, 0, 0) * 2
    path.write_bytes(
        header + struct.pack("<128I", *fat) + directory + bytes(stream_size)
    )


if __name__ == "__main__":
    write_xlsx(HERE / "typed.xlsx")
    write_ods(HERE / "typed.ods")
    write_encrypted_container(HERE / "password.xlsx")
