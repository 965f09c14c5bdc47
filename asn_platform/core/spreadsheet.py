"""Sheet columns as Excel names them: what the workbook writer and the workbook reader both need."""

from __future__ import annotations


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def column_index(cell: str) -> int:
    """'AB12' -> 27: the 0-based column of a cell reference."""
    index = 0
    for letter in cell.rstrip("0123456789"):
        index = index * 26 + ord(letter.upper()) - ord("A") + 1
    return index - 1
