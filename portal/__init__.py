"""行政执法协作配合平台: the application factory.

The package reads as the architecture: ``security`` (Casbin over ZODB), ``tenants`` (the units),
``people`` (logins, memberships and roles), ``site`` (the object tree and its first-start loader),
``calendar`` (official working days), ``views`` (the portal's layout and pages).
"""

import os
from pathlib import Path

from pyramid.config import Configurator
from pyramid.settings import asbool

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

DEFAULTS = {
    "portal.policy_dir": str(PROJECT / "policies"),
    "portal.tenants_dir": str(PROJECT / "tenants"),
    "portal.demo": "false",
    "portal.demo_content": "false",
    "substanced.initial_login": "admin",
    # Catalogs are brought up to date by portal.site.bring_up_to_date, once, with retries; Substance
    # D's own start-up sync would do it in every process at once, and collide on a new database.
    "substanced.autosync_catalogs": "false",
    "retry.attempts": "3",
    # pyramid_tm would ask for the user before traversal; Substance D needs the context for that.
    "tm.annotate_user": "false",
}


#: The workflows and pages built on the item framework, each a subpackage with an ``includeme``.
FEATURES = (
    ".regulations",
    ".library",
    ".filings",
    ".listings",
    ".requests",
    ".complaints",
    ".transfers",
    ".notifications",
    ".deadlines",
    ".hazards",
    ".participation",
    ".guidance",
    ".meetings",
    ".obstruction",
    ".disputes",
    ".referrals",
    ".enforcement",
    ".accountability",
    ".audit",
)

#: Settings an environment variable overrides (production keeps its secrets out of the ini file).
ENVIRONMENT = {
    "PORTAL_ZODB_URI": "zodbconn.uri",
    "PORTAL_SECRET": "substanced.secret",
    "PORTAL_ADMIN_PASSWORD": "substanced.initial_password",
}


def make_config(settings):
    """A Configurator with everything the portal needs included (used by ``main`` and tests)."""
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    missing = [key for key in ENVIRONMENT.values() if not settings.get(key)]
    if missing:
        raise ValueError(f"settings missing (set them in the ini file or the environment): {missing}")
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    settings["portal.demo"] = asbool(settings["portal.demo"])
    settings["portal.demo_content"] = asbool(settings["portal.demo_content"])
    from .storage import native_blobs, prepare_storage

    settings["zodbconn.uri"] = native_blobs(settings["zodbconn.uri"])
    prepare_storage(settings["zodbconn.uri"])
    config = Configurator(settings=settings, root_factory="substanced.db.root_factory")
    config.include("pyramid_retry")
    config.include("pyramid_tm")
    config.include("substanced")
    config.include(".indexing")
    config.include(".fulltext")
    config.include(".storage")
    config.include(".security")
    # At the top level, so that it overrides the ACL policy Substance D sets: Casbin alone decides.
    from .security import CasbinAuthorizationPolicy

    config.set_authorization_policy(CasbinAuthorizationPolicy())
    # Likewise over Substance D's: revocable, time-limited tickets and bounded HttpOnly sessions.
    from .people.auth import PortalAuthenticationPolicy, session_factory

    config.set_authentication_policy(PortalAuthenticationPolicy(settings))
    config.set_session_factory(session_factory(settings))
    config.include(".views")
    config.include(".site")
    config.include(".tenants")
    config.include(".people")
    config.include(".items")
    # Before the flows: they declare their figures with its ``config.add_figures``.
    config.include(".supervision")
    for feature in FEATURES:
        config.include(feature)
    config.add_static_view("static", str(PROJECT / "static"), cache_max_age=3600)
    return config


def main(global_config, **settings):
    """The WSGI application; on start it brings the site up to date (see :mod:`portal.site`)."""
    from .site import bring_up_to_date

    config = make_config(settings)
    # The site exists before the application does (and before Substance D's start-up subscribers
    # look for it): several processes starting together create it once.
    config.commit()
    bring_up_to_date(config.registry)
    app = config.make_wsgi_app()
    from .demo import ensure_demo_content

    ensure_demo_content(app)
    return app
