"""Print the state of background work: jobs by state and kind, and stuck jobs.

    manage.py status_report [--stuck-minutes 60] [--fail-stuck] [--json]

A job is stuck when nobody is working on it: it is running but its worker stopped renewing
its lease (JOB_LEASE_SECONDS), or it is queued (or running from before leases) and its row
has not moved for N minutes. `--fail-stuck` marks those failed with a reason, so none stays
"running" forever; the pages then offer Retry. The beat schedule runs the same sweep every
JOB_SWEEP_SECONDS. Exit status 0, or 2 when stuck jobs remain.
"""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_fail_stuck, jobs_stuck

STUCK_LISTED = 50


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d"


class Command(BaseCommand):
    help = "Jobs by state and kind, and jobs stuck for N minutes (optionally marked failed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stuck-minutes",
            type=int,
            default=60,
            help="A queued/running job with no progress for this long is stuck (default 60).",
        )
        parser.add_argument(
            "--fail-stuck",
            action="store_true",
            help="Mark stuck jobs failed with a reason (they can be retried from their page).",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print one JSON object."
        )

    def handle(self, *args, stuck_minutes: int, fail_stuck: bool, as_json: bool, **options):
        if stuck_minutes < 1:
            raise CommandError("--stuck-minutes must be at least 1.")
        now = timezone.now()
        by_state = dict.fromkeys(Job.Status.values, 0)
        by_state.update(
            Job.objects.order_by()
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        by_kind: dict[str, dict[str, int]] = {}
        per_kind = Job.objects.order_by().values("kind", "status").annotate(n=Count("id"))
        for kind, status, n in per_kind.order_by("kind").values_list("kind", "status", "n"):
            by_kind.setdefault(kind, {})[status] = n
        stuck_qs = jobs_stuck(older_than_minutes=stuck_minutes).select_related("target_type")
        stuck = list(stuck_qs.order_by("updated_at")[:STUCK_LISTED])
        stuck_total = stuck_qs.count()
        failed_now = job_fail_stuck(older_than_minutes=stuck_minutes) if fail_stuck else 0

        if as_json:
            self._print_json(now, stuck_minutes, by_state, by_kind, stuck, stuck_total, failed_now)
        else:
            self._print_text(now, stuck_minutes, by_state, by_kind, stuck, stuck_total, failed_now)
        if stuck_total and not fail_stuck:
            # Non-zero so cron/monitoring notices; nothing was changed.
            raise SystemExit(2)

    def _print_text(self, now, minutes, by_state, by_kind, stuck, stuck_total, failed_now):
        out = self.stdout
        out.write(f"Status report at {now:%Y-%m-%d %H:%M:%S %Z}")
        out.write("")
        out.write("Jobs by state:")
        for status, n in by_state.items():
            out.write(f"  {status:<10} {n:>6}")
        out.write(f"  {'total':<10} {sum(by_state.values()):>6}")
        if by_kind:
            out.write("")
            out.write("Jobs by kind:")
            statuses = list(by_state)
            out.write("  " + f"{'kind':<14}" + "".join(f"{s:>11}" for s in statuses))
            for kind, counts in by_kind.items():
                row = "".join(f"{counts.get(s, 0):>11}" for s in statuses)
                out.write(f"  {kind:<14}{row}")
        out.write("")
        out.write(f"Stuck jobs (worker lost, or no progress for {minutes}+ min): {stuck_total}")
        for job in stuck:
            out.write(
                f"  {job.pk}  {job.kind:<12} {job.status:<8} {job.progress:>3}%  "
                f"silent {_age(now - job.updated_at)}  "
                f"{job.target_type.model} {job.target_id}  {job.message}"
            )
        if stuck_total > len(stuck):
            out.write(f"  … and {stuck_total - len(stuck)} more")
        if failed_now:
            out.write(self.style.WARNING(f"Marked {failed_now} stuck job(s) failed."))
        elif stuck_total:
            out.write("Run again with --fail-stuck to mark them failed.")

    def _print_json(self, now, minutes, by_state, by_kind, stuck, stuck_total, failed_now):
        report = {
            "at": now.isoformat(),
            "stuck_minutes": minutes,
            "by_state": by_state,
            "by_kind": by_kind,
            "stuck_total": stuck_total,
            "stuck": [
                {
                    "id": str(job.pk),
                    "kind": job.kind,
                    "status": job.status,
                    "progress": job.progress,
                    "updated_at": job.updated_at.isoformat(),
                    "target": f"{job.target_type.app_label}.{job.target_type.model}",
                    "target_id": str(job.target_id),
                    "message": job.message,
                }
                for job in stuck
            ],
            "marked_failed": failed_now,
        }
        self.stdout.write(json.dumps(report, indent=2))
