"""What the kiosk app in the browser needs: its configuration, texts and assets."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from survey.domain.questionnaires import QuestionnaireDefinition
from survey.models import Device, SurveyRound

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
# Files the kiosk page loads; the service worker keeps them for offline use.
KIOSK_ASSETS = ("css/sipas.css", "css/kiosk.css", "js/relevant.js", "kiosk/outbox.js", "kiosk/kiosk.js")
SERVICE_WORKER = STATIC_DIR / "kiosk" / "sw.js"
COUNTDOWN_SECONDS = 20  # WCAG 2.2.1: at least 20 s to say "I am still here"
CONFIG_REFRESH_SECONDS = 300

_ITEM_FIELDS = (
    "code", "type", "required", "label", "help", "relevant_ast", "min", "max", "integer",
    "unit", "max_length", "multiline", "min_choices", "max_choices",
)


@lru_cache(maxsize=32)
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_version(filename: str) -> str:
    """A short content hash of a static file, to bust caches when it changes."""
    path = STATIC_DIR / filename
    return _file_hash(str(path), path.stat().st_mtime)


def asset_url(filename: str) -> str:
    return url_for("static", filename=filename, v=asset_version(filename))


def asset_urls() -> list[str]:
    return [asset_url(name) for name in KIOSK_ASSETS]


def service_worker_source(kiosk_url: str) -> str:
    """The service worker, told which URLs to keep; its text changes whenever an asset does."""
    assets = asset_urls()
    body = SERVICE_WORKER.read_text(encoding="utf-8")
    version = hashlib.sha256(("\n".join([kiosk_url, *assets]) + body).encode()).hexdigest()[:12]
    header = (
        f"const KIOSK_VERSION = {_js(version)};\n"
        f"const KIOSK_URL = {_js(kiosk_url)};\n"
        f"const KIOSK_ASSETS = {_js(assets)};\n"
    )
    return header + body


def _js(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def main_item(questionnaire: QuestionnaireDefinition) -> str | None:
    """The main rating: the overall item if the index names one, else the first satisfaction item."""
    overall = (questionnaire.indices or {}).get("overall") or {}
    if overall.get("item") in questionnaire:
        return overall["item"]
    satisfaction = [i for i in questionnaire.items if i.type == "satisfaction"]
    required = [i for i in satisfaction if i.required]
    chosen = (required or satisfaction or [None])[0]
    return chosen.code if chosen is not None else None


def _items(questionnaire: QuestionnaireDefinition) -> list[dict[str, Any]]:
    items = []
    for section in questionnaire.definition["sections"]:
        for raw in section["items"]:
            item = {key: raw[key] for key in _ITEM_FIELDS if raw.get(key) is not None}
            item["section"] = section["code"]
            if raw.get("options"):
                item["options"] = [
                    {"code": o["code"], "label": o["label"], "exclusive": bool(o.get("exclusive"))}
                    for o in raw["options"]
                ]
            items.append(item)
    return items


def _texts() -> dict[str, str]:
    return {
        "send": _("Gửi đánh giá"),
        "next": _("Tiếp tục"),
        "back": _("Quay lại"),
        "required": _("Vui lòng trả lời câu hỏi này."),
        "thanks": _("Cảm ơn Ông/Bà đã đánh giá!"),
        "thanks_note": _("Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn."),
        "countdown": _("Không thấy Ông/Bà trả lời. Màn hình sẽ trở về đầu sau %(seconds)s giây.", seconds="{n}"),
        "still_here": _("Tôi vẫn đang trả lời"),
        "pending": _("Chờ gửi: %(n)s", n="{n}"),
        "offline": _("Mất kết nối: đánh giá được lưu trên máy và sẽ tự gửi khi có mạng."),
        "closed": _("Hiện chưa có đợt đánh giá nào đang mở tại quầy này."),
        "language": _("Ngôn ngữ"),
    }


def kiosk_config(
    device: Device, token: str, survey_round: SurveyRound | None, questionnaire: QuestionnaireDefinition | None
) -> dict[str, Any]:
    """Everything the kiosk app needs, in every language it offers (it works offline)."""
    cfg = current_app.config
    languages = list(questionnaire.languages) if questionnaire else ["vi"]
    for lang in ("vi", "en"):
        if lang not in languages:
            languages.append(lang)
    texts = {}
    for lang in languages:
        with force_locale(lang):
            texts[lang] = _texts()
    idle = int(cfg["KIOSK_IDLE_SECONDS"])
    config: dict[str, Any] = {
        "open": questionnaire is not None,
        "device": {"unit": device.unit.name, "counter": device.counter_label},
        "device_token": token,
        "api_url": request.script_root + "/api/v1/responses",
        "config_url": url_for("kiosk.config", token=token),
        "languages": languages,
        "default_language": "vi",
        "idle_seconds": idle,
        "countdown_seconds": COUNTDOWN_SECONDS,
        "min_interval_seconds": int(cfg["KIOSK_MIN_INTERVAL_SECONDS"]),
        # The thank-you screen outlasts the API's minimum interval between two
        # responses of one tablet, so the next respondent is never refused.
        "thanks_seconds": max(5, int(cfg["KIOSK_MIN_INTERVAL_SECONDS"]) + 1),
        "keep_partial_with_main_rating": bool(cfg["KIOSK_KEEP_PARTIAL_WITH_MAIN_RATING"]),
        "config_refresh_seconds": CONFIG_REFRESH_SECONDS,
        "texts": texts,
    }
    if questionnaire is not None and survey_round is not None:
        definition = questionnaire.definition
        config["questionnaire"] = {
            "id": questionnaire.id,
            "version": questionnaire.version,
            "title": definition["title"],
            "description": definition.get("description"),
            "items": _items(questionnaire),
        }
        config["main_item"] = main_item(questionnaire)
        config["round"] = survey_round.code
    return config
