"""Evolution steps of the policy rows (Substance D's ``config.add_evolution_step``).

:func:`name_spaces` puts every name of every stored row into its name space (:mod:`.names`): sites
made before rows had them said ``g, ys.officer, officer, cj-yushan``, in which a person whose login
equals a role held that role. The rows the site was seeded with (``root.seeded_policy_rows``) are
converted too, so that the default rows, now spelled with name spaces, are not seeded a second time
(a default row a portal admin removed stays removed).

The portal's steps run at start, before the default rows are seeded (:func:`evolve_pending`, called
by ``portal.site.ensure_site``), and are also known to Substance D's ``sd_evolve`` and
``substanced.autoevolve``. This one is idempotent: names already in a space are left as they are.
"""

import time

from BTrees import family64
from BTrees.OOBTree import OOTreeSet
from substanced.evolution import FINISHED_KEY
from substanced.interfaces import IEvolutionSteps

from .names import KIND, PORTAL, ROLE, USER, is_spaced, unit

#: The step's name in Substance D's list of finished steps.
NAME_SPACES_STEP = "portal.security.evolve.name_spaces"
#: Role names of every version of the portal (old rows named roles plainly).
KNOWN_ROLES = frozenset(
    {"member", "leader", "deputy", "liaison", "officer", "unit_admin", "supervisor", "admin"}
)


def spaced_unit(name):
    """A unit, kind or the pseudo-unit of an old row, in its space."""
    if is_spaced(name):
        return name
    return unit(PORTAL if name == PORTAL else name)


def spaced_member(name, people, roles):
    """The first name of an old ``g`` row: a person when a login of that name exists (whatever it
    is called: a person named ``unit_admin`` stays a person), else a role (a role hierarchy)."""
    if is_spaced(name):
        return name
    if name in people or name not in roles:
        return USER + name
    return ROLE + name


def spaced_subject(name, people, roles):
    """The subject of an old ``p`` row: a role when that role exists, else a person's login."""
    if is_spaced(name):
        return name
    if name in roles or name not in people:
        return ROLE + name
    return USER + name


def spaced_row(ptype, row, people, roles):
    """One old row in name spaces (rows of other ptypes unchanged)."""
    row = list(row)
    if ptype == "p" and len(row) >= 2:
        return [spaced_subject(row[0], people, roles), spaced_unit(row[1]), *row[2:]]
    if ptype == "g" and len(row) == 3:
        name, role, dom = row
        return [
            spaced_member(name, people, roles),
            role if is_spaced(role) else ROLE + role,
            spaced_unit(dom),
        ]
    if ptype == "g2" and len(row) == 2:
        return [name if name.startswith(KIND) else spaced_unit(name) for name in row]
    return row


def name_spaces(root, registry=None):
    """Convert the site's policy rows and seeded rows to name spaces, keeping their order."""
    store = root.policy_store
    people = root["principals"]["users"]
    roles = set(KNOWN_ROLES)
    roles.update(row[1] for row in store.rows("g") if len(row) == 3 and not is_spaced(row[1]))
    converted = {
        ptype: [spaced_row(ptype, row, people, roles) for row in store.rows(ptype)]
        for ptype in store.ptypes()
    }
    # One change, journaled as none: every process reloads every row at its next request.
    store.replace_all(converted)
    seeded = getattr(root, "seeded_policy_rows", None)
    if seeded is not None:
        keys = [(key[0], *spaced_row(key[0], key[1:], people, roles)) for key in seeded]
        root.seeded_policy_rows = OOTreeSet(keys)


def evolve_pending(root, registry):
    """Run the portal's evolution steps this site has not run yet, in order, and mark them finished;
    returns their names. Called at start (``portal.site.ensure_site``) before the default rows are
    seeded: those, spelled with name spaces, must not be seeded before the site's rows and seeded
    rows are converted, or they would count as never seeded.

    Only the portal's own steps (named ``portal.…``) run here; Substance D's own are left to
    ``sd_evolve``. Nothing is committed: the steps are part of the start's transaction.
    """
    jar = getattr(root, "_p_jar", None)
    if jar is None:
        return []
    zodb_root = jar.root()
    finished = zodb_root.get(FINISHED_KEY)
    if finished is None:
        finished = zodb_root[FINISHED_KEY] = family64.OO.BTree()
    steps = registry.queryUtility(IEvolutionSteps)
    done = []
    for name, func in [] if steps is None else [step for _, step in steps.sorted()]:
        if name.startswith("portal.") and name not in finished:
            func(root, registry)
            finished[name] = time.time()
            done.append(name)
    return done


def includeme(config):
    config.add_evolution_step(name_spaces, name=NAME_SPACES_STEP)
