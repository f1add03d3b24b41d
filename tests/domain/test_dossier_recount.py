"""`sipas dossiers recount` and the ``recount_months`` job store the stale ended months, equal to the live count.

The dossiers are received in the month before the real one (the command and the job judge "now"), so the
months they touch are over whenever the tests run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from survey.domain.dossiers import current_definition, intake_events, month_score
from survey.domain.dossiers.closed_months import calendar_key
from survey.domain.dossiers.recount import RECOUNT_JOB, recount_months, recount_needed
from survey.models import Dossier, Job, JobStatus, Unit
from survey.models.dossiers import DossierMonth
from survey.serving.queue import start_job
from tests.domain.test_dossiers_cli import _write, invoke
from tests.dossier_fixtures import portal_units


def last_month() -> tuple[int, int, datetime]:
    """The month before the current one (Hà Nội time) and a moment early in it, in UTC."""
    first = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    previous = first - timedelta(days=20)
    return previous.year, previous.month, previous.replace(day=3, hour=2)


def portal(moment: datetime) -> str:
    return (moment + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")


def sync(code: str, received: datetime, unit: str, handled_days: int) -> dict:
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": portal(received), "MaHoSo": code, "MaTTHC": "1.001234",
            "DonViXuLy": unit, "NgayTiepNhan": portal(received), "NgayHenTra": portal(received + timedelta(days=3)),
            "NgayKetThucXuLy": portal(received + timedelta(days=handled_days))}


def take(session, n_late: int = 1) -> dict:
    """Four dossiers of the commune (``n_late`` handled a day late) and one of the other province."""
    _year, _month, received = last_month()
    events = [sync(f"C{n}", received + timedelta(days=n), "H26.189", 4 if n < n_late else 1) for n in range(4)]
    events.append(sync("O1", received, "H27", 1))
    report = intake_events(session, events, source="motcua")
    assert report.refused == 0
    session.flush()


def stale(session) -> int:
    key = calendar_key(current_definition())
    return session.scalar(select(func.count()).select_from(DossierMonth).where(
        (DossierMonth.counted_generation.is_(None)) | (DossierMonth.counted_generation != DossierMonth.generation)
        | (DossierMonth.calendar_key != key)))


def stored(session, year: int, month: int) -> dict[int, tuple[int, int]]:
    rows = session.execute(select(DossierMonth.unit_id, DossierMonth.satisfied, DossierMonth.received)
                           .where(DossierMonth.month == f"{year}-{month:02d}"))
    return {unit_id: (satisfied, received) for unit_id, satisfied, received in rows if received}


def live(session, year: int, month: int) -> dict[int, tuple[int, int]]:
    score = month_score(session, year, month)
    return {unit.id: (int(s), int(r)) for unit, s, r in
            zip(score.units, score.dossiers.numerator, score.dossiers.denominator, strict=True) if r}


def test_recount_stores_every_unit_month_equal_to_the_live_score(db_session, make_unit):
    units = portal_units(db_session, make_unit)
    take(db_session, n_late=1)
    year, month, _received = last_month()
    assert stale(db_session) == 2  # the two units' last month, bumped by the intake, never counted
    report = recount_months(db_session, months=3)
    n_units = db_session.scalar(select(func.count()).select_from(Unit))
    assert (report.unit_months, report.months) == (3 * n_units, 3)  # the missing rows are stored too
    assert stale(db_session) == 0
    assert stored(db_session, year, month) == live(db_session, year, month) == {
        units["commune"].id: (3, 4), units["other"].id: (1, 1)}
    assert recount_months(db_session, months=3).unit_months == 0  # all current: nothing counted again

    db_session.execute(Dossier.__table__.update().values(handled_at=None).where(Dossier.code == "C1"))
    assert stale(db_session) == 3 * n_units  # a bulk statement bumps every stored month
    assert recount_months(db_session, months=1).unit_months == n_units
    assert stale(db_session) == 2 * n_units  # --months 1: the older months stay stale
    assert stored(db_session, year, month)[units["commune"].id] == live(db_session, year, month)[
        units["commune"].id] == (2, 4)  # C1 no longer handled: past its due time at the month's end


def test_recount_needed_only_for_a_stale_ended_month_and_no_job_waiting(db_session, make_unit):
    portal_units(db_session, make_unit)
    assert not recount_needed(db_session)
    take(db_session)
    assert recount_needed(db_session)
    db_session.add(Job(kind=RECOUNT_JOB, status=JobStatus.QUEUED, parameters={}))
    db_session.flush()
    assert not recount_needed(db_session)  # one waits already: not a second


def test_the_command_prints_how_many_unit_months_it_counted(app, db_session, make_unit):
    portal_units(db_session, make_unit)
    take(db_session, n_late=2)
    db_session.commit()
    n_units = db_session.scalar(select(func.count()).select_from(Unit))
    result = invoke(app, "dossiers", "recount", "--months", "2")
    assert result.exit_code == 0, result.output
    assert f"Đã đếm lại {2 * n_units} tháng của đơn vị (trong 2 tháng)." in result.output
    db_session.expire_all()
    assert stale(db_session) == 0
    year, month, _received = last_month()
    assert stored(db_session, year, month) == live(db_session, year, month)
    again = invoke(app, "dossiers", "recount", "--months", "2")
    assert "Đã đếm lại 0 tháng của đơn vị (trong 0 tháng)." in again.output
    bad = invoke(app, "dossiers", "recount", "--months", "0")
    assert bad.exit_code == 2 and "--months" in bad.output


def test_the_job_runs_on_the_immediate_queue(app, db_session, make_unit):
    units = portal_units(db_session, make_unit)
    take(db_session, n_late=3)
    db_session.commit()
    job = start_job(app, RECOUNT_JOB, months=2)
    db_session.refresh(job)
    n_units = db_session.scalar(select(func.count()).select_from(Unit))
    assert job.status == JobStatus.DONE, job.message
    assert job.result == {"unit_months": 2 * n_units, "months": 2}
    assert stale(db_session) == 0
    year, month, _received = last_month()
    assert stored(db_session, year, month)[units["commune"].id] == (1, 4)


def test_a_file_import_and_a_purge_enqueue_the_job_once(app, db_session, make_unit, tmp_path):
    units = portal_units(db_session, make_unit)
    db_session.commit()
    _year, _month, received = last_month()
    lines = ["MaHoSo,MaTTHC,DonViXuLy,ThoiGianSuKien,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy"]
    lines += [f"F{n},1.001234,H26.189,{portal(received)},{portal(received)},{portal(received + timedelta(days=3))},"
              f"{portal(received + timedelta(days=1 + 3 * n))}" for n in range(2)]
    result = invoke(app, "dossiers", "import", _write(tmp_path, "\n".join(lines) + "\n", "events.csv"))
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    jobs = db_session.scalars(select(Job).where(Job.kind == RECOUNT_JOB)).all()
    assert [job.status for job in jobs] == [JobStatus.DONE]
    year, month, _received = last_month()
    assert stored(db_session, year, month) == {units["commune"].id: (1, 2)}
    assert stale(db_session) == 0
    invoke(app, "dossiers", "import", _write(tmp_path, "\n".join(lines) + "\n", "events.csv"))  # nothing new
    assert db_session.scalar(select(func.count()).select_from(Job).where(Job.kind == RECOUNT_JOB)) == 1
    db_session.execute(Dossier.__table__.update().values(returned=True))  # bulk: every stored month stale
    db_session.commit()
    assert invoke(app, "dossiers", "purge").exit_code == 0
    db_session.expire_all()
    assert stale(db_session) == 0  # the purge enqueued a second job, run at once
    assert db_session.scalar(select(func.count()).select_from(Job).where(Job.kind == RECOUNT_JOB)) == 2
    db_session.execute(insert(Job), [{"kind": RECOUNT_JOB, "status": JobStatus.QUEUED, "progress": 0.0,
                                      "message": "", "parameters": {}}])
    db_session.execute(Dossier.__table__.update().values(returned=False))
    db_session.commit()
    assert invoke(app, "dossiers", "purge").exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(Job).where(Job.kind == RECOUNT_JOB)) == 3  # one waits
    db_session.expire_all()
    assert stale(db_session) > 0


def test_an_api_batch_that_stores_events_enqueues_the_job_once(client, db_session, make_unit):
    from survey.domain.dossiers import add_credential
    from tests.web.test_dossier_api import post

    units = portal_units(db_session, make_unit)
    _credential, secret = add_credential(db_session, "Một cửa H26", units["province"])
    db_session.commit()
    _year, _month, received = last_month()
    batch = {"events": [sync("A1", received, "H26.189", 4), sync("A2", received, "H26.189", 1)]}
    assert post(client, secret, batch).json["stored"] == 2
    db_session.expire_all()
    jobs = db_session.scalars(select(Job).where(Job.kind == RECOUNT_JOB)).all()
    assert [job.status for job in jobs] == [JobStatus.DONE] and stale(db_session) == 0
    year, month, _received = last_month()
    assert stored(db_session, year, month) == {units["commune"].id: (1, 2)}
    assert post(client, secret, batch).json["duplicates"] == 2  # nothing stored: no job
    assert db_session.scalar(select(func.count()).select_from(Job).where(Job.kind == RECOUNT_JOB)) == 1
