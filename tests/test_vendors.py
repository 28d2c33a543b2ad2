from pathlib import Path

import pandas as pd
import pytest

from quant.tickers import normalize_ticker
from vendors.annual_csv import parse_annual_fundamentals
from vendors.canonical import parse_canonical
from vendors.files import VendorFileError
from vendors.stooq import parse_stooq, ticker_from_filename

STOOQ_HEADER = "Date,Open,High,Low,Close,Volume,OpenInt\n"


def test_stooq_rows_keep_their_line_numbers(tmp_path: Path):
    path = tmp_path / "brk-b.us.txt"
    path.write_text(STOOQ_HEADER + "2017-11-09,10,11,9,10.5,100,0\n2017-11-10,10.5,12,10,11,200,0\n")
    frame = parse_stooq(path)
    assert frame["ticker"].tolist() == ["BRK.B", "BRK.B"]
    assert frame["source_line"].tolist() == [2, 3]
    assert frame["close"].tolist() == [10.5, 11.0]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "file is empty"),
        (STOOQ_HEADER.encode(), "header only"),
        (b"Date,Price\n2017-11-10,3\n", "wrong columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a UTF-8 text file"),
    ],
)
def test_unreadable_files_say_what_is_wrong(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "aapl.us.txt"
    path.write_bytes(content)
    with pytest.raises(VendorFileError, match=message):
        parse_stooq(path)


def test_bad_values_become_missing_not_errors(tmp_path: Path):
    path = tmp_path / "abc.us.txt"
    path.write_text(STOOQ_HEADER + "2017-11-10,10,11,9,n/a,100,0\n2017-13-45,1,1,1,1,1,0\n")
    frame = parse_stooq(path)
    assert pd.isna(frame.loc[0, "close"])
    assert pd.isna(frame.loc[1, "date"])


def test_canonical_csv_is_put_on_the_adjusted_basis(tmp_path: Path):
    path = tmp_path / "prices_2017-11-10.csv"
    path.write_text("date,ticker,open,high,low,close,adj_close,volume\n2017-11-10,brk-b,100,110,90,100,50,7\n")
    row = parse_canonical(path).iloc[0]
    assert (row["ticker"], row["open"], row["high"], row["low"], row["close"]) == ("BRK.B", 50, 55, 45, 50)


def test_tickers_are_validated():
    assert normalize_ticker(" brk-b ") == "BRK.B"
    for bad in ["../etc", "A;DROP", "", "TOOLONGTICKER1"]:
        with pytest.raises(ValueError):
            normalize_ticker(bad)
    assert ticker_from_filename("x'y.us.txt") is None


def test_real_fundamentals_parse_with_the_year_1215_row(real_data):
    filings = parse_annual_fundamentals(real_data / "fundamentals_annual.csv")
    odd = filings[filings["fiscal_year"] == 1215]
    assert len(odd) == 1 and odd.iloc[0]["period_end"] == pd.Timestamp("2015-12-31")
    assert filings["period_end"].notna().all()


def test_per_ticker_file_names_share_one_rule():
    from vendors.files import ticker_from_name
    from vendors.yahoo import ticker_from_yahoo_name

    assert ticker_from_filename("brk-b.us.txt") == ticker_from_yahoo_name("BRK-B.csv") == "BRK.B"
    assert ticker_from_name("APD.json", (".json",)) == "APD"
    assert ticker_from_name("notes.md", (".csv",)) is None


def test_the_registry_tells_each_layout_from_its_file(tmp_path: Path):
    from vendors.registry import LAYOUTS, detect_layout

    files = {
        "aapl.us.txt": STOOQ_HEADER,
        "AAPL.csv": "Date,Open,High,Low,Close,Adj Close,Volume\n",
        "prices_2017-11-10.csv": "date,ticker,open,high,low,close,adj_close,volume\n",
        "history_2016.parquet": "",
        "fundamentals.csv": "Ticker Symbol,Period Ending,For Year,Total Equity\n",
        "master.csv": "Ticker Symbol,Security,GICS Sector,GICS Sub Industry,CIK\n",
        "CIK0000002969.json": "{}",
    }
    found = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        found[name] = detect_layout(tmp_path / name).name
    assert found == {
        "aapl.us.txt": "stooq",
        "AAPL.csv": "yahoo",
        "prices_2017-11-10.csv": "canonical",
        "history_2016.parquet": "canonical",
        "fundamentals.csv": "annual_csv",
        "master.csv": "sp500_master",
        "CIK0000002969.json": "edgar",
    }
    (tmp_path / "notes.csv").write_text("a,b\n")
    with pytest.raises(VendorFileError, match=r"cannot tell which vendor wrote notes\.csv"):
        detect_layout(tmp_path / "notes.csv")
    assert [layout.dataset for layout in LAYOUTS].count("prices") == 4


def test_every_fundamentals_layout_maps_to_the_warehouse_metrics():
    from quant.fundamentals import FUNDAMENTAL_METRICS
    from vendors.annual_csv import METRIC_COLUMNS
    from vendors.edgar import TAGS

    assert set(METRIC_COLUMNS.values()) <= set(FUNDAMENTAL_METRICS)
    assert set(TAGS.values()) <= set(FUNDAMENTAL_METRICS)


def test_many_stooq_files_read_at_once_as_one_by_one(tmp_path: Path):
    """One DuckDB read over many files gives each file's rows, lines and values as reading it alone does; a file
    DuckDB cannot read fails alone, with its reason, and the others are still read."""
    from vendors.stooq import parse_stooq_files

    rows = [f"2017-11-{day:02d},{day},{day + 1},{day - 1},{day + 0.5},{100 * day},0" for day in range(1, 29)]
    files = {
        "aaa.us.txt": STOOQ_HEADER + "\n".join(rows) + "\n",
        "ragged.us.txt": STOOQ_HEADER + rows[0] + "\n" + rows[1] + ",9\n",
        "bbb.us.txt": STOOQ_HEADER + "\n".join(rows[::-3]) + "\n\n",
        "quote.us.txt": STOOQ_HEADER + '2017-11-09,"10,11,9,10.5,100,0\n',
        "ccc.us.txt": STOOQ_HEADER.replace("Open,High", "High,Open") + "2017-11-09, 11,10,9,10.5,100,0\n",
        "empty.us.txt": "",
    }
    paths = []
    for name, text in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text)
    parsed = parse_stooq_files(paths)
    assert sorted(parsed.errors) == [1, 3, 5]
    assert parsed.errors[1].startswith("not a readable CSV") and "Expected Number of Columns" in parsed.errors[1]
    assert "unterminated quote" in parsed.errors[3] and parsed.errors[5] == "file is empty"
    for position in (0, 2, 4):
        alone = parse_stooq(paths[position])
        together = parsed.rows[parsed.rows["file"] == position].drop(columns="file").reset_index(drop=True)
        together = together.astype({"ticker": object})  # a categorical over every file's ticker
        pd.testing.assert_frame_equal(together, alone)
    assert parsed.rows.loc[parsed.rows["file"] == 4, ["open", "high"]].values.tolist() == [[10.0, 11.0]]
    assert parse_stooq(paths[2])["source_line"].tolist() == list(range(2, 2 + len(rows[::-3])))
    with pytest.raises(VendorFileError, match="not a readable CSV"):
        parse_stooq(paths[1])


def test_vectorized_tickers_agree_with_one_by_one():
    from quant.tickers import normalize_tickers

    raw = pd.Series([" brk-b", "aapl", None, "A;DROP", "brk-b", "", "TOOLONGTICKER1", "msft"] * 3, index=range(5, 29))
    out = normalize_tickers(raw)
    assert out.index.equals(raw.index)
    for value, got in zip(raw, out, strict=True):
        try:
            expected = normalize_ticker(value)
        except (ValueError, AttributeError):
            expected = None
        assert (pd.isna(got) and expected is None) or got == expected


@pytest.mark.parametrize(
    "values",
    [
        ["2017-11-09,10,11,9,10.5,100,0", "2017-11-10, 10.5 ,1.2e1,10,NaN,,0", "2017-11-13,+10,11,9,inf,-0,x"],
        ["2017-11-09,10,11,9,n/a,100,0", "2017-13-45,1,1,1,1,1,0", "2017-11-13,1,1,1,1,1e400,0"],
    ],
)
def test_the_typed_read_gives_what_the_text_read_gives(tmp_path: Path, values: list[str]):
    """The CSV reader's own conversion (the fast path) yields the values the text cast yields, or refuses the batch,
    which is then read as text: one file of clean values and one the typed reader cannot convert."""
    import duckdb

    from storage.csv_files import _read
    from vendors.stooq import STOOQ_CSV

    paths = [tmp_path / "aaa.us.txt", tmp_path / "bbb.us.txt"]
    for path in paths:
        path.write_text(STOOQ_HEADER + "\n".join(values) + "\n")
    header = STOOQ_HEADER.strip().split(",")
    with duckdb.connect() as conn:
        conn.register("csv_file_positions", pd.DataFrame({"path": [str(p) for p in paths], "file": [0, 1]}))
        text = conn.execute(*_read(paths, header, STOOQ_CSV, typed=False)).df()
        try:
            typed = conn.execute(*_read(paths, header, STOOQ_CSV, typed=True)).df()
        except duckdb.Error:
            typed = None
    assert len(text) == 2 * len(values)
    if "n/a" in values[0]:
        assert typed is None  # refused: read_csv_group falls back to the text read
    else:
        pd.testing.assert_frame_equal(typed, text)
        assert text["Close"].isna().tolist() == [False, True, False] * 2
