"""A strict axe-core run for the dashboard pages: the WCAG 2.1 A and AA rules, any violation fails.

(The conftest's ``axe_check`` fails on serious and critical findings only; the browser-test helpers
are to be unified later.)
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, with a few offending nodes each."""
    # Evaluated through the debugging protocol: the page's Content-Security-Policy stays on.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + (n.failureSummary || ""))}));
        }""",
        WCAG_TAGS,
    )


def assert_no_axe_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"WCAG 2.1 A/AA violations on {where}: {violations}"


def page_scrolls_sideways(page) -> bool:
    """Whether the page itself (not a table in its own box) is wider than the window."""
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


HEAT_CONTRASTS = """() => {
    const lum = (hex) => {
        const c = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16) / 255)
            .map(v => v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const hex = (colour) => {
        if (colour.startsWith("#")) return colour;
        const m = colour.match(/\\d+/g).map(Number);
        return "#" + m.slice(0, 3).map(v => v.toString(16).padStart(2, "0")).join("");
    };
    return [...document.querySelectorAll("svg#heat g.cell")].map(g => {
        const fill = hex(getComputedStyle(g.querySelector("rect")).fill);
        const ink = hex(getComputedStyle(g.querySelector("text")).fill);
        const [a, b] = [lum(fill), lum(ink)].sort((x, y) => y - x);
        return {cell: g.querySelector("title").textContent, ratio: (a + 0.05) / (b + 0.05)};
    });
}"""


def heat_map_contrasts(page) -> list[dict]:
    """Each heat-map cell's text contrast against its own background, computed in the page."""
    return page.evaluate(HEAT_CONTRASTS)


def wide_elements(page) -> list[str]:
    """The elements that stick out to the right of the window (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest(".table-scroll, .chart-wrap"))
        .slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))""")
