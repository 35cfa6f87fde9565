from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py load_demo`): above every domain app, so that the kernel imports none."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
