from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("federation", "0002_federation_core")]
    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["actor", "public", "-created"], name="activity_outbox"),
        ),
    ]
