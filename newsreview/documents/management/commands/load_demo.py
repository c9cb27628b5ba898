"""Load the demo: default schema, the seed article in project `demo`, the demo users."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from newsreview.accounts.models import User
from newsreview.documents.models import Document
from newsreview.documents.services import create_document
from newsreview.projects.models import Membership, Project
from newsreview.projects.services import install_default_schema

SEED = Path(__file__).resolve().parents[2] / "seed" / "article-ar.txt"
SEED_ID = "seed-article-ar"
USERS = [
    ("annotator1", Membership.Role.ANNOTATOR),
    ("annotator2", Membership.Role.ANNOTATOR),
    ("reviewer", Membership.Role.REVIEWER),
    ("admin", Membership.Role.MANAGER),
]


class Command(BaseCommand):
    help = "Load the demo project, the seed article and the demo users (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = os.environ.get("NEWSREVIEW_DEMO_PASSWORD") or "demo"
        schema = install_default_schema()
        project, _ = Project.objects.get_or_create(
            slug="demo",
            defaults={
                "name": "Demo: Arabic news",
                "schema": schema,
                "language": "ar",
                "description": "The seed article, with the default Arabic-news schema.",
            },
        )
        for username, role in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                # Existing users keep a password someone may have changed since.
                user.set_password(password)
                if username == "admin":
                    user.is_staff = user.is_superuser = True
                user.save()
            Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
        if not Document.objects.filter(project=project, external_id=SEED_ID).exists():
            # read_bytes + decode: no universal-newline translation behind our back.
            create_document(
                project=project,
                text=SEED.read_bytes().decode("utf-8"),
                external_id=SEED_ID,
                source_url="",
                metadata={"source": "seed"},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: project '{project.slug}', users {', '.join(u for u, _ in USERS)}."
            )
        )
