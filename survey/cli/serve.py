"""``sipas serve``: the production web server (gunicorn)."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.app import create_cli_app
from survey.domain.demo import DEMO_URLS_FILE
from survey.i18n import _
from survey.serving.queue import worker_beside
from survey.serving.server import WORKER_CLASSES, run_gunicorn
from survey.settings import DEFAULT_CONNECTIONS


@click.command("serve", help=_("Chạy máy chủ web (gunicorn) cho môi trường thật."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Địa chỉ lắng nghe."))
@click.option("--port", default=5000, show_default=True, type=int, help=_("Cổng."))
@click.option("--workers", default=None, type=int, help=_("Số tiến trình (mặc định: 2 với SQLite, 2 × số lõi + 1 với PostgreSQL)."))
@click.option("--connections", default=DEFAULT_CONNECTIONS, show_default=True, type=int,
              help=_("Số kết nối mở tối đa mỗi tiến trình (mỗi kết nối một luồng)."))
@click.option("--job-workers", default=1, show_default=True, type=click.IntRange(min=0),
              help=_("Số việc nền chạy cùng lúc trong tiến trình `sipas worker` đi kèm (0: không chạy nó, khi đã có `sipas worker` riêng)."))
@click.option("--worker", type=click.Choice(list(WORKER_CLASSES)), default=None,
              help=_("Loại worker của gunicorn (mặc định: thiết lập SERVE_WORKER, connection-threads)."))
def serve_command(host: str, port: int, workers: int | None, connections: int, worker: str | None,
                  job_workers: int) -> None:
    app = create_cli_app()
    worker = worker or app.config["SERVE_WORKER"]
    if worker not in WORKER_CLASSES:
        raise click.UsageError(_("SERVE_WORKER không hợp lệ: %(worker)s; chọn một trong: %(choices)s.",
                                 worker=worker, choices=", ".join(WORKER_CLASSES)))
    urls = Path(app.instance_path) / DEMO_URLS_FILE
    click.echo(_("SIPAS đang chạy tại http://%(host)s:%(port)d/", host=host, port=port))
    if urls.exists() and app.config["ENV_NAME"] == "production":  # a production log never holds a tablet's token
        click.echo(_("Đường dẫn máy tính bảng và tài khoản mẫu: trong tệp %(path)s (chỉ chủ tệp đọc được).", path=urls))
    elif urls.exists():
        lines = urls.read_text(encoding="utf-8").splitlines()  # the file's first line says what {base} is
        click.echo("\n".join(line.replace("{base}", f"http://{host}:{port}")
                             for line in lines if not line.startswith("{base}:")))
    with worker_beside(app, workers=job_workers):  # the jobs the pages start need a worker
        run_gunicorn(app, host=host, port=port, workers=workers, connections=connections, worker=worker)
