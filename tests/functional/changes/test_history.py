"""``GET /tasks/<id>/history`` (contract section 8): one entry per change, newest first."""

from __future__ import annotations

from sqlalchemy import func, select

from taskservice.changes.models import Change
from tests.support.api import assert_error, create_task
from tests.support.lists import create_list, share_list


def history(client, task_id, status=200, **params):
    return client.testapp.get(f"/tasks/{task_id}/history", params, headers=client.headers,
                              status=status)


def entries(client, task_id):
    return history(client, task_id, limit=100).json["items"]


def test_creation_is_an_entry_with_every_writable_field_from_null(alice):
    made = create_list(alice)
    task = create_task(alice, title="Buy milk", priority="high", tags=["home"],
                       due_at="2030-01-31T18:00:00Z", list=made["id"])
    [entry] = entries(alice, task["id"])
    assert set(entry) == {"version", "action", "at", "by", "changes"}
    assert entry["version"] == 1 and entry["action"] == "created" and entry["by"] == "alice"
    assert entry["at"] == task["created_at"]
    assert entry["changes"] == {
        "title": {"from": None, "to": "Buy milk"}, "description": {"from": None, "to": ""},
        "done": {"from": None, "to": False}, "priority": {"from": None, "to": "high"},
        "due_at": {"from": None, "to": "2030-01-31T18:00:00Z"},
        "due_date": {"from": None, "to": None}, "time_zone": {"from": None, "to": "UTC"},
        "recurrence": {"from": None, "to": None}, "reminders": {"from": None, "to": []},
        "tags": {"from": None, "to": ["home"]}, "list": {"from": None, "to": made["id"]},
        "parent": {"from": None, "to": None},
    }


def test_an_update_lists_only_what_changed_with_the_actor_and_new_version(alice, bob):
    task = create_task(alice, title="t")
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "edit"},
                           headers=alice.headers, status=201)
    done = bob.testapp.patch_json(f"/tasks/{task['id']}", {"done": True, "title": "t"},
                                  headers=bob.headers, status=200).json
    entry = entries(alice, task["id"])[0]
    assert entry["action"] == "updated" and entry["by"] == "bob" and entry["version"] == 2
    assert entry["changes"] == {"done": {"from": False, "to": True},
                                "completed_at": {"from": None, "to": done["completed_at"]}}


def test_a_put_records_what_it_changed(alice):
    task = create_task(alice, title="t", tags=["a"])
    alice.testapp.put_json(f"/tasks/{task['id']}", {"title": "u"}, headers=alice.headers,
                           status=200)
    assert entries(alice, task["id"])[0]["changes"] == {
        "title": {"from": "t", "to": "u"}, "tags": {"from": ["a"], "to": []}}


def test_a_noop_patch_or_put_writes_no_history(alice, dbsession):
    task = create_task(alice, title="same")
    rows = dbsession.scalar(select(func.count()).select_from(Change))
    alice.testapp.patch_json(f"/tasks/{task['id']}", {}, headers=alice.headers, status=200)
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"title": "same"}, headers=alice.headers,
                             status=200)
    alice.testapp.put_json(f"/tasks/{task['id']}", {"title": "same"}, headers=alice.headers,
                           status=200)
    assert len(entries(alice, task["id"])) == 1
    assert dbsession.scalar(select(func.count()).select_from(Change)) == rows


def test_a_move_is_a_change_of_list(alice):
    first, second = create_list(alice), create_list(alice)
    task = create_task(alice, list=first["id"])
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": second["id"]},
                             headers=alice.headers, status=200)
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": None}, headers=alice.headers,
                             status=200)
    moves = [e["changes"] for e in entries(alice, task["id"])[:2]]
    assert moves == [{"list": {"from": second["id"], "to": None}},
                     {"list": {"from": first["id"], "to": second["id"]}}]


def test_shares_given_changed_and_removed_are_entries(alice, bob):
    task = create_task(alice)
    path = f"/tasks/{task['id']}/shares/bob"
    alice.testapp.put_json(path, {"permission": "view"}, headers=alice.headers, status=201)
    alice.testapp.put_json(path, {"permission": "view"}, headers=alice.headers, status=200)
    alice.testapp.put_json(path, {"permission": "edit"}, headers=alice.headers, status=200)
    bob.testapp.delete(path, headers=bob.headers, status=204)  # bob leaves
    found = entries(alice, task["id"])
    assert [(e["action"], e["by"], e["version"], e.get("share")) for e in found] == [
        ("unshared", "bob", 1, {"username": "bob", "permission": None, "previous": "edit"}),
        ("shared", "alice", 1, {"username": "bob", "permission": "edit", "previous": "view"}),
        ("shared", "alice", 1, {"username": "bob", "permission": "view", "previous": None}),
        ("created", "alice", 1, None),
    ]
    assert all("changes" not in e for e in found[:3])


def test_history_is_newest_first_and_paged(alice):
    task = create_task(alice, title="v1")
    for version in range(2, 6):
        alice.testapp.patch_json(f"/tasks/{task['id']}", {"title": f"v{version}"},
                                 headers=alice.headers, status=200)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = history(alice, task["id"], **params)
        seen += [e["version"] for e in page.json["items"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            assert "Link" not in page.headers
            break
        assert 'rel="next"' in page.headers["Link"]
    assert seen == [5, 4, 3, 2, 1]


def test_anyone_who_may_view_the_task_reads_its_history_and_nobody_else(alice, bob, register):
    made = create_list(alice)
    task = create_task(alice, list=made["id"])
    share_list(alice, made["id"], "bob", "view")
    assert len(entries(bob, task["id"])) == 1
    carol = register("carol")
    assert_error(history(carol, task["id"], status=404), 404)
    assert_error(history(alice, "999999999", status=404), 404)


def test_a_bad_cursor_or_parameter_is_a_400(alice):
    task = create_task(alice)
    assert_error(history(alice, task["id"], status=400, cursor="bogus"), 400,
                 ("querystring", "cursor"))
    assert_error(history(alice, task["id"], status=400, limit="0"), 400,
                 ("querystring", "limit"))
    assert_error(history(alice, task["id"], status=400, since="1"), 400,
                 ("querystring", "since"))


def test_history_is_deleted_with_the_task_but_its_tombstone_stays(alice, dbsession):
    made = create_list(alice)
    task = create_task(alice)
    in_list = create_task(alice, list=made["id"])
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"title": "x"}, headers=alice.headers)
    alice.testapp.delete(f"/tasks/{task['id']}", headers=alice.headers, status=204)
    alice.testapp.delete(f"/lists/{made['id']}", headers=alice.headers, status=204)
    for task_id in (task["id"], in_list["id"]):
        rows = dbsession.execute(select(Change.action, Change.task_id).where(
            Change.kind == "task", Change.object_id == int(task_id))).all()
        assert rows == [("deleted", None)]
