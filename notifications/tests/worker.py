"""The worker's round, in the test's process: what ``manage.py qcluster`` does with a queued task (the
ORM broker's queue, the worker, the monitor that records the result and acknowledges it), on the test's
database, without the cluster's processes (which would not see a test's transaction)."""

from __future__ import annotations

from multiprocessing import Queue, Value
from unittest import mock

from django_q.brokers import get_broker
from django_q.monitor import monitor
from django_q.signing import SignedPackage
from django_q.worker import worker


def run_queued() -> int:
    """Run every task the queue hands out now; returns how many."""
    broker = get_broker()
    tasks, results = Queue(), Queue()
    handed = []
    while batch := broker.dequeue():  # Q_CLUSTER["bulk"] tasks at a time
        handed += batch
    for ack_id, pack in handed:
        task = SignedPackage.loads(pack)
        task["ack_id"] = ack_id
        tasks.put(task)
    tasks.put("STOP")
    # The cluster's processes close their connections between tasks; here that would close the test's
    # own connection and roll back its transaction (PostgreSQL), so the test keeps it.
    with (
        mock.patch("django_q.worker.close_old_django_connections"),
        mock.patch("django_q.monitor.close_old_django_connections"),
    ):
        worker(tasks, results, Value("f", -1))
        results.put("STOP")
        monitor(results, broker)
    for queue in (tasks, results):
        queue.close()
        queue.join_thread()
    return len(handed)
