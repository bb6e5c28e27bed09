"""A realistic year (or several) of the district's work, filed through the flows' own steps.

``portal-populate <ini> --items N`` (:mod:`.script`) fills a site with the activity of its units:
every flow, its items in every state the flow has, made by the people of the unit whose step it
is, with the flows' own functions (``Flow.create``, ``send``, ``receive``, ``answer``,
``Workflow.fire`` ...) and a script's request, so each item carries the history, relations,
clocks, numbers, attachments and notifications a real one does. Nothing is set on an item that
its flow would not set itself.

Time: each step runs at its own moment of the past (:func:`portal.items.at`), so items are
created, sent, answered, extended, refused, reminded, closed then; due dates and lateness come
from the flows' own clocks and the working-day calendar. Steps are taken in time order across
the whole site, so document numbers follow the calendar in every unit. Most steps come in time,
some late (each unit has its own habit, a few units are often late); some items stay open, a
third of those past their due date now, some due within a working day. A step that would come
after now is not taken (the item waits there, as the day's items do).

Volume: the stories of :mod:`.stories` are planned so that their items make about N, in the
proportions each states (its ``share``, derived items such as the library copy of a published
regulation included), with every state of every flow at least once when N allows it (150 items
or more); a last round of one-item stories makes the count N exactly. The units are the site's
own, plus (``units``) generated departments and townships in the district's proportions, each
with its staff. Units are drawn with a skew: a few busy units do most of the work.

Bulk: items are committed in batches (``batch``); after each commit the process's indexer
indexes what the batch queued (the same drain a request does after its commit), progress goes to
``out`` with the rate and the time left. Deterministic: the same seed on the same site makes the
same items (the run's number on the site is mixed into the seed, so a second run adds different
ones). Run it on a site nobody else writes to meanwhile.
"""

import datetime
import heapq
import itertools
import random
import time

import transaction
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping

from ..calendar import SHANGHAI
from ..items import WorkflowError, at
from ..items import now as wall_now
from ..items.numbering import counted_in_transaction
from .district import District, add_people, add_units
from .stories import SINGLE, STORIES, STORIES_BY_NAME

#: Items per transaction.
DEFAULT_BATCH = 2000
#: Below this many items not every state of every flow can have its item.
COVERAGE_FROM = 150
#: The share of the items planned by the flows' shares; one-item stories make the rest ...
PLANNED = 0.95
#: ... of as many, spread over the period, as are planned in case (they start only if needed).
OPTIONAL = 0.12


class Summary:
    """What a run made: items by type, by (type, state), how long it took."""

    def __init__(self):
        self.created = 0
        self.by_type = {}
        self.states = {}
        self.seconds = 0.0
        self.refused = 0
        self.cut = 0
        self.people = 0
        self.units = 0
        self.deadlines = {}
        #: Planned stories not started: the count was reached before their time.
        self.skipped = 0

    @property
    def rate(self):
        return self.created / self.seconds if self.seconds else 0.0

    def lines(self):
        yield (
            f"{self.created:,} items in {self.seconds:.1f} s ({self.rate:.0f} items/s); "
            f"{self.units} units and {self.people} people added"
        )
        if self.deadlines:
            yield "  the deadline run: " + ", ".join(
                f"{key} {value}" for key, value in self.deadlines.items()
            )
        for item_type, count in sorted(self.by_type.items(), key=lambda pair: -pair[1]):
            states = ", ".join(
                f"{state} {n}" for (kind, state), n in sorted(self.states.items()) if kind == item_type
            )
            yield f"  {item_type:<22} {count:>8,}  ({states})"


class Planned:
    """A story the run will start at ``start``; an ``optional`` one only if the count needs it."""

    __slots__ = ("start", "story", "target", "optional", "sequence")

    def __init__(self, start, story, target, optional=False, sequence=0):
        self.start = start
        self.story = story
        self.target = target
        self.optional = optional
        self.sequence = sequence


class Entry:
    """A story under way: its generator, the items it made and how many it is expected to."""

    __slots__ = ("story", "generator", "items", "expect")

    def __init__(self, story, generator):
        self.story = story
        self.generator = generator
        self.items = []
        self.expect = 1


class Run:
    """One populate run on an open connection's site."""

    def __init__(
        self,
        registry,
        root,
        items,
        years=1.0,
        seed=2026,
        batch=DEFAULT_BATCH,
        moment=None,
        attachments=1.0,
        out=None,
        drain=True,
        deadlines=True,
    ):
        self.registry = registry
        self.root = root
        self.wanted = items
        self.years = years
        self.seed = seed
        self.batch = max(1, batch)
        self.moment = (moment or wall_now()).astimezone(SHANGHAI).replace(microsecond=0)
        self.attachments = attachments
        self.out = out
        self.drain = drain
        self.deadlines = deadlines
        self.summary = Summary()
        self.sequence = itertools.count()
        self.committed = 0
        self.started = None
        self.outstanding = 0.0
        self.last = self.moment - datetime.timedelta(days=366 * years + 1)

    # setting up -----------------------------------------------------------------------------------

    def prepare(self, units=None, password=None):
        """Units and people first, committed, so that the policy the steps ask knows them."""
        from ..site import DEMO_PASSWORD

        root = self.root
        runs = getattr(root, "populate_runs", None)
        if runs is None:
            runs = root.populate_runs = PersistentList()
        number = len(runs)
        setup = random.Random(f"{self.seed}/setup/{number}")
        if units:
            self.summary.units = add_units(root, self.registry, units, setup)
        self.summary.people = add_people(
            root, self.registry, setup, password_hasher(password or DEMO_PASSWORD)
        )
        runs.append(
            PersistentMapping(
                seed=self.seed,
                items=self.wanted,
                years=self.years,
                at=self.moment,
                started=datetime.datetime.now(SHANGHAI),
            )
        )
        transaction.get().note(f"portal-populate: units and people (run {number + 1})")
        transaction.commit()
        self.index()
        self.registry.policy_engine.sync(root.policy_store)
        self.rng = random.Random(f"{self.seed}/{number}")
        self.district = District(
            self.registry, root, self.rng, self.moment, self.years, attachments=self.attachments
        )

    # the plan -------------------------------------------------------------------------------------

    def plan(self):
        """``[Planned]`` in time order: every state of every flow once (when the count allows),
        early enough to reach it; each flow's share of the items in its mix of states; and
        one-item stories spread over the period that start only while the count needs them."""
        rng = self.rng
        cover = self.wanted >= COVERAGE_FROM
        per_story = {story.name: story.items_per_story() for story in STORIES}
        covered = sum(len(story.states) * per_story[story.name] for story in STORIES) if cover else 0
        left = max(0, int(self.wanted * PLANNED) - covered)
        total_share = sum(story.share for story in STORIES)
        planned = []
        for story in STORIES:
            states, weights = zip(*story.mix.items(), strict=True)
            if cover:
                for target in story.states:
                    planned.append(Planned(self.start_of(story, target, early=True), story, target))
            count = round(left * story.share / total_share / per_story[story.name])
            for target in rng.choices(states, weights, k=count):
                planned.append(Planned(self.start_of(story, target), story, target))
        for _ in range(int(self.wanted * OPTIONAL)):
            story = STORIES_BY_NAME[rng.choice(SINGLE)]
            states, weights = zip(*story.mix.items(), strict=True)
            target = rng.choices(states, weights)[0]
            planned.append(Planned(self.start_of(story, target), story, target, optional=True))
        for entry in planned:
            entry.sequence = next(self.sequence)
        planned.sort(key=lambda entry: (entry.start, entry.sequence))
        return planned

    def start_of(self, story, target, early=False):
        """When a story for ``target`` starts: an item done with ends anywhere in the period; an
        open one reached its state ``age`` ago (:meth:`District.age`), after the state's span;
        ``early``: far enough back that the story surely reaches its state (every state's first)."""
        d = self.district
        span = story.spans.get(target, 1)
        period = (d.now - d.start).total_seconds() / 86400
        if early:
            # A month back at least: the count is never reached before these have started.
            days = max(3 * span + 1, 30) + self.rng.uniform(0, 30)
        elif target in story.closed:
            room = max(period - 2 * span, 1)
            days = 1.5 * span + self.rng.uniform(0.5, room)
        else:
            days = span + d.age(story.clocks.get(target))
        days = min(days, period) if period > span else days
        return d.now - datetime.timedelta(days=days)

    # the run --------------------------------------------------------------------------------------

    def run(self):
        d = self.district
        self.started = time.perf_counter()
        d.limit = self.wanted
        self.play(self.plan())
        missing = self.missing() if self.wanted >= COVERAGE_FROM else []
        if missing and d.created < self.wanted:
            # A state no story reached (a flow's rule refused a step): again, from further back.
            again = [
                Planned(d.now - datetime.timedelta(days=4 * story.spans.get(target, 1) + 2), story, target)
                for story, target in missing
            ]
            for entry in again:
                entry.sequence = next(self.sequence)
            self.play(sorted(again, key=lambda entry: (entry.start, entry.sequence)))
        if d.created < self.wanted:
            # The few the estimate missed: one-item stories after the last step taken.
            last = max(self.last, d.now - datetime.timedelta(hours=2))
            extra = []
            for _ in range(self.wanted - d.created):
                story = STORIES_BY_NAME[self.rng.choice(SINGLE)]
                last = min(last + datetime.timedelta(seconds=self.rng.uniform(20, 120)), d.now)
                extra.append(
                    Planned(last, story, self.rng.choice(story.states[:2]), sequence=next(self.sequence))
                )
            self.play(extra)
        self.commit(final=True)
        if self.deadlines:
            self.summary.deadlines = self.run_deadlines()
        self.summary.seconds = time.perf_counter() - self.started
        self.summary.created = d.created
        self.summary.by_type = dict(d.counts)
        self.summary.refused = d.refused
        return self.summary

    def play(self, planned):
        """Run the stories in time order: each resumed at its next step's moment.

        A story starts only while there is room for its items; a one-item story only while the
        items the others are expected to make fall short of the count."""
        d = self.district
        waiting = []  # (moment, sequence, entry)
        expected = sum(entry.story.items_per_story() for entry in planned if not entry.optional)
        self.outstanding = 0.0
        planned = iter(planned)
        upcoming = next(planned, None)
        while upcoming is not None or waiting:
            if upcoming is not None and (not waiting or upcoming.start <= waiting[0][0]):
                entry, upcoming = upcoming, next(planned, None)
                if not entry.optional:
                    expected -= entry.story.items_per_story()
                elif d.created + self.outstanding + expected >= self.wanted:
                    continue
                if d.created >= self.wanted:
                    self.summary.skipped += 1
                    continue
                running = Entry(entry.story, entry.story.run(d, entry.target))
                running.expect = 1 + entry.story.extra.get(entry.target, 0)
                self.outstanding += running.expect
                self.resume(running, entry.start, entry.sequence, waiting)
            else:
                moment, sequence, running = heapq.heappop(waiting)
                self.resume(running, moment, sequence, waiting)
            if d.created - self.committed >= self.batch:
                self.commit()

    def resume(self, entry, moment, sequence, waiting):
        d = self.district
        d.story_items = entry.items
        made = len(entry.items)
        self.last = max(self.last, moment)
        try:
            with at(moment):
                following = next(entry.generator)
        except StopIteration:
            self.finished(entry)
            return
        except WorkflowError:
            # A flow's own rule refused the step (a deadline passed, a state moved on): the
            # story ends where it is, as a person would stop there.
            d.refused += 1
            self.finished(entry)
            return
        finally:
            self.outstanding -= min(len(entry.items) - made, max(entry.expect - made, 0))
        if following > d.now:
            self.summary.cut += 1
            entry.generator.close()
            self.finished(entry)
            return
        following = max(following, moment + datetime.timedelta(minutes=1))
        heapq.heappush(waiting, (following, sequence, entry))

    def finished(self, entry):
        self.outstanding -= max(entry.expect - len(entry.items), 0)
        states = self.summary.states
        for item in entry.items:
            key = (item.item_type, item.state)
            states[key] = states.get(key, 0) + 1
        entry.items = []

    def missing(self):
        """``[(story, state)]`` of the states no item ended in (a story cut short by the present)."""
        found = {key for key, count in self.summary.states.items() if count}
        return [
            (story, state)
            for story in STORIES
            for state in story.states
            if (story.item_type, state) not in found
        ]

    def run_deadlines(self):
        """What ``portal-deadlines`` does when cron next runs it: the items due within a working day
        reminded, the overdue ones marked 已超期 (a history entry) and their units told."""
        from pyramid.request import Request

        from ..deadlines import check_deadlines

        request = Request.blank("/")
        request.registry = self.registry
        with at(self.moment):
            counts = check_deadlines(self.root, request, self.moment)
        transaction.get().note("portal-populate: the deadline run")
        transaction.commit()
        self.index()
        return counts

    # commits and indexing -------------------------------------------------------------------------

    def commit(self, final=False):
        d = self.district
        transaction.get().note(f"portal-populate: {d.created} items")
        transaction.commit()
        if self.drain or final:
            self.index()
        self.committed = d.created
        self.root._p_jar.cacheGC()
        self.progress(final)

    def index(self):
        """Index what the last commit queued, in this connection, where its objects still are,
        with the process's indexer's own function (:func:`portal.indexing.reindex_oids`), and
        commit: the indexer would load every object again in a connection of its own."""
        from ..indexing import pending_of, reindex_oids

        indexer = self.registry.portal_indexer
        with indexer.lock:
            pending = pending_of(self.root)
            taken = dict(pending.entries) if pending is not None else {}
            if not taken:
                return
            reindex_oids(self.root, sorted(taken))
            pending.discard(taken)
            transaction.get().note(f"portal-populate: indexed {len(taken)} objects")
            transaction.commit()
            indexer.indexed += len(taken)

    def progress(self, final=False):
        if self.out is None:
            return
        done, wanted = self.district.created, self.wanted
        seconds = time.perf_counter() - self.started
        rate = done / seconds if seconds else 0
        left = max(wanted - done, 0) / rate if rate and not final else 0
        print(
            f"portal-populate: {done:,}/{wanted:,} items, {seconds:.0f} s, {rate:.0f} items/s"
            + ("" if final else f", about {clock(left)} left"),
            file=self.out,
            flush=True,
        )


def password_hasher(password):
    """A function returning the bcrypt hash of the people's password, made once, when first
    asked (no hashing at all when nobody is added)."""
    made = []

    def hashed():
        if not made:
            import bcrypt

            made.append(bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()))
        return made[0]

    return hashed


def clock(seconds):
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def populate(registry, items, units=None, years=1.0, seed=2026, batch=DEFAULT_BATCH, moment=None, **options):
    """Fill the site of ``registry``'s database; returns the :class:`Summary`.

    ``options``: ``attachments`` (share of the usual attachments, 0–1), ``out`` (a file for the
    progress lines), ``password`` (of the people added), ``drain`` (index after each batch, else
    once at the end), ``deadlines`` (run the deadline check at the end, as cron would)."""
    from pyramid.threadlocal import manager

    db = registry._zodb_databases[""]
    password = options.pop("password", None)
    manager.push({"registry": registry, "request": None})
    conn = db.open()
    try:
        transaction.begin()
        root = conn.root()["app_root"]
        run = Run(registry, root, items, years, seed, batch, moment, **options)
        run.prepare(units, password)
        # The run is the site's only writer: its numbers are counted in its own transactions.
        with counted_in_transaction():
            return run.run()
    finally:
        transaction.abort()
        conn.close()
        manager.pop()
