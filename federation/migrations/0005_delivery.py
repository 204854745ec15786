# Reserved for the delivery work; operations are added by hand.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("federation", "0004_inbound")]
    operations = []
