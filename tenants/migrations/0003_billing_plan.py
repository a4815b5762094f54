from django.db import migrations, models

# Frozen copy of billing.plans' defaults at the time of this migration.
_DEFAULT_PLAN_FOR_KIND = {"city": "city_essential", "company": "company_standard"}


def set_default_plans(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    for kind, plan in _DEFAULT_PLAN_FOR_KIND.items():
        Tenant.objects.filter(kind=kind, billing_plan="").update(billing_plan=plan)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_policy_and_billing_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="billing_plan",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(set_default_plans, migrations.RunPython.noop),
    ]
