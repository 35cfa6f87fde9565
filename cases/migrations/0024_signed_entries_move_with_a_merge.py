"""On PostgreSQL, a signed journal entry stays final, with one exception: while a merge of two records
of the same person is under way in the transaction (``cases.services.person_merge`` sets
``lotsa.merging_person`` to the absorbed record's id, transaction-local), an entry of that record may
move to the surviving record with its text re-encrypted under that record's key. The setting alone is
not trusted (the application's role may set it at will): the absorbed record must already be marked
merged into the very record the entry moves to (``person_merge`` marks it before it moves any row).
Nothing else of it may change: its case, category, author, dates, signer, correction and version stay
as they were."""

from django.db import migrations

from lotsa.db.postgres import run_on_postgres

MOVABLE = """
CREATE OR REPLACE FUNCTION cases_journalentry_signed_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('lotsa.merging_person', true) = OLD.person_id::text
       AND EXISTS (
           SELECT 1 FROM cases_person
           WHERE id = OLD.person_id AND merged_into_id = NEW.person_id AND erased_at IS NOT NULL
       )
       AND NEW.id = OLD.id
       AND NEW.case_id = OLD.case_id
       AND NEW.category = OLD.category
       AND NEW.author_id = OLD.author_id
       AND NEW.created_at = OLD.created_at
       AND NEW.signed_at = OLD.signed_at
       AND NEW.signed_by_id IS NOT DISTINCT FROM OLD.signed_by_id
       AND NEW.corrects_id IS NOT DISTINCT FROM OLD.corrects_id
       AND NEW.version = OLD.version THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'signed journal entries are final: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

FINAL = """
CREATE OR REPLACE FUNCTION cases_journalentry_signed_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'signed journal entries are final: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0023_reserve_identity")]
    operations = [migrations.RunPython(run_on_postgres(MOVABLE), run_on_postgres(FINAL))]
