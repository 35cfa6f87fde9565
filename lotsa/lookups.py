"""``holds``: does a JSON list column hold this element? A lookup in SQL on both databases, so that a
policy can ask "is this category among the consent's categories" inside a query (Django's own
``contains`` on a JSON field is not supported on SQLite).

    Consent.objects.filter(categories__holds="housing")
    Consent.objects.filter(categories__holds=OuterRef("category"))
"""

from __future__ import annotations

from django.db.models import JSONField, Lookup


@JSONField.register_lookup
class Holds(Lookup):
    lookup_name = "holds"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        # The element is compared as the plain string it is, not as a JSON document.
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # lhs and rhs are SQL Django compiled, with placeholders; every value travels in the params.
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) AS holds_element WHERE holds_element.value = {rhs})"  # noqa: S608
        return sql, (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # jsonb ? text: is the string a top-level element of the array (indexable with GIN).
        return f"({lhs})::jsonb ? ({rhs})::text", (*lhs_params, *rhs_params)
