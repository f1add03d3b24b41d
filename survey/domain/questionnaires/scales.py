"""Checks of the scales: block and of the answer options of scales and choice items."""

from __future__ import annotations

import difflib
from typing import Any

from .builtin import BUILTIN_SCALES
from .checks import CODE_RE, Checker, deep_copy, is_int, kind_of, quoted

SCALE_FIELDS = {"label", "options"}


class ScaleChecks(Checker):
    """The scales: block, answer options and references to a scale."""

    def scale_block(self, value: Any) -> None:
        self.scales = {name: deep_copy(scale) for name, scale in BUILTIN_SCALES.items()}
        if value is None:
            return
        block = self.mapping(value, "scales", "scales")
        for name, scale in (block or {}).items():
            path = f"scales.{name}"
            if self.code(name, path, "scale name") is None:
                continue
            normalised = self.scale(scale, path)
            if normalised is not None:
                self.scales[name] = normalised
                self.declared_scales.add(name)
            else:
                self.scales.pop(name, None)

    def scale(self, value: Any, path: str) -> dict[str, Any] | None:
        scale = self.mapping(value, path, "a scale")
        if scale is None:
            return None
        self.fields(scale, path, SCALE_FIELDS, ("options",))
        result: dict[str, Any] = {}
        if scale.get("label") is not None:
            result["label"] = self.text(scale["label"], f"{path}.label", "scale label")
        options = self.options(
            scale.get("options"), f"{path}.options", integer_codes=True, allow_exclusive=False
        )
        if options is None or len(options) < 2:
            if options is not None:
                self.error(f"{path}.options", "a scale needs at least two options")
            return None
        result["options"] = options
        return result

    def options(
        self, value: Any, path: str, integer_codes: bool, allow_exclusive: bool
    ) -> list[dict] | None:
        if value is None:
            return None
        raw = self.sequence(value, path, "options")
        result: list[dict[str, Any]] = []
        seen: dict[Any, int] = {}
        ok = bool(raw)
        for i, option in enumerate(raw):
            opath = f"{path}[{i}]"
            option = self.mapping(option, opath, "an option")
            if option is None:
                ok = False
                continue
            allowed = {"code", "label", "exclusive"} if allow_exclusive else {"code", "label"}
            self.fields(option, opath, allowed, ("code", "label"))
            code = option.get("code")
            if code is None:
                ok = False
            elif integer_codes and not is_int(code):
                self.error(
                    f"{opath}.code",
                    f"option code must be a whole number, not {kind_of(code)} ({quoted(code)})",
                )
                ok = False
            elif (
                not integer_codes
                and not is_int(code)
                and not (isinstance(code, str) and CODE_RE.match(code))
            ):
                self.error(
                    f"{opath}.code",
                    f"option code must be a whole number or a code such as 'other', "
                    f"not {quoted(code)}",
                )
                ok = False
            elif (type(code), code) in seen:
                self.error(
                    f"{opath}.code",
                    f"duplicate option code {quoted(code)} "
                    f"(already used by {path}[{seen[(type(code), code)]}])",
                )
                ok = False
            else:
                seen[(type(code), code)] = i
            label = (
                self.text(option.get("label"), f"{opath}.label", "option label")
                if option.get("label") is not None
                else None
            )
            ok = ok and label is not None
            normalised: dict[str, Any] = {"code": code, "label": label}
            if allow_exclusive:
                normalised["exclusive"] = self.boolean(option, "exclusive", opath, False)
            result.append(normalised)
        if ok and len({type(o["code"]) for o in result}) > 1:
            self.error(path, "option codes of one item must be all numbers or all text codes")
            ok = False
        return result if ok else None

    def scale_ref(self, name: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(name, str):
            self.error(path, f"scale must be the name of a scale, not {kind_of(name)}")
            return None
        if name not in self.scales:
            known = sorted(self.scales)
            close = difflib.get_close_matches(name, known, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f" (known scales: {', '.join(known)})"
            )
            self.error(path, f"unknown scale '{name}'{hint}")
            return None
        scale = self.scales[name]
        for option in scale["options"]:
            missing = [lang for lang in self.languages if lang not in option["label"]]
            if missing:
                self.error(
                    path,
                    f"built-in scale '{name}' has no '{missing[0]}' text; "
                    f"declare it under scales: with labels in every language",
                )
                return None
        self.used_scales.add(name)
        return scale
