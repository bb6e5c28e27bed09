"""The 权限说明 page of every item (``@@why``): why may, or why may not, a person do an action here.

Whoever may use it is decided by Casbin (``policies/why.csv``): the action ``why`` on the item, and
``view`` on it too (nobody learns about an item they cannot see); about a person acting as a unit,
the action ``why_members`` on that unit's page (``tenant``; the site for the pseudo-unit
``portal``): the supervisors on every unit, a unit admin on their own. The answers come from
:func:`portal.security.explain.explain`, one per unit the person acts as and the asker may ask about.

The form is a GET (asking changes nothing): ``?login=<login>&action=<action>``. A login unknown or
outside what the asker may ask about, or an action the item does not have, is answered with 400 and
the form again, as typed, with the message beside its field.
"""

import re

import colander
from pyramid.httpexceptions import HTTPForbidden

from ..items import EVERYONE, RELATIONS, Item
from ..people import find_person
from ..people.views import LOGIN_PATTERN
from ..views import portal_view
from ..views.paging import text_param
from . import OWNER, PORTAL
from .explain import (
    RELATION_WORDS,
    WHY,
    WHY_MEMBERS,
    Titles,
    explain,
    g2_row,
    g_row,
    item_actions,
    p_row,
    person_units,
)

#: At most this many people are suggested in the login field.
SUGGESTED = 200


def may_ask_about(request, unit):
    """Whether the person asking may ask about people acting as ``unit`` (Casbin: ``why_members``
    on the unit's page; on the site for the pseudo-unit ``portal``)."""
    context = request.root if unit == PORTAL else request.root["tenants"].get(unit)
    return context is not None and request.permits(context, WHY_MEMBERS)


def askable_units(request, login):
    """The units ``login`` acts as that the person asking may ask about."""
    return [unit for unit in person_units(request.policy, login) if may_ask_about(request, unit)]


def outside_message(request, login):
    """Why a login cannot be asked about: a unit admin learns it is not of their unit."""
    tenant = request.root["tenants"].get(request.acting_unit or "")
    if tenant is not None and may_ask_about(request, tenant.code):
        return f"您只能查询本单位（{tenant.title}）人员的权限说明：“{login}”不是{tenant.title}的成员"
    return f"您无权查询“{login}”所在单位人员的权限说明"


@colander.deferred
def login_validator(node, kw):
    request = kw["request"]

    def validate(node, value):
        if not re.match(LOGIN_PATTERN, value):
            raise colander.Invalid(node, "登录名由字母、数字和 . _ - 组成，2 到 64 个字符，请核对")
        if find_person(request.root, value) is None:
            raise colander.Invalid(node, f"没有登录名为“{value}”的人员")
        if not askable_units(request, value):
            raise colander.Invalid(node, outside_message(request, value))

    return validate


@colander.deferred
def action_validator(node, kw):
    actions = kw["actions"]

    def validate(node, value):
        if value not in actions:
            raise colander.Invalid(node, f"本事项没有“{value}”这一操作，请从列表中选择")

    return validate


class WhySchema(colander.MappingSchema):
    login = colander.SchemaNode(
        colander.String(),
        title="人员（登录名）",
        validator=login_validator,
        missing_msg="请填写要查询的人员的登录名",
    )
    action = colander.SchemaNode(
        colander.String(),
        title="操作",
        validator=action_validator,
        missing_msg="请选择要查询的操作",
    )


def suggested_people(request, item):
    """``[(login, name and unit)]`` for the login field: the people the asker may ask about, of
    the units concerned with the item and of the asker's own unit."""
    titles = Titles(request)
    units = [request.acting_unit, item.owner]
    for codes in item.relations.values():
        units.extend(code for code in codes if code != EVERYONE)
    people = {}
    for unit in dict.fromkeys(units):
        if unit is None or not may_ask_about(request, unit):
            continue
        for login in sorted(request.policy.members_of(unit)):
            people.setdefault(login, f"{titles.person(login)}（{titles.unit(unit)}）")
            if len(people) >= SUGGESTED:
                return sorted(people.items())
    return sorted(people.items())


def item_relations(item, titles):
    """``[(relation words, relation, [(unit title, code)])]`` of the item's relation records."""
    rows = [(RELATION_WORDS[OWNER], OWNER, [(titles.unit(item.owner), item.owner)])]
    for relation in RELATIONS:
        codes = item.units_in(relation)
        if codes:
            units = [("所有单位" if code == EVERYONE else titles.unit(code), code) for code in codes]
            rows.append((RELATION_WORDS.get(relation, relation), relation, units))
    return rows


@portal_view(context=Item, name="why", renderer="templates/why.pt", permission=WHY)
def why(context, request):
    if not request.permits(context, "view"):
        raise HTTPForbidden("无权查看该事项")
    titles = Titles(request)
    actions = item_actions(request, context)
    values = {
        "login": text_param(request, "login", what="登录名"),
        "action": text_param(request, "action", what="操作"),
    }
    asked = "login" in request.GET or "action" in request.GET
    errors, answers = {}, []
    if asked:
        schema = WhySchema().bind(request=request, actions=dict(actions))
        try:
            data = schema.deserialize({name: value or colander.null for name, value in values.items()})
        except colander.Invalid as invalid:
            errors = invalid.asdict()
            request.response.status = 400
        else:
            login = data["login"]
            answers = [
                explain(request, login, unit, context, data["action"], dict(actions), titles)
                for unit in askable_units(request, login)
            ]
    return {
        "item": context,
        "type_title": titles.item_type(context.item_type),
        "actions": actions,
        "values": values,
        "errors": errors,
        "answers": answers,
        "people": suggested_people(request, context),
        "relations": item_relations(context, titles),
        "own_unit_only": not may_ask_about(request, PORTAL),
        "cells": lambda row: titles.cells(row, dict(actions)),
        "role_title": titles.role,
        "domain_title": titles.domain,
        "relation_title": titles.relation,
        "p_row": p_row,
        "g_row": g_row,
        "g2_row": g2_row,
    }


def includeme(config):
    config.scan(".why")
