"""Dask, when a run is given a ``cluster``: connecting to it and scheduling work on it; each stage owns its tasks.

``cluster`` is empty (everything in the notebook's kernel, as always), ``local:N`` (a ``dask.distributed``
LocalCluster of N worker processes on this machine, started for the run and stopped after it), or
``tcp://host:port`` (the scheduler of a cluster someone started: on SLURM or PBS with dask-jobqueue, on Kubernetes
with dask-kubernetes). What runs on the workers: parsing and cleaning the articles
(:func:`newstopics.corpus.load_corpus`), encoding the texts the embedding cache does not hold, in chunks (each
worker loads the encoder once and keeps it: :mod:`newstopics.embed.workers`), and counting the words behind the
coherence metrics (:func:`newstopics.evaluation.count_windows`), in parts whose counts are summed here. Each worker
imports the project as it joins (:mod:`newstopics.preload`), and work is sent only after that. Every such map goes
through :func:`in_order`, which keeps at most a few tasks per worker out at a time. The cache itself is written by
the kernel, content-addressed, so it stays valid whoever computed a vector. A worker that dies mid-run loses
nothing: the scheduler gives its chunks to another worker, and a chunk's vectors do not depend on which worker
computed them. A run whose workers are all gone stops with :class:`NoWorkersError` (:func:`result_of`) rather than
waiting for ever.

Example:
    >>> client = start("local:2")            # doctest: +SKIP
    >>> describe(client)["workers"]          # doctest: +SKIP
    2
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import time

CONNECT_TIMEOUT_S = 10
# A run waiting on the cluster fails once the cluster has had no worker for this long (every worker died or left),
# rather than waiting for ever; a worker that a nanny restarts is back well within it. Checked every POLL_S seconds.
NO_WORKERS_TIMEOUT_S = 30
POLL_S = 1.0
# Dask keeps the last thousand messages of each connection for debugging, their contents included: for a run that
# sends a corpus in parts, that held every partition of articles (and the whole table they were cut from) in this
# process. The clients and local clusters started here keep no such log.
QUIET_LOGS = {"distributed.admin.low-level-log-length": 0}
DASHBOARD_CHECK_S = 3  # seconds to wait for the scheduler when checking that it serves the dashboard
_CURRENT: dict = {}  # the kernel's open client and the local cluster behind it (one at a time)


class ClusterError(RuntimeError):
    """The cluster could not be started or reached; the message says which and what to check."""


class NoWorkersError(ClusterError):
    """The cluster has had no worker for :data:`NO_WORKERS_TIMEOUT_S` seconds while the run waited on it."""


def start(spec: str):
    """A Dask client for ``spec`` (None when empty); a client opened by an earlier run in this kernel is closed first.

    Raises:
        ClusterError: the scheduler did not answer within :data:`CONNECT_TIMEOUT_S` seconds, or the local cluster
            could not start.
    """
    from .params.checks import check_cluster

    stop()
    spec = check_cluster(spec)
    if not spec:
        return None
    import dask
    import distributed  # noqa: F401  (its defaults join dask's config now, not inside the block below, which

    #                                 would take them away again when it ends)
    from .params.checks import LOCAL_CLUSTER

    local = LOCAL_CLUSTER.match(spec)
    # a local cluster's scheduler (in this process) also fails tasks that wait that long with no worker at all
    settings = {**QUIET_LOGS, "distributed.scheduler.no-workers-timeout": f"{NO_WORKERS_TIMEOUT_S}s"}
    try:
        with dask.config.set(settings):
            _open(spec, local)
    except Exception as exc:
        stop()  # whatever did start (a local cluster whose client failed) is closed again
        if local:
            raise ClusterError(f"the local cluster ({spec}) could not start ({type(exc).__name__}: {exc}); leave "
                               "cluster empty to run in-process.") from None
        raise ClusterError(f"the Dask scheduler at {spec} did not answer, or had no worker, within {CONNECT_TIMEOUT_S} "
                           f"s ({type(exc).__name__}: {exc}); check the address, that the scheduler is running and "
                           "that workers have joined it, or leave cluster empty to run in-process.") from None
    return _CURRENT["client"]


def _open(spec: str, local) -> None:
    from distributed import Client, LocalCluster

    if local:
        _CURRENT["cluster"] = LocalCluster(n_workers=int(local.group(1)), threads_per_worker=1, processes=True,
                                           dashboard_address="127.0.0.1:0",  # a free port, this machine only
                                           silence_logs=40)
        _CURRENT["client"] = Client(_CURRENT["cluster"])
    else:
        _CURRENT["client"] = Client(spec, timeout=CONNECT_TIMEOUT_S)
        _CURRENT["client"].wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    _CURRENT["preload"] = in_background(_preload, _CURRENT["client"])


def in_background(function, *args) -> threading.Thread:
    thread = threading.Thread(target=function, args=args, daemon=True, name=f"newstopics-{function.__name__}")
    thread.start()
    return thread


def _preload(client) -> None:
    """Have every worker, and every worker that joins later, import what the work needs before it takes any (see
    :mod:`newstopics.preload`); in the background, while the kernel reads the corpus."""
    from .preload import Preload

    # a worker that cannot import the project fails as it joins; a run that ends first cancels the registration
    with contextlib.suppress(Exception, asyncio.CancelledError):
        client.register_plugin(Preload())


def wait_ready() -> None:
    """Wait until the workers have imported what the work needs (at once when they have)."""
    thread = _CURRENT.get("preload")
    if thread is not None:
        thread.join()


def running(client) -> bool:
    """Whether ``client`` can still take work (a client closed when its run ended cannot)."""
    return client is not None and getattr(client, "status", "closed") == "running"


def stop() -> None:
    """Close this kernel's client, and its local cluster if it started one."""
    client, cluster = _CURRENT.pop("client", None), _CURRENT.pop("cluster", None)
    if _CURRENT.pop("preload", None) is not None and cluster is None and running(client):
        with contextlib.suppress(Exception, asyncio.CancelledError):  # a scheduler others use: its later workers
            client.unregister_worker_plugin("newstopics-preload")    # need not import this project
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception:  # already gone: nothing left to close
                pass


atexit.register(stop)


def describe(client) -> dict:
    """What run.json records of the cluster: scheduler address, workers, threads, dashboard link (see
    :func:`dashboard_link`)."""
    if client is None:
        return {"scheduler": None}
    info = client.scheduler_info()
    workers = info.get("workers", {})
    return {"scheduler": info.get("address") or str(client.scheduler.address), "workers": len(workers),
            "threads": int(sum(w.get("nthreads", 0) for w in workers.values())), "dashboard": dashboard_link(client)}


def dashboard_link(client, timeout: float = DASHBOARD_CHECK_S) -> str | None:
    """The link to the scheduler's Dask dashboard, or None when it serves none.

    Every scheduler runs a web server, bokeh or not, so the server is asked for the dashboard's script: None when it
    has none (a scheduler without bokeh, or started without the dashboard, answers 404), when
    ``distributed.dashboard.link`` names an unset environment variable, or when the link is malformed. A link this
    process cannot reach is kept: the user's browser may reach it (an SSH tunnel to a cluster's scheduler), and a
    relative link (a JupyterHub proxy set in ``distributed.dashboard.link``) is kept for JupyterLab to resolve.
    """
    from urllib.error import HTTPError
    from urllib.parse import urljoin, urlsplit
    from urllib.request import ProxyHandler, Request, build_opener

    try:
        link = client.dashboard_link
        parts = urlsplit(link)
        parts.port  # noqa: B018  (raises ValueError for a malformed host or port)
    except (KeyError, ValueError, IndexError):
        return None
    if not parts.scheme:
        return link
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # bokeh's script, served beside the page only by a scheduler with the dashboard; asked for its headers alone, as
    # the page itself would start a dashboard session and its task-stream recorder in the scheduler for nobody
    probe = Request(urljoin(link, "static/js/bokeh.min.js"), method="HEAD")
    try:  # no proxy: the scheduler is on this machine or on the cluster's network
        with build_opener(ProxyHandler({})).open(probe, timeout=timeout):
            return link
    except HTTPError as error:  # not there: no dashboard; anything else (a login in front of it): the link stands
        return None if error.code == 404 else link
    except OSError:  # unreachable from here (URLError, timeout, refused): the user's browser may still reach it
        return link


def gather_in_order(client, task, parts, **shared) -> list:
    """``task(part, **shared)`` for every part on the cluster's workers, the results in the parts' order (see
    :func:`in_order`)."""
    return list(in_order(client, task, parts, **shared))


def in_order(client, task, parts, window: int | None = None, **shared):
    """``task(part, **shared)`` for every part on the cluster's workers, each result yielded in the parts' order and
    then let go. ``parts`` may be a generator: at most ``window`` tasks (default: four per worker) are out at a time,
    so neither the parts nor the results of a large corpus are all held at once (a local cluster's scheduler lives in
    this process). ``shared`` values are sent to each worker once. A task lost with its worker is run again elsewhere
    by the scheduler. When a task fails, or the caller stops reading, the tasks still out are cancelled."""
    from collections import deque

    wait_ready()
    names = list(shared)
    scattered = []
    if names:
        a_worker(client)
        try:  # hash=False: keys of their own, so a value scattered again by a later call is not forgotten with this one
            scattered = client.scatter([shared[k] for k in names], broadcast=True, hash=False,
                                       timeout=NO_WORKERS_TIMEOUT_S)
        except TimeoutError:  # the workers left meanwhile
            raise NoWorkersError(_no_workers(client)) from None
    window = window or 4 * max(1, len(client.scheduler_info().get("workers", {})))
    pending: deque = deque()
    try:
        for part in parts:
            pending.append(client.submit(_call, part, task, names, scattered, pure=False))
            if len(pending) >= window:
                yield _take(pending.popleft(), client)
        while pending:
            yield _take(pending.popleft(), client)
    finally:  # on an error, or a generator closed early: the workers stop on what nobody will read
        if pending and running(client):
            with contextlib.suppress(Exception):  # the error that got us here is the one to report
                client.cancel(list(pending))


def each(client, task, parts, **shared):
    """``task(part, **shared)`` for every part, in order: on the cluster's workers (:func:`in_order`) when ``client``
    is running, else here, one part at a time."""
    if running(client):
        return in_order(client, task, parts, **shared)
    return (task(part, **shared) for part in parts)


def summed(results):
    """Results of parts added up as they come: tuples element by element, dicts key by key."""
    total = None
    for r in results:
        if total is None:
            total = r
        elif isinstance(r, dict):
            total = {k: total[k] + v for k, v in r.items()}
        else:
            total = tuple(a + b for a, b in zip(total, r, strict=True))
    return total


def _take(future, client):
    result = result_of(future, client)
    future.release()
    return result


def result_of(future, client):
    """``future``'s result, waited for as long as the cluster has a worker to compute it.

    Raises:
        NoWorkersError: the cluster has had no worker for :data:`NO_WORKERS_TIMEOUT_S` seconds meanwhile (checked
            every :data:`POLL_S` seconds), or its scheduler gave up on the task for want of a worker, or cancelled it
            when its last worker died with the values the run had sent (:func:`in_order`'s ``shared``).
        ClusterError: the scheduler cancelled the task while it still has workers.
    """
    from distributed.client import FutureCancelledError
    from distributed.scheduler import NoWorkerError

    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    alone_since = None
    while not done.wait(POLL_S):
        alone_since = None if workers(client) else alone_since or time.monotonic()
        if alone_since is not None and time.monotonic() - alone_since >= NO_WORKERS_TIMEOUT_S:
            with contextlib.suppress(Exception):
                client.cancel([future])
            raise NoWorkersError(_no_workers(client))
    try:
        return future.result()
    except NoWorkerError:
        raise NoWorkersError(_no_workers(client)) from None
    except FutureCancelledError as exc:  # not by this run: by the scheduler, which lost what the task needed
        deadline = time.monotonic() + 5 * POLL_S  # the scheduler may tell before it has let the last worker go
        while time.monotonic() < deadline:
            if not workers(client):
                raise NoWorkersError(_no_workers(client, waited=False)) from None
            time.sleep(POLL_S / 10)
        raise ClusterError(f"the Dask scheduler cancelled a task of this run ({exc}); its workers may have died with "
                           "the values the run had sent them: run again.") from None


def as_done(client, futures):
    """``futures`` as each finishes (a sweep's runs), waited for as long as the cluster has a worker to compute them;
    a cancelled future counts as finished (:func:`result_of` then says why).

    Raises:
        NoWorkersError: the cluster has had no worker for :data:`NO_WORKERS_TIMEOUT_S` seconds while some were still
            pending (checked every :data:`POLL_S` seconds); they are cancelled. Dask's own ``as_completed`` would wait
            forever: a remote scheduler's no-workers timeout is its own configuration, not this process's.
    """
    from distributed import wait
    from distributed.client import FuturesCancelledError

    pending = list(futures)
    alone_since = None
    while pending:
        # Dask's wait raises as soon as one future of the batch was cancelled, dropping the others that finished with
        # it: the finished ones are read from the futures themselves, and a cancelled one is handed over too (its
        # result_of says why)
        with contextlib.suppress(TimeoutError, FuturesCancelledError):
            wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
        finished = [f.done() for f in pending]  # read once: a future may finish between two reads
        done = [f for f, d in zip(pending, finished, strict=True) if d]
        pending = [f for f, d in zip(pending, finished, strict=True) if not d]
        yield from sorted(done, key=lambda f: f.cancelled())  # the finished first, whatever a cancelled one does
        if not pending:
            return
        alone_since = None if workers(client) else alone_since or time.monotonic()
        if alone_since is not None and time.monotonic() - alone_since >= NO_WORKERS_TIMEOUT_S:
            with contextlib.suppress(Exception):
                client.cancel(list(pending))
            raise NoWorkersError(_no_workers(client))


def a_worker(client) -> None:
    """Return once the cluster has a worker; raise :class:`NoWorkersError` when it has had none for
    :data:`NO_WORKERS_TIMEOUT_S` seconds."""
    deadline = time.monotonic() + NO_WORKERS_TIMEOUT_S
    while not workers(client):
        if time.monotonic() >= deadline:
            raise NoWorkersError(_no_workers(client))
        time.sleep(POLL_S)


def workers(client) -> int:
    """How many workers the scheduler has now (asked, not the client's last view)."""
    info = client.scheduler_info(n_workers=0)
    return int(info.get("n_workers", len(info.get("workers", {}))))


def _no_workers(client, waited: bool = True) -> str:
    try:
        address = client.scheduler.address
    except Exception:
        address = "the cluster"
    what = (f"has had no worker for {NO_WORKERS_TIMEOUT_S} s while this run waited on its workers" if waited else
            "lost every worker while this run waited on them, and with them the values the run had sent")
    return (f"the Dask scheduler at {address} {what} (they died or left, and none replaced them): start workers "
            "for it again, or leave cluster empty to run in-process, and run again.")


def _call(part, task, names, values):
    return task(part, **dict(zip(names, values, strict=True)))
