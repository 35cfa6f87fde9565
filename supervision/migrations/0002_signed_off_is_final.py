"""On PostgreSQL, a signed-off review of the access log, its sampled events, and an approved
needs-and-risk analysis cannot be changed or deleted in the database itself; and no review is deleted
before it is five years old (HSLF-FS 2016:40: logs and their reviews are kept at least five years).
The models and services refuse the same on every database."""

from django.db import migrations

from lotsa.db.postgres import run_on_postgres

CREATE = """
CREATE OR REPLACE FUNCTION supervision_review_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (OLD.signed_off_at IS NOT NULL OR OLD.drawn_at > now() - interval '5 years') THEN
        RAISE EXCEPTION 'reviews of the access log are kept: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.signed_off_at IS NOT NULL THEN
        RAISE EXCEPTION 'a signed-off review cannot change: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER supervision_logreview_final
    BEFORE UPDATE OR DELETE ON supervision_logreview
    FOR EACH ROW EXECUTE FUNCTION supervision_review_final();

CREATE OR REPLACE FUNCTION supervision_reviewitem_final() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    signed timestamptz;
BEGIN
    SELECT signed_off_at INTO signed FROM supervision_logreview WHERE id = OLD.review_id;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'sampled events of a review are kept: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF signed IS NOT NULL OR NEW.review_id <> OLD.review_id OR NEW.event_id <> OLD.event_id THEN
        RAISE EXCEPTION 'a signed-off review cannot change: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER supervision_reviewitem_final
    BEFORE UPDATE OR DELETE ON supervision_reviewitem
    FOR EACH ROW EXECUTE FUNCTION supervision_reviewitem_final();

CREATE OR REPLACE FUNCTION supervision_analysis_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'an approved analysis is kept as it is: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER supervision_analysis_final
    BEFORE UPDATE OR DELETE ON supervision_needsriskanalysis
    FOR EACH ROW EXECUTE FUNCTION supervision_analysis_final();
"""

DROP = """
DROP TRIGGER IF EXISTS supervision_analysis_final ON supervision_needsriskanalysis;
DROP FUNCTION IF EXISTS supervision_analysis_final();
DROP TRIGGER IF EXISTS supervision_reviewitem_final ON supervision_reviewitem;
DROP FUNCTION IF EXISTS supervision_reviewitem_final();
DROP TRIGGER IF EXISTS supervision_logreview_final ON supervision_logreview;
DROP FUNCTION IF EXISTS supervision_review_final();
"""


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
