"""``sipas worker``: runs the background jobs (release and weight computations) from the job queue."""

from __future__ import annotations

import logging
import re

import click

from survey.cli.app import create_cli_app
from survey.i18n import _
from survey.serving.queue import job_queue, queue_url, run_worker


@click.command("worker", help=_("Chạy các việc nền (tính kết quả, tính trọng số) từ hàng đợi việc."))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help=_("Số việc chạy cùng lúc (mỗi việc một luồng)."))
def worker_command(workers: int) -> None:
    app = create_cli_app()
    if job_queue(app).huey.immediate:
        raise click.UsageError(_("Hàng đợi việc là 'immediate': việc nền chạy ngay nơi bắt đầu, không cần tiến trình này."))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = re.sub(r"//[^/@]*@", "//***@", queue_url(app))  # no password on the screen
    click.echo(_("Đang chạy việc nền từ %(queue)s (Ctrl-C để dừng).", queue=queue))
    run_worker(app, workers=workers)
