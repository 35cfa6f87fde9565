"""The kernel's app config, and the base of every app config of the project.

An app declares what it registers and :class:`LotsaAppConfig` registers it when the app is ready:

* ``policies``: model name -> dotted path of its access policy class (``lotsa.access.register``);
* ``waiting_providers``: dotted paths of what waits for a user on the start page
  (``lotsa.waiting.register``), in the order the start page lists them;
* ``calendar_providers``: dotted paths of what the user's calendar lists (``lotsa.calendar_items``);
* ``summary_sections``: dotted paths of what a case's printable summary shows of the app
  (``lotsa.summary``); ``archive_sections``: of what the archive's package keeps of a case, all of
  the unit's file (``lotsa.summary.register_archive``);
* ``change_history``: model names whose changes django-auditlog records. What belongs to the
  encryption (encrypted fields, their blind indexes, the row key: ``lotsa.crypto.encryption_fields``)
  is left out of every history, found from the model, so a new encrypted field cannot be forgotten;
  ``change_history_options`` adds auditlog options per model (more ``exclude_fields``, ``m2m_fields``);
* ``receivers``: (signal, receiver) pairs of dotted paths, connected once;
* ``import_on_ready``: modules imported for what they register on import (signal receivers decorated
  with ``@receiver``, system checks, lookups);
* ``access_words``: word lists the app owns that the access log's codes name (a legal ground's code),
  by name -> dotted path of a callable from a code to its words, or of a class of choices
  (``audit.vocabulary.register``).

Everything is named by dotted string and resolved here with ``import_string``, so the kernel imports
no domain app, and an app's config names its own modules only.

Django picks an app's config from its ``apps.py`` when it holds exactly one AppConfig subclass that
does not say ``default = False``. The base says so, and gives each subclass ``default = True`` of its
own (``__init_subclass__``), so importing the base into an ``apps.py`` does not make Django choose it.
"""

from __future__ import annotations

import importlib

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class LotsaAppConfig(AppConfig):
    default = False
    default_auto_field = "django.db.models.BigAutoField"

    policies: dict[str, str] = {}
    waiting_providers: list[str] = []
    calendar_providers: list[str] = []
    summary_sections: list[str] = []
    archive_sections: list[str] = []
    change_history: list[str] = []
    change_history_options: dict[str, dict] = {}
    receivers: list[tuple[str, str]] = []
    import_on_ready: list[str] = []
    access_words: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = True

    def ready(self) -> None:
        # Imported here, not at the top: lotsa.access imports models, which are not loaded yet when
        # Django reads the apps' configs.
        from auditlog.registry import auditlog

        from audit import vocabulary
        from lotsa import access, calendar_items, crypto, summary, waiting

        for module in self.import_on_ready:
            importlib.import_module(module)
        for model, policy in self.policies.items():
            access.register(self.get_model(model), import_string(policy)())
        for provider in self.waiting_providers:
            waiting.register(import_string(provider))
        for provider in self.calendar_providers:
            calendar_items.register(import_string(provider))
        for provider in self.summary_sections:
            summary.register(import_string(provider))
        for provider in self.archive_sections:
            summary.register_archive(import_string(provider))
        for name, words in self.access_words.items():
            vocabulary.register(name, import_string(words))
        for signal, receiver in self.receivers:
            import_string(signal).connect(import_string(receiver), dispatch_uid=receiver)
        # Options for a model left out of the history would be dropped without a word (an exclusion!).
        if unknown := self.change_history_options.keys() - set(self.change_history):
            raise ImproperlyConfigured(f"{self.label}: options for models without a history: {unknown}")
        for name in self.change_history:
            model = self.get_model(name)
            options = dict(self.change_history_options.get(name, {}))
            exclude = [*crypto.encryption_fields(model), *options.pop("exclude_fields", [])]
            auditlog.register(model, exclude_fields=exclude, **options)


class LotsaConfig(LotsaAppConfig):
    name = "lotsa"
    verbose_name = _("Lotsa kernel")
    import_on_ready = ["lotsa.lookups"]  # the ``holds`` lookup
