"""In-app notifications: a persistent inbox per person.

``root.notifications`` maps a login to that person's :class:`Inbox`, created on their first
notification: one small persistent object per person, so writing to one inbox never conflicts with
another and the header's unread count reads one counter. Notifications are addressed to units
(:func:`notify_units`): every member of the unit who may see the item gets one, except the person
who caused it. What triggers them: :mod:`.subscribers` (an item's history grows) and the
``portal-deadlines`` script (reminders and overdue items).
"""

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from persistent import Persistent
from pyramid.traversal import find_resource, resource_path

from ..items import now
from ..security import relations_to

#: How many notifications the inbox page shows at once.
PAGE_SIZE = 50


class Notification(Persistent):
    """One message: when, what (text), where to look (a path below the site), for which unit."""

    def __init__(self, text, path, unit="", unit_title="", when=None):
        self.text = text
        self.path = path
        self.unit = unit
        self.unit_title = unit_title
        self.when = when or now()
        self.read = False


class Inbox(Persistent):
    """A person's notifications, keyed by time (microseconds), with a conflict-free unread counter."""

    def __init__(self):
        self.entries = LOBTree()
        self.unread = Length()

    def add(self, notification):
        key = int(notification.when.timestamp() * 1_000_000)
        while key in self.entries:
            key += 1
        self.entries[key] = notification
        self.unread.change(1)
        return key

    def unread_count(self):
        return self.unread()

    def latest(self, limit=PAGE_SIZE, before=None):
        """``[(key, notification)]``, newest first, at most ``limit``, older than ``before``."""
        found = []
        bound = None if before is None else before - 1
        while len(found) < limit:
            try:
                key = self.entries.maxKey() if bound is None else self.entries.maxKey(bound)
            except ValueError:
                break
            found.append((key, self.entries[key]))
            bound = key - 1
        return found

    def mark_read(self, key):
        """Mark one notification read; False if there is none under ``key`` or it was read."""
        notification = self.entries.get(key)
        if notification is None or notification.read:
            return False
        notification.read = True
        self.unread.change(-1)
        return True

    def mark_all_read(self):
        count = 0
        for notification in self.entries.values():
            if not notification.read:
                notification.read = True
                count += 1
        self.unread.set(0)
        return count


def inbox_of(root, login, create=False):
    """The person's inbox; with ``create``, made on first use."""
    inboxes = root.notifications
    inbox = inboxes.get(login)
    if inbox is None and create:
        inbox = inboxes[login] = Inbox()
    return inbox


def item_path(item):
    """The path of an item's page below the site, as notifications store it."""
    return resource_path(item) + "/"


def notify_units(root, policy, item, units, text, exclude=None, roles=None):
    """Notify every member of ``units`` who may see ``item``; returns how many were notified.

    With ``roles``, only the members holding one of them (``{"leader"}``: the one who must act). A
    person in several of the units gets one notification (for the first). The person who caused it
    (``exclude``) gets none. ``policy`` is the policy engine, in step with ``root``.
    """
    notified = set()
    tenants = root["tenants"]
    when = now()
    path = item_path(item)
    for unit in units:
        tenant = tenants.get(unit)
        unit_title = tenant.title if tenant is not None else unit
        relations = relations_to(item, unit)
        for login, held in sorted(policy.members_of(unit).items()):
            if login == exclude or login in notified:
                continue
            if roles is not None and not set(held) & set(roles):
                continue
            if not policy.permits(login, unit, relations, item.item_type, "view"):
                continue
            inbox_of(root, login, create=True).add(Notification(text, path, unit, unit_title, when))
            notified.add(login)
    return len(notified)


def shown(request, notification):
    """What the person may be shown of ``notification`` now: ``(text, url)``, or None.

    A notification names an item (its title is in the text, its path is the link); it is shown only
    while the person may view that item as the unit it was sent to, decided as the item's page
    decides, at the time it is read. Someone who has left the unit, or a department a returned
    filing was taken away from, keeps the line but no longer its title or link.
    """
    try:
        item = find_resource(request.root, notification.path)
    except KeyError:
        return None
    unit = notification.unit or request.acting_unit
    item_type = getattr(item, "item_type", None)
    if item_type is None or not request.policy.permits(
        request.login, unit, relations_to(item, unit), item_type, "view"
    ):
        return None
    return notification.text, request.application_url + notification.path


def unread_notifications(request):
    """The unread count for the header (one counter read), 0 when logged out."""
    if request.login is None:
        return 0
    inbox = inbox_of(request.root, request.login)
    return 0 if inbox is None else inbox.unread_count()


def includeme(config):
    config.add_request_method(unread_notifications, "unread_notifications", reify=True)
    config.include(".subscribers")
    config.scan(".views")
