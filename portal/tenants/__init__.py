"""Units (tenants): departments, townships and streets, judicial organs.

A district is data: ``tenants/<district>.toml`` lists its units (format in ``tenants/README.md``).
:func:`load_directory` creates or updates the units of such a file and keeps their kinds in the
policy (``g2`` rows); loading a file again updates, never duplicates.
"""

import tomllib
from pathlib import Path

import colander
from substanced.content import content
from substanced.folder import Folder
from substanced.util import set_acl

from ..security import OWNER, PORTAL
from ..security.names import kind as kind_name
from ..security.names import unit as unit_name

#: The kinds a unit may be, with their Chinese names.
KINDS = {
    "department": "区级行政执法部门",
    "township": "乡镇（街道）",
    "judicial": "司法机关",
}
#: Further kinds a unit may hold beside its main one.
EXTRA_KINDS = {
    "supervisor": "执法监督机关",
    "police": "公安机关",
}
CODE_PATTERN = r"^[a-z][a-z0-9-]{1,62}$"


@content("Tenants", icon="glyphicon glyphicon-home")
class Tenants(Folder):
    """The folder of all units, keyed by unit code: the directory every member may read."""

    item_type = "tenants"


@content("Tenant", icon="glyphicon glyphicon-briefcase")
class Tenant(Folder):
    """One unit. Items the unit creates live inside it."""

    item_type = "tenant"
    title = ""
    kind = "township"
    extra_kinds = ()
    district = ""
    doc_code = ""
    liaison_office = ""
    contact = ""
    phone = ""

    @property
    def code(self):
        return self.__name__

    @property
    def kinds(self):
        """Every kind of this unit, for the policy's ``g2`` rows."""
        return (self.kind, *self.extra_kinds)

    @property
    def kind_title(self):
        return KINDS.get(self.kind, self.kind)

    def relations_of(self, unit):
        """A unit owns its own folder; others have no relation to it."""
        return (OWNER,) if unit == self.__name__ else ()


class UnitSchema(colander.MappingSchema):
    """One unit of a district file."""

    code = colander.SchemaNode(colander.String(), validator=colander.Regex(CODE_PATTERN))
    name = colander.SchemaNode(colander.String(), validator=colander.Length(1, 100))
    kind = colander.SchemaNode(colander.String(), validator=colander.OneOf(list(KINDS)))
    extra_kinds = colander.SchemaNode(
        colander.List(), missing=(), validator=colander.ContainsOnly(list(EXTRA_KINDS))
    )
    doc_code = colander.SchemaNode(colander.String(), missing="")
    liaison_office = colander.SchemaNode(colander.String(), missing="")
    contact = colander.SchemaNode(colander.String(), missing="")
    phone = colander.SchemaNode(colander.String(), missing="")


def kind_row(kind):
    """A kind as ``g2`` rows name it (``kind:township``)."""
    return kind_name(kind)


def read_district(path):
    """The district's name and its validated units, from one TOML file."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    district = data.get("district", {})
    units = [UnitSchema().deserialize(unit) for unit in data.get("unit", [])]
    codes = [unit["code"] for unit in units]
    if PORTAL in codes:
        raise ValueError(f"{path}: the unit code {PORTAL!r} is reserved for the portal admins")
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise ValueError(f"{path}: unit codes used twice: {sorted(duplicates)}")
    return district, units


def load_district(site, path, registry=None):
    """Create or update the units of one district file; returns (created, updated) counts."""
    district, units = read_district(path)
    return load_units(site, district, units, registry)


def load_units(site, district, units, registry=None):
    """Create or update ``units`` (validated by :class:`UnitSchema`) of ``district`` (its
    ``name``); returns (created, updated) counts. ``portal-populate`` adds its units this way."""
    tenants = site["tenants"]
    store = site.policy_store
    created = updated = 0
    for unit in units:
        tenant = tenants.get(unit["code"])
        is_new = tenant is None
        if is_new:
            tenant = Tenant()
            tenants[unit["code"]] = tenant
            set_acl(tenant, [], registry=registry)
            created += 1
        changes = {
            "title": unit["name"],
            "kind": unit["kind"],
            "extra_kinds": tuple(unit["extra_kinds"]),
            "district": district.get("name", ""),
            "doc_code": unit["doc_code"] or unit["name"],
            "liaison_office": unit["liaison_office"],
            "contact": unit["contact"],
            "phone": unit["phone"],
        }
        if any(getattr(tenant, key) != value for key, value in changes.items()):
            for key, value in changes.items():
                setattr(tenant, key, value)
            updated += not is_new
        sync_kinds(store, tenant)
    return created, updated


def sync_kinds(store, tenant):
    """Make the policy's ``g2`` rows for a unit say exactly its kinds."""
    name = unit_name(tenant.code)
    wanted = {kind_row(kind) for kind in tenant.kinds}
    for _, kind in store.find("g2", 0, name):
        if kind not in wanted:
            store.remove("g2", [name, kind])
    for kind in sorted(wanted):
        store.add("g2", [name, kind])


def load_directory(site, directory, registry=None):
    """Load every district file (``*.toml``) of a directory."""
    totals = [0, 0]
    for path in sorted(Path(directory).glob("*.toml")):
        created, updated = load_district(site, path, registry)
        totals[0] += created
        totals[1] += updated
    return tuple(totals)


def includeme(config):
    config.scan(".")
