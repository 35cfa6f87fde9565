"""lotsa.compiled: SQL of a fixed shape compiled once per database for a probe value, then given each
call's value. What it answers must be what the query built for that value answers; a query that does
not name its probe is refused when compiled; nothing is compiled twice."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef

from accounts.models import User
from lotsa.compiled import CompiledOnce
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROBE = -7_777_777


def _named(probe):
    return User.objects.filter(pk=probe).values_list("username", flat=True)


def test_a_compiled_query_answers_as_the_query_built_for_each_value(world):
    built = []

    def compile(probe):
        built.append(probe)
        return _USERS.sql(_named(probe))

    _USERS = CompiledOnce("test.users", probe=PROBE, compile=compile)

    others = [UserFactory(organisation=world.district_a) for _ in range(3)]
    for user in others:
        sql, params = _USERS.get()
        with connection.cursor() as cursor:
            cursor.execute(sql, _USERS.given(params, user.pk))
            assert [row[0] for row in cursor.fetchall()] == list(_named(user.pk))
    assert built == [PROBE]  # once, for the probe, whatever the values asked
    assert list(_USERS.compiled()) == [(connection.alias, connection.vendor)]


def test_annotations_compiled_once_answer_as_built(world):
    def compile(probe):
        query = User.objects.annotate(same=Exists(User.objects.filter(pk=OuterRef("pk")).filter(pk=probe)))
        return _SAME.annotations(query, ["same"])

    _SAME = CompiledOnce("test.same", probe=PROBE, compile=compile)
    user = world.users["social_worker"]
    annotated = User.objects.filter(pk__in=[user.pk, world.users["supervisor"].pk]).order_by("pk")
    fast = annotated.annotate(**_SAME.raw(_SAME.get(), user.pk))
    built = annotated.annotate(same=Exists(User.objects.filter(pk=OuterRef("pk")).filter(pk=user.pk)))
    assert [(u.pk, u.same) for u in fast] == [(u.pk, u.same) for u in built]
    assert sorted(u.same for u in fast) == [False, True]


def test_a_query_that_does_not_name_its_probe_is_refused_when_compiled():
    dropped = CompiledOnce(
        "test.dropped", probe=PROBE, compile=lambda probe: dropped.sql(User.objects.filter(pk=1))
    )
    with pytest.raises(RuntimeError, match="does not name its probe"):
        dropped.get()
    assert dropped.compiled() == {}  # nothing kept of a refused query
    missing = CompiledOnce(
        "test.missing",
        probe=PROBE,
        compile=lambda probe: missing.annotations(User.objects.filter(pk=probe), ["absent"]),
    )
    with pytest.raises(RuntimeError, match="not all found"):
        missing.get()


def test_only_parameters_equal_to_the_probe_are_given_the_value():
    compiled = CompiledOnce("test.given", probe=PROBE, compile=lambda probe: None)
    assert compiled.given([PROBE, 3, "x", PROBE], 42) == [42, 3, "x", 42]


def test_a_row_of_compiled_columns_reads_each_as_built_and_refuses_a_column_without_the_probe(world):
    def compile(probe):
        return _ROW.row(
            [
                ("(SELECT COUNT(*) FROM ({}) named)", User.objects.filter(pk=probe).values("pk")),
                ("EXISTS ({})", User.objects.filter(pk=probe, is_active=True).values("pk")),
            ]
        )

    _ROW = CompiledOnce("test.row", probe=PROBE, compile=compile)
    user = world.users["social_worker"]
    assert tuple(_ROW.fetch_row(user.pk)) in ((1, True), (1, 1))
    assert tuple(_ROW.fetch_row(PROBE - 1)) in ((0, False), (0, 0))
    unnamed = CompiledOnce(
        "test.unnamed", probe=PROBE, compile=lambda probe: unnamed.row([("({})", User.objects.filter(pk=1))])
    )
    with pytest.raises(RuntimeError, match="does not name its probe"):
        unnamed.get()
