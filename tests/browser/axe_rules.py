"""The accessibility checks of the browser tests, for every page (docs/accessibility.md).

``assert_wcag_aa`` runs axe-core with the WCAG 2.1 A and AA rules (tags wcag2a, wcag2aa,
wcag21a, wcag21aa) and fails on any violation, whatever its impact; conftest's
``axe_check`` fixture is the looser check (serious and critical findings of every rule).
The other helpers measure what axe cannot: the contrast of focus rings, borders and
heat-map cells (WCAG 1.4.3, 1.4.11) and sideways scrolling at 320 px (WCAG 1.4.10).
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PORTRAIT_TABLET = {"width": 800, "height": 1280}


def wcag_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through the debugging protocol: the page's Content-Security-Policy stays on.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + (n.failureSummary || ""))}));
        }""",
        WCAG_AA_TAGS,
    )


def assert_wcag_aa(page, context: str) -> None:
    violations = wcag_violations(page)
    assert violations == [], f"WCAG 2.1 AA violations on {context}: {violations}"


_CONTRAST_JS = """
(args) => {
  const [selector, property, against] = args;
  function rgb(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return parts.length > 3 && parts[3] === 0 ? null : parts.slice(0, 3);
  }
  function luminance(c) {
    const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(node) {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c) return c;
    }
    return [255, 255, 255];
  }
  const el = document.querySelector(selector);
  if (!el) return null;
  const colour = rgb(getComputedStyle(el)[property]);
  if (!colour) return 0;
  const back = against === "parent" ? background(el.parentElement) : background(el);
  const [a, b] = [luminance(colour), luminance(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def contrast(page, selector: str, css_property: str, against: str = "parent") -> float:
    """Contrast ratio of ``css_property`` (a colour) of the first ``selector`` with the background behind it."""
    ratio = page.evaluate(_CONTRAST_JS, [selector, css_property, against])
    assert ratio is not None, f"nothing matches {selector}"
    return round(ratio, 2)


def focus_ring_contrast(page, selector: str) -> float:
    """Contrast of the focus outline of ``selector`` (focused now) with the background around it."""
    return contrast(page, selector, "outlineColor", against="parent")


def page_scrolls_sideways(page) -> bool:
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
