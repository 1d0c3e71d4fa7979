from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_seed_project_types")]

    operations = [
        migrations.AddField(
            model_name="project",
            name="requires_approval",
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
