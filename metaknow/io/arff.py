"""A tolerant ARFF reader (plain or gzip) that returns a typed pandas DataFrame.

Handles what real-world ARFF files contain: comments, quoted names, ``numeric``/
``real``/``integer`` types (with an optional ``[lo,hi]`` range), ``string``,
``date``, nominal ``{...}`` attributes, ``?`` as missing, dense rows (comma
separated, or whitespace separated when commas are absent), sparse rows
``{i v, ...}`` and trailing separators. Anything it cannot read raises
:class:`~metaknow.exceptions.DataError` naming the file and the line.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from metaknow.exceptions import DataError

__all__ = ["ArffAttribute", "read_arff"]

_NUMERIC = {"numeric", "real", "integer", "int", "float", "double"}


@dataclass(frozen=True)
class ArffAttribute:
    """One declared attribute: its name, kind and (for nominal) its values."""

    name: str
    kind: str  # "numeric" | "nominal" | "string" | "date"
    values: tuple[str, ...] = field(default_factory=tuple)


def _unquote(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        inner = token[1:-1]
        return inner.replace("\\'", "'").replace('\\"', '"')
    return token


def _split_nominal(body: str) -> tuple[str, ...]:
    reader = csv.reader([body], skipinitialspace=True, quotechar="'", escapechar="\\")
    values = next(reader, [])
    out = []
    for v in values:
        v = _unquote(v.strip())
        if v != "":
            out.append(v)
    return tuple(out)


_ATTR_RE = re.compile(
    r"""^@attribute\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+)\s*(.*)$""",
    re.IGNORECASE,
)


def _parse_attribute(line: str, where: str) -> ArffAttribute:
    match = _ATTR_RE.match(line)
    if match is None:
        raise DataError(f"{where}: cannot read attribute declaration {line[:60]!r}")
    name = _unquote(match.group(1))
    rest = match.group(2).strip()
    if rest.startswith("{"):
        end = rest.rfind("}")
        if end < 0:
            raise DataError(f"{where}: nominal attribute {name!r} has no closing '}}'")
        return ArffAttribute(name, "nominal", _split_nominal(rest[1:end]))
    kind = rest.split()[0].lower() if rest else ""
    kind = re.sub(r"\[.*$", "", kind)
    if kind in _NUMERIC:
        return ArffAttribute(name, "numeric")
    if kind == "string":
        return ArffAttribute(name, "string")
    if kind == "date":
        return ArffAttribute(name, "date")
    if kind == "relational":
        raise DataError(f"{where}: relational attribute {name!r} is not supported")
    raise DataError(f"{where}: attribute {name!r} has unknown type {rest[:40]!r}")


def _open_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: corrupt gzip stream ({exc})") from None
    for encoding in ("utf-8", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: cannot decode text")  # pragma: no cover - latin-1 decodes all


_MISSING = "\x00?"  # marker for an unquoted "?" (a quoted '?' is an ordinary value)


def _tokenize(line: str, sep: str | None) -> list[str]:
    """Split a data line on ``sep`` (None = whitespace), honouring ' and " quotes.

    Unquoted ``?`` becomes the missing marker; quoted values lose their quotes.
    """
    out: list[str] = []
    i, n = 0, len(line)
    while i <= n:
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] in "'\"":
            q = line[i]
            i += 1
            buf = []
            while i < n and line[i] != q:
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(line[i])
                i += 1
            if i >= n:
                raise ValueError("unterminated quote")
            i += 1
            value = "".join(buf)
            while i < n and line[i] in " \t":
                i += 1
        else:
            start = i
            if sep is None:
                while i < n and line[i] not in " \t":
                    i += 1
            else:
                while i < n and line[i] != sep:
                    i += 1
            value = line[start:i].strip()
            value = _MISSING if value == "?" else value
        out.append(value)
        if sep is None:
            while i < n and line[i] in " \t":
                i += 1
            if i >= n:
                break
        else:
            if i < n and line[i] == sep:
                i += 1
                if i == n:
                    out.append("")
                    break
            else:
                break
    return out


def _split_dense(line: str, n_attrs: int) -> list[str]:
    row = _tokenize(line, "," if "," in line else None)
    # Tolerate trailing separators: drop empty trailing fields beyond the schema.
    while len(row) > n_attrs and row[-1] == "":
        row.pop()
    return row


def _split_sparse(line: str, attrs: list[ArffAttribute], where: str) -> list[str]:
    body = line.strip()[1:-1].strip()
    row = ["0" if a.kind == "numeric" else "" for a in attrs]
    items = next(csv.reader([body], skipinitialspace=True, quotechar="'")) if body else []
    for item in items:
        item = item.strip()
        if not item:
            continue
        parts = item.split(None, 1)
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) >= len(attrs):
            raise DataError(f"{where}: bad sparse entry {item!r}")
        value = parts[1].strip()
        row[int(parts[0])] = _MISSING if value == "?" else _unquote(value)
    for i, a in enumerate(attrs):
        if a.kind == "nominal" and row[i] == "":
            row[i] = a.values[0] if a.values else "?"
    return row


def read_arff(path: str | Path, fast: bool = True) -> tuple[pd.DataFrame, list[ArffAttribute], str]:
    """Read an ARFF file into a typed DataFrame.

    Parameters
    ----------
    path : str or Path
        ``.arff`` or gzip-compressed ``.arff.gz`` file.
    fast : bool, default True
        Try the vectorised reader first (same result); False forces the careful
        line-by-line reader (used by the reader benchmark and tests).

    Returns
    -------
    frame : pandas.DataFrame
        Numeric attributes as float64, nominal ones as ``category`` with the declared
        categories, string attributes as ``object``, dates as ``datetime64``.
    attributes : list of ArffAttribute
        The declarations, in file order.
    relation : str
        The ``@relation`` name ("" when absent).

    Raises
    ------
    DataError
        When the file is missing, empty, has no attributes, or a line cannot be read;
        the message names the file and line number.
    """
    path = Path(path)
    text = _open_text(path)
    if not text.strip():
        raise DataError(f"{path}: file is empty (nothing to read; truncated download?)")
    lines = text.splitlines()
    attrs: list[ArffAttribute] = []
    relation = ""
    data_start = None
    for lineno, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line or line.startswith("%"):
            continue
        where = f"{path.name}:{lineno}"
        low = line.lower()
        if low.startswith("@relation"):
            relation = _unquote(line[len("@relation"):].strip())
        elif low.startswith("@attribute"):
            attrs.append(_parse_attribute(line, where))
        elif low.startswith("@data"):
            if not attrs:
                raise DataError(f"{where}: @data before any @attribute")
            data_start = lineno
            break
        elif low.startswith("@end"):
            continue
        else:
            raise DataError(f"{where}: unexpected line in header {line[:60]!r}")
    if not attrs:
        raise DataError(f"{path}: not an ARFF file (no @attribute declarations)")
    if data_start is None:
        raise DataError(f"{path}: ARFF file has no @data section")
    numbered = [(i, ln.strip()) for i, ln in enumerate(lines[data_start:], start=data_start + 1)]
    numbered = [(i, ln) for i, ln in numbered
                if ln and not ln.startswith("%") and not ln.lower().startswith("@end")]
    frame = _fast_frame([ln for _, ln in numbered], attrs, path) if fast else None
    if frame is not None:
        return frame, attrs, relation
    rows: list[list[str]] = []
    for lineno, line in numbered:
        where = f"{path.name}:{lineno}"
        if line.startswith("{") and line.endswith("}"):
            row = _split_sparse(line, attrs, where)
        else:
            try:
                row = _split_dense(line, len(attrs))
            except ValueError as exc:
                raise DataError(f"{where}: cannot parse data line ({exc})") from None
        if len(row) != len(attrs):
            raise DataError(
                f"{where}: data line has {len(row)} values, header declares {len(attrs)}"
            )
        rows.append(row)
    return _to_frame(rows, attrs, path), attrs, relation


def _fast_frame(lines: list[str], attrs: list[ArffAttribute], path: Path) -> pd.DataFrame | None:
    """Vectorised reader for the common case (dense, unquoted, comma-separated rows).

    Returns None whenever the data needs the careful line-by-line reader (quotes, sparse
    rows, whitespace separators, irregular field counts, unparsable numbers); that
    reader then produces the values or an error naming the line.
    """
    if not lines:
        return None
    body = "\n".join(lines)
    if "{" in body or "\\" in body or ("'" in body and '"' in body):
        return None
    quote = "'" if "'" in body else '"'
    quoted = quote in body
    if quoted and (f"{quote}?{quote}" in body or f"{quote}{quote}" in body):
        return None  # a quoted '?' is a value, not a missing marker: read carefully
    n = len(attrs)
    trailing = np.fromiter((ln.endswith(",") for ln in lines), dtype=bool, count=len(lines))
    if quoted and trailing.any():
        return None
    if not quoted:
        commas = np.fromiter((ln.count(",") for ln in lines), dtype=np.int64, count=len(lines))
        if n > 1 and not np.all((commas == n - 1) | ((commas == n) & trailing)):
            return None
        if n == 1 and np.any(commas > trailing):
            return None
    names = [f"c{j}" for j in range(n)]
    dtypes = {name: (float if a.kind == "numeric" else str) for name, a in zip(names, attrs)}
    try:
        with warnings.catch_warnings():
            # more fields than attributes is an error unless it is a trailing separator
            warnings.simplefilter("ignore" if trailing.any() else "error", pd.errors.ParserWarning)
            raw = pd.read_csv(io.StringIO(body), header=None, names=names, index_col=False,
                              sep=",", skipinitialspace=True, dtype=dtypes, na_values=["?"],
                              keep_default_na=False, engine="c", quotechar=quote)
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning):
        return None
    if len(raw) != len(lines):
        return None
    out: dict[str, pd.Series] = {}
    for j, (attr, name) in enumerate(zip(attrs, _unique_names([a.name for a in attrs]))):
        col = raw[names[j]]
        if attr.kind == "numeric":
            out[name] = pd.Series(col.to_numpy(dtype=float), name=name)
            continue
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        clean = [str(u).strip() for u in uniques]
        if attr.kind == "nominal":
            cats = list(dict.fromkeys(attr.values))
            index = {c: i for i, c in enumerate(cats)}
            lookup = np.array([index.get(u, -2) if u != "" else -1 for u in clean] + [-1],
                              dtype=np.int64)
            mapped = lookup[codes]  # codes == -1 (missing) picks the trailing -1
            if (mapped == -2).any():
                i = int(np.flatnonzero(mapped == -2)[0])
                raise DataError(f"{path.name}: value {clean[codes[i]]!r} in row {i + 1} is not "
                                f"declared for nominal attribute {attr.name!r}")
            out[name] = pd.Series(pd.Categorical.from_codes(mapped, categories=cats), name=name)
            continue
        values = np.array([None if u == "" else u for u in clean] + [None], dtype=object)[codes]
        if attr.kind == "date":
            out[name] = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").rename(name)
        else:
            out[name] = pd.Series(values, dtype=object, name=name)
    return pd.DataFrame(out)


def _to_frame(rows: list[list[str]], attrs: list[ArffAttribute], path: Path) -> pd.DataFrame:
    names = _unique_names([a.name for a in attrs])
    columns: dict[str, pd.Series] = {}
    cols = list(zip(*rows)) if rows else [() for _ in attrs]
    for j, (attr, name) in enumerate(zip(attrs, names)):
        values = list(cols[j])
        missing = np.array([v == _MISSING or v == "" for v in values], dtype=bool)
        if attr.kind == "numeric":
            arr = np.full(len(values), np.nan)
            for i, v in enumerate(values):
                if missing[i]:
                    continue
                try:
                    arr[i] = float(v)
                except ValueError:
                    raise DataError(
                        f"{path.name}: attribute {attr.name!r} is numeric but row {i + 1} "
                        f"holds {v!r}"
                    ) from None
            columns[name] = pd.Series(arr, name=name)
        elif attr.kind == "nominal":
            cats = list(dict.fromkeys(attr.values))
            known = set(cats)
            clean: list[str | None] = []
            for i, v in enumerate(values):
                if missing[i]:
                    clean.append(None)
                elif v in known:
                    clean.append(v)
                else:
                    raise DataError(
                        f"{path.name}: value {v!r} in row {i + 1} is not declared for "
                        f"nominal attribute {attr.name!r}"
                    )
            columns[name] = pd.Series(pd.Categorical(clean, categories=cats), name=name)
        elif attr.kind == "date":
            parsed = pd.to_datetime(
                pd.Series([None if m else v for v, m in zip(values, missing)], dtype=object),
                errors="coerce",
            )
            columns[name] = parsed.rename(name)
        else:
            columns[name] = pd.Series(
                [None if m else v for v, m in zip(values, missing)], dtype=object, name=name
            )
    return pd.DataFrame(columns)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out
