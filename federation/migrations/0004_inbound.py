from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("federation", "0003_actors_discovery")]
    operations = [
        migrations.AddIndex(
            model_name="follow",
            index=models.Index(fields=["activity_id"], name="follow_activity_id"),
        ),
    ]
