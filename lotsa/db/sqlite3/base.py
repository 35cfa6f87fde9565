"""SQLite, with the parameter limit of the SQLite actually linked.

Django assumes the 999 bound parameters of SQLite before 3.32; since 3.32 the limit is 32766. With
the real limit, bulk inserts (the rows naming the people of a list page) stay one statement, so a
list's query count does not grow with its page size on SQLite either.
"""

import sqlite3

from django.db.backends.sqlite3 import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
