"""The numpy reader of ``sipas indices`` gives pandas' columns, or hands the file to pandas (issue 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.columns import factorize_values
from survey.cli.analysis import indices_command
from survey.cli.csv_columns import read_csv_columns

FIXTURES = Path(__file__).parent / "fixtures"


def _same_as_pandas(path: Path) -> dict[str, np.ndarray]:
    frame = pd.read_csv(path, encoding="utf-8-sig")
    columns = read_csv_columns(path, list(frame.columns))
    assert columns is not None, "the reader should not need pandas for this file"
    assert list(columns) == list(frame.columns)
    for name in frame.columns:
        ours, theirs = columns[name], frame[name].to_numpy()
        assert ours.dtype == theirs.dtype or (ours.dtype == object and theirs.dtype == object), name
        if ours.dtype.kind == "f":
            assert np.array_equal(np.isnan(ours), np.isnan(theirs)), name
            # the same doubles, bit for bit
            assert (ours[~np.isnan(ours)].view(np.uint64) == theirs[~np.isnan(theirs)].view(np.uint64)).all(), name
        else:
            assert [str(v) for v in ours] == [str(v) for v in theirs], name
    return columns


def test_a_survey_file_reads_as_pandas_reads_it(tmp_path):
    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({
        "province": rng.integers(1, 35, n),
        "unit": rng.choice(["Hà Nội", "Tuyên Quang", "01", "Phường Ba Đình", "x-y"], n),
        "weight": rng.uniform(0.5, 900.0, n),  # 16-17 digit decimals, as pandas writes doubles
        "rounded": rng.uniform(-50, 50, n).round(3),
        "big": rng.integers(-(10**14), 10**14, n),
    })
    for item in ("q1", "q2"):
        codes = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 9.0, np.nan], n)
        frame[item] = pd.array(codes, dtype="Int64")
    frame["blank"] = np.nan
    path = tmp_path / "survey.csv"
    path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).replace("\n", "\r\n").encode() + b"\r\n\r\n")
    columns = _same_as_pandas(path)
    assert columns["province"].dtype == np.int64 and columns["q1"].dtype == np.float64
    assert columns["unit"].dtype == object and "01" in set(columns["unit"])


def test_missing_markers_and_mixed_columns(tmp_path):
    path = tmp_path / "markers.csv"
    path.write_text(
        "a,b,c,d,e\n1,NA,x,2.50,-3\n2,,NaN,null,+4\n3,7,01,.5,0\n4,N/A,,1.,-0.25\n", encoding="utf-8"
    )
    columns = _same_as_pandas(path)
    assert columns["a"].dtype == np.int64
    assert np.isnan(columns["b"]).tolist() == [True, True, False, True]
    assert columns["c"].tolist()[2] == "01"  # a text column keeps the text of numbers


@pytest.mark.parametrize(
    "content",
    [
        'a,b\n"x, y",1\n',  # a comma inside quotes
        'a,b\n"x ""y""",1\n',  # doubled quotes
        'a,b\nx"y,1\n',  # a quote inside a field
        "a,b\n1,2\n3\n",  # a short row
        "a,b\n1,2\n\n3,4\n",  # a blank line inside
        "a,b\n1,1e3\n",  # exponent
        "a,b\n1,inf\n",
        "a,b\n1,True\n",
        "a,b\n1, 4\n",  # a space before a number
        "a,b\n1,1234567890123456\n",  # a whole number pandas keeps exact in int64
        "a,a\n1,2\n",  # duplicated header
        "a\n1\n",  # one column
    ],
)
def test_files_outside_the_plain_form_are_left_to_pandas(tmp_path, content):
    path = tmp_path / "odd.csv"
    path.write_text(content, encoding="utf-8")
    assert read_csv_columns(path, ["a", "b"]) is None


def test_r_write_csv_quotes_read_as_pandas_reads_them(tmp_path):
    path = tmp_path / "from_r.csv"
    path.write_text('"province","unit","q1","w"\n"01","Hà Nội",4,1.5\n"02","",NA,2\n"03","Huế","5",3\n',
                    encoding="utf-8")
    columns = _same_as_pandas(path)
    assert columns["province"].tolist() == [1, 2, 3] and columns["q1"].dtype == np.float64


def test_invalid_utf8_is_left_to_pandas_and_its_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a,b\n1,\xd0\xe0\n")  # "Đà" in Windows Vietnamese (cp1258), not UTF-8
    assert read_csv_columns(path, ["a"]) is None
    res = CliRunner().invoke(indices_command, [str(path), "--items", "A=a"])
    assert res.exit_code == 2 and "không đọc được tệp" in res.stderr


def test_only_the_asked_columns_are_read(tmp_path):
    path = tmp_path / "some.csv"
    path.write_text("a,comment,b\n1,free text here,2\n3,more,4\n", encoding="utf-8")
    columns = read_csv_columns(path, ["b", "a", "missing"])
    assert list(columns) == ["b", "a"] and columns["b"].tolist() == [2, 4]


@pytest.mark.parametrize(
    "values",
    [
        np.array([3, 1, 2, 3]),
        np.array([2.5, np.nan, -1.0, 2.5]),
        np.array(["b", np.nan, "a", "Đà Nẵng", "b"], dtype=object),
        np.array([True, False, True]),
        np.array([1, "a", None], dtype=object),  # a mix: pandas decides
    ],
)
def test_factorize_values_is_pandas_factorize(values):
    codes, labels = factorize_values(values)
    want_codes, want_labels = pd.factorize(pd.Series(values), sort=True)
    assert codes.tolist() == want_codes.tolist()
    assert [str(v) for v in labels] == [str(v) for v in want_labels]


def test_a_text_answer_stops_with_file_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("province,q1,q2\n1,4,5\n1,5,rất tốt\n2,4,4\n", encoding="utf-8")
    res = CliRunner().invoke(indices_command, [str(path), "--items", "A=q1,q2", "--strata", "province"])
    assert res.exit_code == 2
    assert f"{path}, dòng 3, cột q2: 'rất tốt' không phải là một số" in res.stderr


def test_plain_and_pandas_reads_give_the_same_indices(tmp_path):
    data = FIXTURES / "sipas_small.csv"
    args = ["--items", "A=a1,a2,a3", "--items", "B=b1,b2", "--weight", "wt", "--strata", "province",
            "--psu", "commune", "--by", "gender", "--compare", "channel=kiosk:online", "--format", "csv"]
    plain = CliRunner().invoke(indices_command, [str(data), *args])
    quoted = tmp_path / "quoted.csv"
    pd.read_csv(data).assign(note="a, b").to_csv(quoted, index=False, quoting=1)  # a comma in quotes: pandas
    assert read_csv_columns(quoted, ["wt"]) is None
    by_pandas = CliRunner().invoke(indices_command, [str(quoted), *args])
    assert plain.exit_code == 0 and by_pandas.exit_code == 0, plain.output + by_pandas.output
    assert plain.output == by_pandas.output


def test_a_file_of_many_slices_reads_as_pandas_reads_it(tmp_path, monkeypatch):
    """Rows are read in slices: a column's type comes from all of them, not from the first slice."""
    from survey.cli import csv_columns

    monkeypatch.setattr(csv_columns, "CHUNK_BYTES", 64)  # about three rows per slice
    rng = np.random.default_rng(8)
    n = 400
    frame = pd.DataFrame({
        "late_text": ["1"] * (n - 1) + ["Hà Giang"],  # a word in the last slice makes it text
        "late_dot": [str(i) for i in range(n - 1)] + ["2.5"],  # a decimal only in the last slice
        "late_blank": [str(i) for i in range(n - 1)] + [""],  # one blank at the end: float
        "early_blank": [""] * 5 + [str(i) for i in range(n - 5)],  # blank only in the first slice
        "late_marker": ["3"] * (n - 1) + ["NA"],
        "width": [str(10 ** (i % 6)) for i in range(n)],  # widths differ from slice to slice
        "q": rng.choice(["1", "2", "9", ""], n),
    })
    path = tmp_path / "slices.csv"
    path.write_text(frame.to_csv(index=False), encoding="utf-8")
    columns = _same_as_pandas(path)
    assert columns["late_text"].dtype == object and columns["late_dot"].dtype == np.float64
    assert columns["late_blank"].dtype == np.float64 and columns["width"].dtype == np.int64
    assert np.isnan(columns["early_blank"][:5]).all() and columns["early_blank"][5] == 0


def test_a_ragged_row_in_a_late_slice_goes_to_pandas(tmp_path, monkeypatch):
    from survey.cli import csv_columns

    monkeypatch.setattr(csv_columns, "CHUNK_BYTES", 32)
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n" + "1,2\n" * 100 + "3,4,5\n" + "6,7\n", encoding="utf-8")
    assert read_csv_columns(path, ["a", "b"]) is None
