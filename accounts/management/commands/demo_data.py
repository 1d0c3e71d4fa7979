"""Create the demo admin and a sample project so a fresh `make run` has something to show."""

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = "Create a demo admin user and sample data (idempotent)."

    def handle(self, *args, **options):
        # Read when run, not at import: the e2e test and `make run` set them per process.
        email = os.environ.get("DEMO_ADMIN_EMAIL", "admin@example.com")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "max-demo-2026")
        port = os.environ.get("PORT") or "8000"  # bin/run-dev serves on the same PORT
        with transaction.atomic():
            admin = User.objects.filter(email=email).first()
            if admin is None:
                admin = User.objects.create_superuser(
                    email=email, password=password, full_name="Demo Admin"
                )
            from projects import services as project_services
            from projects.models import Project, ProjectType

            if not Project.objects.filter(name="Endodontics 101 (demo)").exists():
                project_services.project_create(
                    user=admin,
                    name="Endodontics 101 (demo)",
                    project_type=ProjectType.objects.get(slug="lecture"),
                    metadata={"location": "San Francisco, CA", "date": "2025-10-25", "misc": ""},
                )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Sign in at http://127.0.0.1:{port}/ as {email} / {password}")
