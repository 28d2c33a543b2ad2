"""`stratengine land` and `stratengine update` as a user runs them, on a temp project."""

from pathlib import Path

import duckdb

from cli.main import main
from tests.helpers import random_walk, write_stooq

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
MASTER = "Ticker Symbol,Security,GICS Sector,GICS Sub Industry,CIK\nAAA,A,Energy,Oil,1\nBBB,B,Energy,Oil,2\n"


def _vendor_files(folder: Path) -> Path:
    for i, ticker in enumerate(["aaa", "bbb"]):
        write_stooq(folder / f"{ticker}.us.txt", random_walk("2017-10-02", "2017-10-31", seed=i))
    rows = [f"{day:%Y-%m-%d},10,11,9,10,10,100" for day in random_walk("2017-10-02", "2017-10-31", seed=3).index]
    rows[1] = "2017-10-03,10,9,11,10,10,100"  # High below Low
    (folder / "CCC.csv").write_text(HEADER + "\n".join(rows) + "\n")
    (folder / "empty.us.txt").write_text("")
    (folder / "securities.csv").write_text(MASTER)
    return folder


def test_land_then_update_reports_every_file_and_row(project, tmp_path, capsys):
    folder = _vendor_files(tmp_path / "drop")
    assert main(["land", str(folder)]) == 0
    landed = capsys.readouterr().out
    assert "5 files landed, 0 refused" in landed
    assert "FAILED prices/stooq/empty.us.txt: file is empty" in landed

    assert main(["update"]) == 0
    updated = capsys.readouterr().out
    assert "updated 2017-10-02..2017-10-31" in updated
    assert "quarantined: high_below_low: 1" in updated
    database = project["warehouse"].database
    with duckdb.connect(database, read_only=True) as conn:
        raw, kept, held = (
            conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ["raw_prices", "prices", "quarantine"]
        )
        vendors = conn.execute("SELECT DISTINCT vendor FROM prices ORDER BY 1").fetchall()
    assert (raw, kept, held) == (3 * 22, 3 * 22 - 1, 1)
    assert vendors == [("stooq",), ("yahoo",)]

    assert main(["update"]) == 0
    assert "every landed trading day is materialized" in capsys.readouterr().out


def test_land_refuses_what_it_cannot_place(project, tmp_path, capsys):
    odd = tmp_path / "notes.csv"
    odd.write_text("a,b\n1,2\n")
    assert main(["land", str(odd)]) == 1
    assert "cannot tell which vendor wrote notes.csv; pass --vendor" in capsys.readouterr().out


def test_errors_say_what_to_do_instead_of_a_traceback(project, tmp_path, capsys):
    assert main(["update"]) == 1
    assert "stratengine land PATH" in capsys.readouterr().out
    assert main(["land", str(tmp_path / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().out
    assert main(["portfolio", "--strategy", "lo_minvar", "--amount", "1000"]) == 2
    assert "run `stratengine update` first" in capsys.readouterr().out
    assert main(["research"]) == 1
    assert "nothing to research yet" in capsys.readouterr().out
