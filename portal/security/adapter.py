"""Casbin policy rows kept in ZODB, and the pycasbin adapter over them.

:class:`PolicyStore` holds the rows of every ptype (``p``, ``g``, ``g2``, ...) in BTrees, so that
tens of thousands of rows load and change cheaply and so that several processes can write at once:
concurrent changes to different rows are merged by the BTrees' conflict resolution, and changes that
really collide raise ``ConflictError`` for the transaction to be retried. Every change bumps the
store's ``version``, which is how the other processes learn that the policy changed.

:class:`ZODBAdapter` is the pycasbin adapter over a store (plain, filtered, batch and update
interfaces). It never commits: every change is part of the caller's current transaction, so an
aborted transaction leaves the rows as they were.
"""

import random

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from casbin.persist.adapter import Adapter
from casbin.persist.adapter_filtered import FilteredAdapter
from casbin.persist.batch_adapter import BatchAdapter
from casbin.persist.update_adapter import UpdateAdapter
from persistent import Persistent

#: The sections of a Casbin model that hold rows, named by the first letter of their ptypes:
#: ``p`` for policy rules, ``g`` for role (grouping) rules.
SECTIONS = ("p", "g")

#: New rows get a sequence key a random step of 1 to this above the current last key, so that two
#: processes appending to the same ptype at once pick different keys and their inserts merge.
KEY_STEP = 1 << 20


def section_of(ptype):
    """The model section (``"p"`` or ``"g"``) a ptype belongs to: its first letter."""
    if not isinstance(ptype, str) or ptype[:1] not in SECTIONS:
        raise ValueError(f"not a policy or role ptype: {ptype!r}")
    return ptype[0]


def as_row(row):
    """A row as stored: a non-empty tuple of strings."""
    row = tuple(row)
    if not row:
        raise ValueError("a policy row needs at least one field")
    if not all(isinstance(value, str) for value in row):
        raise TypeError(f"policy row fields must be strings: {row!r}")
    return row


def unique_rows(rows):
    """``rows`` as stored tuples, without repeats, in their first-seen order."""
    return list(dict.fromkeys(as_row(row) for row in rows))


def matches(row, field_index, field_values):
    """Casbin's field filter: ``field_values`` from ``field_index`` on, ``""`` matching anything.

    A row too short to have a field that a non-empty value asks for does not match.
    """
    return all(
        value == "" or (field_index + i < len(row) and row[field_index + i] == value)
        for i, value in enumerate(field_values)
    )


class PtypeRows(Persistent):
    """The rows of one ptype, in insertion order.

    ``_rows`` maps an increasing sequence key to the row (the order), ``_keys`` maps the row back to
    its key (membership and removal in O(log n)), and ``_count`` counts the rows without walking the
    tree. All three merge concurrent changes to different rows.
    """

    def __init__(self):
        self._rows = LOBTree()
        self._keys = OOBTree()
        self._count = Length()

    def __len__(self):
        return self._count()

    def __contains__(self, row):
        return row in self._keys

    def __iter__(self):
        return iter(self._rows.values())

    def keyed(self, field_index, field_values):
        """``(key, row)`` pairs of the matching rows, in order.

        A filter on the first field reads only the rows starting with that value from ``_keys``
        (tuples sort by their first field); any other filter scans every row.
        """
        if field_index == 0 and field_values and field_values[0] != "":
            first = field_values[0]
            candidates = self._keys.items(min=(first,), max=(first + "\0",), excludemax=True)
            found = [(key, row) for row, key in candidates if matches(row, 0, field_values)]
            return sorted(found)
        return [(key, row) for key, row in self._rows.items() if matches(row, field_index, field_values)]

    def append(self, row):
        """Add ``row`` after every current row."""
        key = (self._rows.maxKey() + 1 if self._rows else 0) + random.randrange(KEY_STEP)
        self._rows[key] = row
        self._keys[row] = key
        self._count.change(1)

    def discard(self, row):
        """Remove ``row``; False when it is not there."""
        key = self._keys.pop(row, None)
        if key is None:
            return False
        del self._rows[key]
        self._count.change(-1)
        return True

    def replace(self, pairs):
        """Put each new row at its old row's place, for ``(old, new)`` pairs checked by the caller."""
        keys = [self._keys.pop(old) for old, _ in pairs]
        for key, (_, new) in zip(keys, pairs, strict=True):
            self._rows[key] = new
            self._keys[new] = key

    def clear(self):
        """Remove every row (the trees' own ``clear``, which conflicts with any concurrent write)."""
        self._rows.clear()
        self._keys.clear()
        self._count.set(0)


class PolicyStore(Persistent):
    """All the policy rows of a site, per ptype and in order, with a change counter.

    Rows are read as lists of strings and given as any sequence of strings. The store's own
    attributes never change after creation (only the BTrees under it do), so writers of different
    rows do not conflict on it; ``version`` is a ``Length``, whose concurrent bumps add up.
    """

    #: How many recent versions keep their changes in the journal.
    JOURNAL_VERSIONS = 10_000
    #: A change of more rows than this is not journaled (see :meth:`bump`).
    JOURNAL_BATCH = 100

    def __init__(self):
        self._ptypes = OOBTree()
        self._version = Length()
        self._journal = LOBTree()

    @property
    def version(self):
        """The change counter: it grows with every change to the rows."""
        return self._version()

    def bump(self, changes=None):
        """Record a change, so that processes holding an older ``version`` reload.

        ``changes`` (``[(op, ptype, row)]``, op ``"add"`` or ``"remove"``) go into the journal under the
        new version, so that processes one or a few versions behind can apply them instead of
        reloading every row. Two transactions journaling the same version conflict, and the retried
        one takes the next: the journal never merges two changes into one version. A change without
        ``changes`` leaves a gap, and processes reload in full.
        """
        self._version.change(1)
        if changes is None:
            return
        if len(changes) > self.JOURNAL_BATCH:
            # A bulk change: other processes reload in full, which is then as cheap, and the
            # journal's recent entries stay small enough to be read at every catch-up.
            return
        journal = getattr(self, "_journal", None)
        if journal is None:
            journal = self._journal = LOBTree()
        version = self._version()
        journal[version] = tuple((op, ptype, tuple(row)) for op, ptype, row in changes)
        for old in list(journal.keys(max=version - self.JOURNAL_VERSIONS)):
            del journal[old]

    def changes_since(self, since, until):
        """The journaled changes of versions ``since`` + 1 to ``until``, in order; None if any is missing."""
        journal = getattr(self, "_journal", None)
        if journal is None or until <= since:
            return None if journal is None else []
        entries = list(journal.items(min=since + 1, max=until))
        if len(entries) != until - since:
            return None
        return [change for _, changes in entries for change in changes]

    def ptypes(self):
        """The ptypes holding at least one row, sorted."""
        return [ptype for ptype, rows in self._ptypes.items() if len(rows)]

    def rows(self, ptype):
        """The rows of ``ptype``, in order, as lists of strings."""
        rows = self._ptypes.get(ptype)
        return [] if rows is None else [list(row) for row in rows]

    def find(self, ptype, field_index, *field_values):
        """The rows of ``ptype`` matching Casbin's field filter (``""`` matches anything), in order."""
        rows = self._ptypes.get(ptype)
        if rows is None:
            return []
        return [list(row) for _, row in rows.keyed(field_index, field_values)]

    def contains(self, ptype, row):
        rows = self._ptypes.get(ptype)
        return rows is not None and tuple(row) in rows

    def count(self, ptype):
        rows = self._ptypes.get(ptype)
        return 0 if rows is None else len(rows)

    def __len__(self):
        return sum(len(rows) for rows in self._ptypes.values())

    def _rows_for_change(self, ptype):
        """The rows of ``ptype``, created empty if needed."""
        rows = self._ptypes.get(ptype)
        if rows is None:
            section_of(ptype)
            rows = self._ptypes[ptype] = PtypeRows()
        return rows

    def add(self, ptype, row):
        """Append ``row``; False (and no change) when it is already there."""
        return self.add_many(ptype, [row])

    def add_many(self, ptype, rows, skip_existing=False):
        """Append ``rows`` in order, repeats within ``rows`` counted once.

        By default all or nothing, as Casbin adds a batch: False, with no change, when any of them
        is already there. With ``skip_existing`` the missing ones are added and the result says
        whether any was.
        """
        new = unique_rows(rows)
        if not new:
            return True
        target = self._rows_for_change(ptype)
        added = [row for row in new if row not in target]
        if len(added) < len(new) and not skip_existing:
            return False
        for row in added:
            target.append(row)
        if added:
            self.bump([("add", ptype, row) for row in added])
        return bool(added)

    def remove(self, ptype, row):
        """Remove ``row``; False when it is not there."""
        return self.remove_many(ptype, [row])

    def remove_many(self, ptype, rows):
        """Remove those of ``rows`` that are there; True when all of them were."""
        rows = [as_row(row) for row in rows]
        target = self._ptypes.get(ptype)
        if target is None:
            return not rows
        removed = [target.discard(row) for row in rows]
        if any(removed):
            self.bump([("remove", ptype, row) for row, gone in zip(rows, removed, strict=True) if gone])
        return all(removed)

    def remove_filtered(self, ptype, field_index, *field_values):
        """Remove the rows matching Casbin's field filter and return them (lists, in order).

        As in Casbin, ``""`` matches anything and no field values at all match every row.
        """
        target = self._ptypes.get(ptype)
        if target is None:
            return []
        found = target.keyed(field_index, field_values)
        for _, row in found:
            target.discard(row)
        if found:
            self.bump([("remove", ptype, row) for _, row in found])
        return [list(row) for _, row in found]

    def update(self, ptype, old_row, new_row):
        """Replace ``old_row`` by ``new_row`` at the same position."""
        return self.update_many(ptype, [old_row], [new_row])

    def update_many(self, ptype, old_rows, new_rows):
        """Replace each old row by the new row at the same index in place, all or nothing.

        False, with no change, when the lists differ in length, an old row is missing or repeated,
        or the new rows would repeat a row (each other, or a row that is not being replaced).
        """
        old = [as_row(row) for row in old_rows]
        new = [as_row(row) for row in new_rows]
        if len(old) != len(new):
            return False
        if not old:
            return True
        target = self._ptypes.get(ptype)
        if target is None or len(set(old)) != len(old) or len(set(new)) != len(new):
            return False
        if not all(row in target for row in old):
            return False
        replaced = set(old)
        if any(row in target and row not in replaced for row in new):
            return False
        pairs = [(before, after) for before, after in zip(old, new, strict=True) if before != after]
        if pairs:
            target.replace(pairs)
            self.bump()
        return True

    def replace_all(self, rows_by_ptype):
        """Make the store hold exactly ``rows_by_ptype`` (ptype -> rows, in order) in one change.

        Ptypes whose rows are already the same, in the same order, are left untouched (no writes,
        hence no conflicts with other processes); the version is bumped once if anything changed.
        """
        wanted = {ptype: unique_rows(rows) for ptype, rows in rows_by_ptype.items()}
        changed = False
        for ptype in set(self._ptypes.keys()) | set(wanted):
            rows = wanted.get(ptype, [])
            current = self._ptypes.get(ptype)
            if (list(current) if current is not None else []) == rows:
                continue
            target = self._rows_for_change(ptype)
            target.clear()
            for row in rows:
                target.append(row)
            changed = True
        if changed:
            self.bump()

    def clear(self):
        """Remove every row."""
        self.replace_all({})


def filter_values(policy_filter):
    """The ``P`` and ``G`` field values of a Casbin filter, stripped as the filtered file adapter does."""
    if not hasattr(policy_filter, "P") and not hasattr(policy_filter, "G"):
        raise RuntimeError("invalid filter type: a filter needs attributes P and/or G")
    return {
        section: [value.strip() for value in getattr(policy_filter, section.upper(), None) or []]
        for section in SECTIONS
    }


class ZODBAdapter(FilteredAdapter, BatchAdapter, UpdateAdapter, Adapter):
    """The pycasbin adapter over a :class:`PolicyStore`.

    The store must belong to a connection of the current transaction; the adapter changes it in
    that transaction and never commits. Methods return True on success, as pycasbin expects.
    """

    def __init__(self, store):
        self.store = store
        self._filtered = False

    def _load(self, model, values_by_section):
        """Append the store's rows (filtered when ``values_by_section`` is given) to ``model``.

        Rows go straight into each assertion's ``policy`` list, as Casbin's file adapter does;
        pycasbin's enforcer then sorts prioritized rows and builds the role links itself.
        """
        for ptype in self.store.ptypes():
            sec = section_of(ptype)
            assertion = (model.model.get(sec) or {}).get(ptype)
            if assertion is None:
                continue
            if values_by_section is None:
                rows = self.store.rows(ptype)
            else:
                rows = self.store.find(ptype, 0, *values_by_section[sec])
            assertion.policy.extend(rows)

    def load_policy(self, model):
        self._filtered = False
        self._load(model, None)

    def load_filtered_policy(self, model, filter):
        """Load the rows matching ``filter`` (``P`` for the p ptypes, ``G`` for the g ptypes).

        As in Casbin's filtered file adapter, values apply from the first field on, blank values
        match anything, and a filter of None or with only blank values loads everything unfiltered.
        """
        if filter is None:
            return self.load_policy(model)
        values_by_section = filter_values(filter)
        if not any(value for values in values_by_section.values() for value in values):
            return self.load_policy(model)
        self._load(model, values_by_section)
        self._filtered = True

    def is_filtered(self):
        return self._filtered

    def save_policy(self, model):
        """Replace the store's rows by the model's.

        Refused after a filtered load: the model then lacks the rows the filter left out, and saving
        it would delete them from the store.
        """
        if self._filtered:
            raise RuntimeError("cannot save a filtered policy: it would delete the rows the filter left out")
        self.store.replace_all(
            {
                ptype: assertion.policy
                for sec in SECTIONS
                if sec in model.model
                for ptype, assertion in model.model[sec].items()
            }
        )
        return True

    def add_policy(self, sec, ptype, rule):
        return self.store.add(ptype, rule)

    def add_policies(self, sec, ptype, rules):
        return self.store.add_many(ptype, rules)

    def add_policies_ex(self, sec, ptype, rules):
        """Add the rules not there yet (pycasbin's enforcer refuses ``add_policies_ex`` without it)."""
        self.store.add_many(ptype, rules, skip_existing=True)
        return True

    def remove_policy(self, sec, ptype, rule):
        return self.store.remove(ptype, rule)

    def remove_policies(self, sec, ptype, rules):
        return self.store.remove_many(ptype, rules)

    def remove_filtered_policy(self, sec, ptype, field_index, *field_values):
        return bool(self.store.remove_filtered(ptype, field_index, *field_values))

    def update_policy(self, sec, ptype, old_rule, new_policy):
        return self.store.update(ptype, old_rule, new_policy)

    def update_policies(self, sec, ptype, old_rules, new_rules):
        return self.store.update_many(ptype, old_rules, new_rules)

    def update_filtered_policies(self, sec, ptype, new_rules, field_index, *field_values):
        """Replace the matching rows by ``new_rules`` and return the replaced rows (lists).

        The enforcer removes exactly the returned rows from its model and then adds ``new_rules``
        at the end, all or nothing; the store does the same. Nothing matching changes nothing.
        """
        old_rows = self.store.remove_filtered(ptype, field_index, *field_values)
        if old_rows:
            self.store.add_many(ptype, new_rules)
        return old_rows
