"""The writes: ``PUT``, ``DELETE`` and ``MOVE`` of objects; ``MKCALENDAR``, ``PROPPATCH``
and ``DELETE`` of collections.

Each is the JSON API's own write (``tasks.views``, ``lists.views``): the VTODO becomes the
body a ``PUT /tasks/<id>`` would carry, validated by the same schema and placed by the
same rules, so a CalDAV change is versioned, logged, announced and refused exactly as a
JSON one. What CalDAV adds is kept beside it (``models.CalendarObject``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

import colander
from pyramid.httpexceptions import HTTPError
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import bindparam, select

from ..lists.resources import ListCollection
from ..lists.schemas import list_create_body
from ..lists.views import new_list, remove_list, save_list
from ..permissions import Permission
from ..tasks.models import Task
from ..tasks.placement import placed
from ..tasks.schedule import ScheduleError
from ..tasks.schemas import task_replace_body
from ..tasks.subtrees import delete_subtree
from ..tasks.views import insert_task, write_task
from ..tasks.writes import COMPLETED_AT
from ..web.conditional import etag, require_if_match
from ..web.services import application_url
from .answers import empty_response, multistatus_response
from .errors import dav_error
from .models import NAME_MAX_LENGTH, UID_MAX_LENGTH, CalendarCollection, CalendarObject
from .names import CALENDARS, dav_segments, derived_uid, object_path, task_id_of
from .nodes import (
    CollectionNode,
    NewCollectionNode,
    Node,
    ObjectNode,
    resolve,
    segment_of,
    task_resource,
)
from .objects import item_of, stored_object
from .properties import node_path, response
from .vtodo import ClientObject, InvalidObject, calendar_text, read_object, unserved
from .xml import caldav, dav, element, parse

CALENDAR_MEDIA_TYPE = "text/calendar"
WAITING_CHILDREN = select(CalendarObject).where(
    CalendarObject.owner_id == bindparam("owner_id"),
    CalendarObject.parent_uid == bindparam("uid"))
SAME_UID = select(CalendarObject.task_id).where(
    CalendarObject.owner_id == bindparam("owner_id"), CalendarObject.uid == bindparam("uid"))
OWNED_TASK = select(Task.id).where(Task.id == bindparam("id"),
                                   Task.owner_id == bindparam("owner_id"))


def _require(request: Request, permission: str, context: object) -> None:
    if context is None or not request.has_permission(permission, context):
        raise dav_error(403, dav("need-privileges"),
                        f"You may not {permission.replace('_', ' ')} here")


# -- PUT -------------------------------------------------------------------------------


def put(request: Request, node: Node) -> Response:
    """Create (201) or replace (204) a task from one VTODO; the new ETag only when the
    object is stored exactly as sent."""
    if not isinstance(node, ObjectNode):
        raise dav_error(405, None, "PUT a calendar object: …/<collection>/<name>.ics")
    _require_calendar_type(request)
    _check_conditions(request, node)
    existing = node.resource
    if existing is None:
        if node.collection.resource is not None:
            _require(request, Permission.ADD_TASK, node.collection.resource)
    else:
        _require(request, Permission.EDIT, existing)
    # A time with no zone is the task's own time (its creator's, for a new one).
    zone = request.identity.time_zone if existing is None else existing.task.time_zone
    client = _read(request.body, zone)
    _check_uid(request, node, client.uid)
    fields = _validated(client.fields if existing is None
                        else unserved(client.fields, existing.task))
    if client.completed_at is not None:
        fields[COMPLETED_AT] = client.completed_at
    try:
        if existing is None:
            task, status = _create(request, node, client, fields), 201
        else:
            task, status = _replace(request, node, existing.task, client, fields), 204
    except ScheduleError as error:
        raise dav_error(403, caldav("valid-calendar-object-resource"),
                        f"{error.field}: {error}") from None
    faithful = _store(request, node, task, client)
    result = empty_response(status)
    if faithful:
        result.headers["ETag"] = etag(task.version)
    return result


def _require_calendar_type(request: Request) -> None:
    if request.content_type != CALENDAR_MEDIA_TYPE:
        raise dav_error(403, caldav("supported-calendar-data"),
                        "Send the object as Content-Type: text/calendar")


def _check_conditions(request: Request, node: ObjectNode) -> None:
    """``If-None-Match: *`` (create only) and ``If-Match`` (replace only that version)."""
    exists = node.resource is not None
    if exists and request.headers.get("If-None-Match", "").strip() == "*":
        raise dav_error(412, None, "The object exists already (If-None-Match: *)")
    if not exists and "If-Match" in request.headers:
        raise dav_error(412, None, "There is no object here to match (If-Match)")
    if node.resource is not None:
        try:
            require_if_match(request, node.resource.task.version)
        except HTTPError as error:
            raise dav_error(412, None, error.api_errors[0]["description"]) from None


def _read(body: bytes, zone: str) -> ClientObject:
    try:
        return read_object(body, zone=zone)
    except InvalidObject as error:
        raise dav_error(403, error.precondition, error.description) from None


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    """The VTODO's fields through the JSON API's own schema (section 3's rules)."""
    try:
        validated: dict[str, Any] = task_replace_body().deserialize(fields)
    except colander.Invalid as invalid:
        problems = "; ".join(f"{name}: {text}" for name, text in invalid.asdict().items())
        raise dav_error(403, caldav("valid-calendar-object-resource"),
                        f"The VTODO breaks the task rules: {problems}") from None
    return validated


def _check_uid(request: Request, node: ObjectNode, uid: str) -> None:
    """A UID is unique among its owner's tasks (RFC 4791 5.3.2.1 no-uid-conflict); a
    replaced object keeps its own."""
    if len(uid) > UID_MAX_LENGTH or len(node.name) > NAME_MAX_LENGTH:
        raise dav_error(403, caldav("valid-calendar-object-resource"),
                        f"A UID and a resource name have at most {UID_MAX_LENGTH} characters")
    if node.resource is not None:
        current = item_of(request.dbsession, node.resource.task).uid
        if uid != current:
            raise dav_error(403, caldav("no-uid-conflict"),
                            f"This object's UID is {current}: a PUT may not change it")
        return
    owner = request.identity.user_id
    taken = request.dbsession.execute(SAME_UID, {"owner_id": owner, "uid": uid}).scalar()
    derived = task_id_of(uid)
    if taken is None and derived is not None:
        taken = request.dbsession.execute(OWNED_TASK, {"id": derived, "owner_id": owner}
                                          ).scalar()
    if taken is not None:
        raise _uid_conflict(request, taken)


def _uid_conflict(request: Request, task_id: int) -> HTTPError:
    resource = task_resource(request, task_id)
    href = None
    if resource is not None:
        item = item_of(request.dbsession, resource.task)
        href = object_path(request.identity.username,
                           segment_of(request, resource.task.list_id), item.name)
    return dav_error(403, caldav("no-uid-conflict"),
                     f"A task with this UID exists already{'' if href is None else ' at ' + href}",
                     href)


def _relations(request: Request, client: ClientObject, list_id: int | None,
               task: Task | None) -> list[dict[str, Any]]:
    """The placements to try, best first: under the parent a RELATED-TO names (if it is a
    task the caller may see), else at the top (a subtask whose object names no parent, or
    one the rules refuse: its parent "stays null"), else where it is."""
    tries: list[dict[str, Any]] = []
    if client.parent_uid is not None:
        parent_id = _task_of_uid(request, client.parent_uid)
        if parent_id is not None:
            tries.append({"parent": parent_id, "list": list_id})
    if task is not None and task.parent_id is not None:
        tries.append({"parent": None})
    return tries


def _task_of_uid(request: Request, uid: str) -> int | None:
    found = request.dbsession.execute(
        SAME_UID, {"owner_id": request.identity.user_id, "uid": uid}).scalar()
    return found if found is not None else task_id_of(uid)


def _placed(request: Request, fields: dict[str, Any], tries: list[dict[str, Any]],
            task: Task | None) -> dict[str, Any]:
    """``fields`` placed by the first of ``tries`` the rules allow, else as they are: a
    relation never makes a write fail (contract section 16)."""
    for relation in tries:
        try:
            return placed(request, {**fields, **relation}, task)
        except HTTPError:
            continue
    return placed(request, fields, task)


def _create(request: Request, node: ObjectNode, client: ClientObject,
            fields: dict[str, Any]) -> Task:
    """A new task; the subtasks waiting for its UID are linked to it first, then its own
    RELATED-TO is followed if that makes no cycle (contract section 16)."""
    list_id = node.collection.list_id
    request.context = node.collection.resource or request.context
    fields = {**fields, "list": list_id} if list_id is not None else fields
    tries = _relations(request, client, list_id, None)
    waiting = request.dbsession.execute(
        WAITING_CHILDREN, {"owner_id": request.identity.user_id, "uid": client.uid}
    ).scalars().all()
    if not waiting:
        return insert_task(request, _placed(request, fields, tries, None))
    task = insert_task(request, placed(request, fields, None))
    _link_waiting(request, task, waiting)
    resource = task_resource(request, task.id)
    if resource is None or not tries:
        return task
    request.context = resource
    write_task(request, resource.task, _placed(request, {}, tries, resource.task))
    return resource.task


def _replace(request: Request, node: ObjectNode, task: Task, client: ClientObject,
             fields: dict[str, Any]) -> Task:
    request.context = node.resource
    body = _placed(request, fields, _relations(request, client, task.list_id, task), task)
    stored = stored_object(request.dbsession, task.id)
    changed_text = stored is None or stored.ical != client.text
    write_task(request, task, body, always=changed_text)
    return task


def _store(request: Request, node: ObjectNode, task: Task, client: ClientObject) -> bool:
    """Keep the client's object beside the task; True when it describes the task exactly
    (else the service changed something, and the client must fetch it again)."""
    session = request.dbsession
    linked = None if task.parent_id is None else item_of(session, task).parent_uid
    # A RELATED-TO the task could not follow is kept as written, waiting for its parent.
    waiting = client.parent_uid if linked is None else None
    faithful = _describes(task, client) and (linked is None or linked == client.parent_uid)
    row = stored_object(session, task.id) or CalendarObject(task_id=task.id)
    row.owner_id, row.uid, row.name = task.owner_id, client.uid, node.name
    row.ical, row.parent_uid = client.text, waiting
    row.ical_version = task.version if faithful else 0
    session.add(row)
    session.flush()
    return faithful


def _describes(task: Task, client: ClientObject) -> bool:
    """The client's object says what the task's fields hold: rewriting its mapped
    properties from the task changes none of the fields it maps to."""
    rewritten = calendar_text(task, client.uid, client.text, False, client.parent_uid)
    try:
        again = read_object(rewritten.encode(), zone=task.time_zone)
    except InvalidObject:
        return False
    return again.fields == client.fields


def _link_waiting(request: Request, task: Task, waiting: Sequence[CalendarObject]) -> None:
    """Subtasks uploaded before their parent ``task``: link each the rules allow (the
    others keep waiting)."""
    for row in waiting:
        resource = task_resource(request, row.task_id)
        if resource is None or not request.has_permission(Permission.EDIT, resource):
            continue
        request.context = resource
        try:
            body = placed(request, {"parent": task.id, "list": task.list_id}, resource.task)
        except HTTPError:
            continue
        write_task(request, resource.task, body)
        row.parent_uid = None


# -- DELETE and MOVE ---------------------------------------------------------------------


def delete(request: Request, node: Node) -> Response:
    """Delete a task (with its subtasks), or a list with its tasks."""
    if isinstance(node, ObjectNode) and node.resource is not None:
        _require(request, Permission.DELETE, node.resource)
        try:
            require_if_match(request, node.resource.task.version)
        except HTTPError as error:
            raise dav_error(412, None, error.api_errors[0]["description"]) from None
        request.context = node.resource
        delete_subtree(request, node.resource.task)
        return empty_response(204)
    if isinstance(node, CollectionNode):
        if node.resource is None:
            raise dav_error(403, dav("need-privileges"), "The inbox cannot be deleted")
        _require(request, Permission.DELETE_LIST, node.resource)
        remove_list(request, node.resource.list)
        return empty_response(204)
    raise dav_error(404 if isinstance(node, ObjectNode) else 403, None,
                    "Only a calendar object or a list's collection can be deleted")


def move(request: Request, node: Node) -> Response:
    """Move a task to another collection of the same home (its list changes)."""
    if not isinstance(node, ObjectNode) or node.resource is None:
        raise dav_error(404 if isinstance(node, ObjectNode) else 403, None,
                        "Only a calendar object can be moved")
    target = _destination(request)
    if target.resource is not None:
        raise dav_error(412, None, "Something exists at the destination already")
    task = node.resource.task
    request.context = node.resource
    _require(request, Permission.EDIT, node.resource)
    list_id = target.collection.list_id
    if list_id != task.list_id:
        fields = {"list": list_id, "parent": None} if task.parent_id else {"list": list_id}
        try:
            write_task(request, task, placed(request, fields, task))
        except HTTPError as error:
            raise dav_error(403, dav("need-privileges"),
                            error.api_errors[0]["description"]) from None
    _rename(request, task, target.name)
    return empty_response(201)


def _destination(request: Request) -> ObjectNode:
    destination = request.headers.get("Destination", "")
    parts = urlsplit(destination)
    segments = dav_segments(destination)
    elsewhere = bool(parts.netloc) and _server(parts) != _server(
        urlsplit(application_url(request)))
    if elsewhere or segments is None:
        # RFC 4918 9.9.4 allows a 502 for another server; contract section 16 allows no
        # 5xx for what a client sends, so a destination elsewhere is refused as forbidden.
        raise dav_error(403 if destination else 400, None,
                        "Destination must be a calendar object of this server")
    try:
        target = resolve(request, segments)
    except KeyError:
        raise dav_error(409 if _in_home(request, segments) else 403, None,
                        "The destination is no collection of your calendar home") from None
    if not isinstance(target, ObjectNode):
        raise dav_error(403, None, "Destination must be …/<collection>/<name>.ics")
    _require_short_name(target.name)
    return target


def _require_short_name(name: str) -> None:
    """A resource or collection name is stored in a column of ``NAME_MAX_LENGTH``."""
    if len(name) > NAME_MAX_LENGTH:
        raise dav_error(403, None, f"A name has at most {NAME_MAX_LENGTH} characters")


DEFAULT_PORTS = {"http": 80, "https": 443}


def _server(url: SplitResult) -> tuple[str | None, int | None]:
    """Which server a URL names: its host, and its port (the scheme's when it says none)."""
    return url.hostname, url.port or DEFAULT_PORTS.get(url.scheme)


def _in_home(request: Request, segments: tuple[str, ...]) -> bool:
    return (len(segments) == 4 and segments[0] == CALENDARS
            and segments[1].casefold() == request.identity.username.casefold())


def _rename(request: Request, task: Task, name: str) -> None:
    item = item_of(request.dbsession, task)
    if item.name == name:
        return
    row = stored_object(request.dbsession, task.id) or CalendarObject(
        task_id=task.id, owner_id=task.owner_id, uid=derived_uid(task.id),
        ical=item.text(), ical_version=task.version)
    row.name = name
    request.dbsession.add(row)
    request.dbsession.flush()


# -- collections -------------------------------------------------------------------------


def mkcalendar(request: Request, node: Node) -> Response:
    """A new list at the segment the client chose (``displayname``, else the segment), by
    MKCALENDAR or an extended MKCOL making a calendar."""
    if not isinstance(node, NewCollectionNode):
        raise dav_error(405, None, "Something exists here already")
    _require(request, Permission.CREATE, ListCollection(request, "lists", request.root))
    _require_short_name(node.segment)
    props = _mkcalendar_props(parse(request.body))
    if request.method == "MKCOL" and dav("resourcetype") not in props:
        raise dav_error(403, dav("valid-resourcetype"),
                        "This server makes calendar collections only: send an extended "
                        "MKCOL (RFC 5689) whose resourcetype is a calendar, or MKCALENDAR")
    name = props.get(dav("displayname")) or node.segment
    try:
        fields = list_create_body().deserialize({"name": name})
    except colander.Invalid as invalid:
        raise dav_error(403, None, f"Not a list name: {invalid.asdict()}") from None
    row = new_list(request, fields)
    request.dbsession.add(CalendarCollection(list_id=row.id, name=node.segment))
    request.dbsession.flush()
    return empty_response(201)


# The bodies that make a collection: MKCALENDAR's (RFC 4791 5.3.1), and an extended
# MKCOL's (RFC 5689), the only way vdirsyncer makes one.
MAKING_BODIES = (caldav("mkcalendar"), dav("mkcol"))


def _mkcalendar_props(body: Any) -> dict[str, str | None]:
    if body is None:
        return {}
    if body.tag not in MAKING_BODIES:
        raise dav_error(400, None, "A MKCALENDAR body is a CALDAV:mkcalendar element, an "
                        "extended MKCOL's a DAV:mkcol element")
    props: dict[str, str | None] = {}
    for prop in body.iterfind(f"{dav('set')}/{dav('prop')}/*"):
        if prop.tag == caldav("supported-calendar-component-set"):
            names = {comp.get("name", "").upper() for comp in prop.iter(caldav("comp"))}
            if "VTODO" not in names:
                raise dav_error(403, caldav("supported-calendar-component"),
                                "This server keeps tasks: a calendar must hold VTODO")
        if prop.tag == dav("resourcetype") and prop.find(caldav("calendar")) is None:
            raise dav_error(403, dav("valid-resourcetype"),
                            "This server makes calendar collections only")
        props[prop.tag] = prop.text
    return props


def proppatch(request: Request, node: Node) -> Response:
    """Rename a list (``displayname``); every other property is protected (403)."""
    if not isinstance(node, CollectionNode) or node.resource is None:
        raise dav_error(403, dav("cannot-modify-protected-property"),
                        "Only a list's displayname can be changed")
    _require(request, Permission.EDIT_LIST, node.resource)
    body = parse(request.body)
    if body is None or body.tag != dav("propertyupdate"):
        raise dav_error(400, None, "A PROPPATCH body is a DAV:propertyupdate element")
    asked = [prop for prop in body.iterfind(f"*/{dav('prop')}/*")]
    others = [prop.tag for prop in asked if prop.tag != dav("displayname")]
    names = [prop.text or "" for prop in asked if prop.tag == dav("displayname")]
    if others or not names:
        return _proppatch_refused(request, node, [prop.tag for prop in asked])
    try:
        fields = list_create_body().deserialize({"name": names[-1]})
    except colander.Invalid as invalid:
        raise dav_error(403, None, f"Not a list name: {invalid.asdict()}") from None
    save_list(request, node.resource.list, {"name": fields["name"]})
    return _multistatus(request, node, [(dav("displayname"), "200 OK")])


def _proppatch_refused(request: Request, node: CollectionNode, tags: list[str]) -> Response:
    """All or nothing (RFC 4918 9.2): the protected ones 403, the rest 424."""
    results = [(tag, "403 Forbidden" if tag != dav("displayname") else "424 Failed Dependency")
               for tag in tags]
    return _multistatus(request, node, results)


def _multistatus(request: Request, node: CollectionNode, results: list[tuple[str, str]]
                 ) -> Response:
    stats = [element(dav("propstat"), element(dav("prop"), element(tag)),
                     element(dav("status"), text=f"HTTP/1.1 {status}"))
             for tag, status in results]
    return multistatus_response(request, [response(node_path(request, node), stats)])

