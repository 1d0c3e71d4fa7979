"""Approve or reject a requested version from the command line, under the same rules as the
Approvals page (the approve permission, not the version's author, a note to reject).

    manage.py approve_version transcript <id> --user EMAIL
    manage.py approve_version translation <id> --user EMAIL --reject --note TEXT
    manage.py approve_version --pending      # what waits for approval
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from collaboration import services
from collaboration.selectors import approvals_pending, latest_step
from documents import hooks


class Command(BaseCommand):
    help = "Approve or reject the version of a document that waits for approval."

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", help="transcript or translation")
        parser.add_argument("document", nargs="?", help="the transcript's or translation's id")
        parser.add_argument("--user", help="e-mail of the approver")
        parser.add_argument("--reject", action="store_true", help="reject instead of approve")
        parser.add_argument("--note", default="", help="why (required to reject)")
        parser.add_argument("--pending", action="store_true", help="list what waits")

    def handle(self, *args, **options):
        if options["pending"]:
            for step in approvals_pending():
                self.stdout.write(
                    f"{step.document_kind} {step.document_id} {step.version_label} "
                    f"requested by {step.by.email} at {step.created_at:%Y-%m-%d %H:%M}"
                )
            return
        if not options["kind"] or not options["document"] or not options["user"]:
            raise CommandError("Give the kind, the document id and --user (or --pending).")
        doc = hooks.document_by_kind(options["kind"])
        if doc is None:
            raise CommandError(f"Unknown kind {options['kind']!r}: {', '.join(hooks.registry)}.")
        try:
            parent = hooks.parent_model(doc).objects.filter(pk=options["document"]).first()
        except ValidationError:
            parent = None
        if parent is None:
            raise CommandError(f"No {doc.kind} with id {options['document']}.")
        user = User.objects.filter(email__iexact=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']}.")
        pending = [
            step
            for step in approvals_pending().filter(document_kind=doc.kind, document_id=parent.pk)
            if latest_step(step.version_id) == step
        ]
        if not pending:
            raise CommandError(f"Nothing of this {doc.kind} waits for approval.")
        step = pending[-1]
        try:
            done = services.approval_decide(
                doc=doc,
                parent=parent,
                user=user,
                version_id=step.version_id,
                approve=not options["reject"],
                note=options["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(text) from None
        self.stdout.write(f"{done.version_label}: {done.get_action_display().lower()}.")
