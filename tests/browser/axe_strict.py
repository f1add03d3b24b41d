"""axe-core with the WCAG 2.1 A and AA rules, where any violation fails (not only serious ones).

The ``axe_check`` fixture of conftest.py fails on serious and critical violations of every
rule; :func:`assert_wcag_aa` is the stricter check of the accessibility statement
(docs/accessibility.md): the rules tagged wcag2a, wcag2aa, wcag21a and wcag21aa, whatever
the impact.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def wcag_violations(page) -> list[dict]:
    """The WCAG 2.1 A/AA violations on the page as it is now: rule, impact, help and up to 3 elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the debugging protocol, so the page's Content-Security-Policy stays on.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || ""))}));
        }""",
        list(WCAG_21_AA),
    )


def assert_wcag_aa(page, where: str) -> None:
    """Fail with every WCAG 2.1 A/AA violation axe finds on ``page`` (``where`` names the page and state)."""
    violations = wcag_violations(page)
    assert violations == [], f"WCAG 2.1 AA violations on {where}: {violations}"
