"""Server-side SVG charts: well-formed, accessible, escaped, numbers in the page's locale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from survey.web import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def vi(app):
    with app.test_request_context("/?lang=vi"):
        from flask_babel import refresh

        refresh()
        yield


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_forest_plot_rows_flags_reference_and_labels(vi):
    rows = [
        charts.Estimate("Phường <Ba Đình> & co", 90.2857, 88.1, 92.4, "above"),
        charts.Estimate("Xã Sóc Sơn", 70.0, 65.0, 75.0, "below", highlight=True),
        charts.Estimate("Phường Hoàn Kiếm", 80.0, 77.0, 83.0, "none"),
    ]
    svg = charts.forest_plot(rows, chart_id="f", title="Tiêu đề", desc="Mô tả", reference=81.5,
                             reference_label="Mức chung", flag_labels={"above": "cao hơn"})
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "f-title f-desc"
    assert root.find(f"{SVG}title").text == "Tiêu đề" and root.find(f"{SVG}desc").text == "Mô tả"
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]
    assert [g.get("data-flag") for g in groups] == ["above", "below", "none"]
    texts = _texts(root)
    assert "Phường <Ba Đình> & co" in texts  # escaped in the markup, intact as text
    assert "&lt;Ba Đình&gt; &amp; co" in str(svg)
    assert "▲ 90,3 %" in texts and "▼ 70,0 %" in texts and "80,0 %" in texts
    assert "Mức chung 81,5 %" in texts
    assert "cao hơn" in "".join(g.find(f"{SVG}title").text for g in groups)
    reference = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "reference")
    circles = list(root.iter(f"{SVG}circle"))
    # the reference (81.5) lies between the 80 and the 90.3 dots on the x axis
    assert float(circles[1].get("cx")) < float(reference.get("x1")) < float(circles[0].get("cx"))
    assert len(list(root.iter(f"{SVG}rect"))) == 1  # the highlighted unit is a square


def test_trend_chart_points_in_order_with_intervals(vi):
    points = [charts.Estimate("SIPAS 2024", 80.0, 78.0, 82.0), charts.Estimate("SIPAS 2025", None),
              charts.Estimate("SIPAS 2026", 84.5, 83.0, 86.0)]
    root = _parse(charts.trend_chart(points, chart_id="t", title="Xu hướng", desc="d"))
    labels = [t for t in _texts(root) if t.startswith("SIPAS")]
    assert labels == ["SIPAS 2024", "SIPAS 2025", "SIPAS 2026"]
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 2 and float(circles[1].get("cy")) < float(circles[0].get("cy"))  # higher is up
    assert "84,5 %" in _texts(root) and root.find(f"{SVG}path") is not None


def test_heat_map_colours_and_empty_cells(vi):
    cells = {(0, 8): (9, 10), (0, 9): (1, 10), (4, 16): (5, 10)}
    root = _parse(charts.heat_map(cells, chart_id="h", title="h", desc="d",
                                  weekday_labels=["T2", "T3", "T4", "T5", "T6", "T7", "CN"], hours=range(7, 18)))
    cell_groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "cell"]
    assert len(cell_groups) == 7 * 11
    fills = {g.find(f"{SVG}title").text: g.find(f"{SVG}rect").get("fill") for g in cell_groups}
    assert fills["T2 8h: 90 % (9/10)"] != fills["T2 9h: 10 % (1/10)"]
    assert fills["T3 8h: —"] == "#eef1f5"
    green, red = int(fills["T2 8h: 90 % (9/10)"][3:5], 16), int(fills["T2 9h: 10 % (1/10)"][3:5], 16)
    assert green > red  # more green in the satisfied cell


def test_item_bars_highlight_the_weakest(vi):
    rows = [charts.Estimate("Câu yếu", 55.0, 50.0, 60.0, highlight=True), charts.Estimate("Câu tốt", 95.0)]
    root = _parse(charts.item_bars(rows, chart_id="i", title="i", desc="d"))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert len(bars) == 2
    # each bar: a track and a value rect, labelled with its item (the weakest first, as given)
    assert [len(list(b.iter(f"{SVG}rect"))) for b in bars] == [2, 2]
    assert ["Câu yếu" in "".join(b.itertext()) for b in bars] == [True, False]
    track, bar = (float(rect.get("width")) for rect in bars[0].iter(f"{SVG}rect"))
    widths = [bar, float(list(bars[1].iter(f"{SVG}rect"))[1].get("width"))]
    assert widths[0] < widths[1] and abs(widths[0] / track - 0.55) < 0.01 and abs(widths[1] / track - 0.95) < 0.01
    assert list(bars[0].iter(f"{SVG}rect"))[1].get("fill") == charts.BELOW
    assert "55,0 %" in _texts(root)


def test_english_numbers(app):
    with app.test_request_context("/?lang=en"):
        from flask_babel import refresh

        refresh()
        root = _parse(charts.item_bars([charts.Estimate("Item", 90.29)], chart_id="e", title="t", desc="d"))
        assert "90.3%" in _texts(root)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_fast_percent_matches_the_pct_filter(app, lang):
    import numpy as np

    from survey.web.i18n import format_percent

    values = [0.0, 0.004, 0.005, 9.995, 12.345, 90.285714, 99.99999, 100.0, 1234.5678, -3.21, None, float("nan")]
    values += list(np.random.default_rng(1).uniform(0, 100, 200))
    with app.test_request_context(f"/?lang={lang}"):
        from flask_babel import refresh

        refresh()
        for digits in (0, 1, 2):
            for value in values:
                assert charts.fast_percent(value, digits) == format_percent(value, digits), (value, digits)


def test_heat_map_text_is_readable_on_every_colour_and_few_ratings_are_grey(vi):
    # every share the palette can draw: the chosen text colour has at least 4.5:1 (WCAG 1.4.3)
    worst = min(charts.contrast_ratio(charts._heat_colour(k / 200), charts.text_colour_on(charts._heat_colour(k / 200)))
                for k in range(201))
    assert worst >= 4.5
    assert round(charts.contrast_ratio("#ffffff", "#000000"), 2) == 21.0
    cells = {(0, 8): (2, 4), (0, 9): (4, 5)}
    root = _parse(charts.heat_map(cells, chart_id="h", title="h", desc="d", weekday_labels=["T2"] * 7,
                                  hours=range(7, 18), min_total=5, few_label="quá ít lượt"))
    groups = {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "cell"}
    few = groups["T2 8h: — (quá ít lượt: 4)"]  # 4 ratings: no 50 %, a grey "—"
    assert few.find(f"{SVG}rect").get("fill") == charts.EMPTY_FILL and "".join(few.itertext()).endswith("—")
    enough = groups["T2 9h: 80 % (4/5)"]
    fill, ink = enough.find(f"{SVG}rect").get("fill"), enough.find(f"{SVG}text").get("fill")
    assert charts.contrast_ratio(fill, ink) >= 4.5


def test_forest_plot_legend_and_not_estimable_rows(vi):
    rows = [
        charts.Estimate("A", 90.0, 88.0, 92.0, "above", decision_low=86.5, decision_high=93.5),
        charts.Estimate("B", 80.0, 70.0, 90.0, "not_estimable"),
    ]
    root = _parse(charts.forest_plot(rows, chart_id="f", title="t", desc="d", reference=85.0,
                                     legend=("Khoảng kết luận", "KTC 95 %")))
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert len(legend) == 1 and "Khoảng kết luận" in "".join(legend[0].itertext())
    a, b = (g for g in root.iter(f"{SVG}g") if g.get("class") == "row")
    assert sorted(line.get("class") for line in a.iter(f"{SVG}line")) == ["ci", "decision"]
    assert not list(b.iter(f"{SVG}line")) and b.find(f"{SVG}circle").get("class") == "not-estimable"
    assert "⚠ 80,0 %" in _texts(root)
