"""Contract section 3: the task fields at their boundaries, and create/read/patch/put/delete."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from taskservice.tasks.models import Task
from tests.support.api import assert_error, create_task, send_json

DEFAULTS = {"description": "", "done": False, "priority": "normal", "due_at": None,
            "due_date": None, "time_zone": "UTC", "recurrence": None, "reminders": [], "tags": [],
            "list": None, "parent": None}
READ_ONLY = ["id", "owner", "created_at", "updated_at", "completed_at", "version", "position"]


def post(testapp, client, body, status=201):
    return testapp.post_json("/tasks", body, headers=client.headers, status=status)


def task_count(dbsession):
    return dbsession.scalar(select(func.count()).select_from(Task))


def assert_rejected(testapp, client, dbsession, body, *fields):
    """``body`` is a 400 naming exactly ``fields``, and no task was written."""
    assert_error(post(testapp, client, body, status=400), 400,
                 *(("body", field) for field in fields))
    assert task_count(dbsession) == 0


def recent(text):
    assert text.endswith("Z")
    return abs(datetime.fromisoformat(text) - datetime.now(UTC)) < timedelta(minutes=1)


# -- creating: the representation and headers ---------------------------------------------

def test_create_returns_the_task_location_and_etag(testapp, alice):
    response = post(testapp, alice, {"title": "Buy milk", "tags": ["home"]})
    task = response.json
    assert set(task) == set(DEFAULTS) | set(READ_ONLY) | {"title"}
    assert isinstance(task["id"], str) and task["id"]
    assert {k: task[k] for k in DEFAULTS} == {**DEFAULTS, "tags": ["home"]}
    assert (task["title"], task["owner"], task["version"]) == ("Buy milk", "alice", 1)
    assert recent(task["created_at"]) and task["created_at"] == task["updated_at"]
    assert response.headers["Location"] == f"http://example.com/tasks/{task['id']}"
    assert response.headers["ETag"] == '"1"'
    assert response.content_type == "application/json"


def test_ids_are_never_reused(testapp, alice):
    first = create_task(alice)
    testapp.delete(f"/tasks/{first['id']}", headers=alice.headers, status=204)
    second = create_task(alice)
    assert second["id"] != first["id"]


# -- title ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sent,stored", [
    ("  Buy milk \t\n", "Buy milk"),
    ("x", "x"),
    (" a b ", "a b"),
    ("x" * 200, "x" * 200),
    ("é" * 200, "é" * 200),
    ("日" * 200, "日" * 200),
    ("😀" * 200, "😀" * 200),
    ("  " + "y" * 200 + "  ", "y" * 200),
])
def test_valid_titles_are_trimmed_and_stored(testapp, alice, sent, stored):
    task = post(testapp, alice, {"title": sent}).json
    assert task["title"] == stored
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json["title"] == stored


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "x" * 201, "é" * 201, "😀" * 201, None, 5,
                                   ["x"], {"x": 1}, True])
def test_invalid_titles_are_400(testapp, alice, dbsession, title):
    assert_rejected(testapp, alice, dbsession, {"title": title}, "title")


def test_title_is_required(testapp, alice, dbsession):
    assert_rejected(testapp, alice, dbsession, {"description": "no title"}, "title")


# -- description, done, priority ------------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("description", "d" * 10000), ("description", "é" * 10000), ("description", ""),
    ("description", "  kept as sent  "),
    ("done", True), ("done", False),
    ("priority", "low"), ("priority", "normal"), ("priority", "high"), ("priority", "urgent"),
])
def test_valid_field_values_are_stored(testapp, alice, field, value):
    assert post(testapp, alice, {"title": "t", field: value}).json[field] == value


@pytest.mark.parametrize("field,value", [
    ("description", "d" * 10001), ("description", None), ("description", 1),
    ("done", "yes"), ("done", "true"), ("done", 1), ("done", 0), ("done", None), ("done", []),
    ("priority", "Low"), ("priority", "critical"), ("priority", ""), ("priority", 1),
    ("priority", None),
])
def test_invalid_field_values_are_400(testapp, alice, dbsession, field, value):
    assert_rejected(testapp, alice, dbsession, {"title": "t", field: value}, field)


# -- due_at ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sent,stored", [
    ("2030-01-31T09:00:00Z", "2030-01-31T09:00:00Z"),
    ("2030-01-31T09:00:00+00:00", "2030-01-31T09:00:00Z"),
    ("2030-01-31T09:00:00z", "2030-01-31T09:00:00Z"),
    ("2030-01-31T11:30:00+02:30", "2030-01-31T09:00:00Z"),
    ("2030-01-31T01:00:00-08:00", "2030-01-31T09:00:00Z"),
    ("2030-01-01T01:00:00+05:00", "2029-12-31T20:00:00Z"),
    ("2030-01-31T09:00:00.250000Z", "2030-01-31T09:00:00.250000Z"),
    (None, None),
])
def test_due_at_is_converted_to_utc(testapp, alice, sent, stored):
    task = post(testapp, alice, {"title": "t", "due_at": sent}).json
    assert task["due_at"] == stored
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json["due_at"] == stored


@pytest.mark.parametrize("value", [
    "2030-01-31T09:00:00", "2030-01-31", "09:00:00Z", "tomorrow", "", "2030-13-01T00:00:00Z",
    "2030-02-30T00:00:00Z", "2030-01-31T25:00:00Z", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:00:00-05:00", 1893456000, True, ["2030-01-31T09:00:00Z"],
])
def test_invalid_due_at_is_400(testapp, alice, dbsession, value):
    assert_rejected(testapp, alice, dbsession, {"title": "t", "due_at": value}, "due_at")


# -- tags -----------------------------------------------------------------------------------

@pytest.mark.parametrize("tags", [
    [], ["a"], ["t" * 50], [f"tag{i}" for i in range(20)], ["Home", "home"], ["日本", "a b"],
])
def test_valid_tags_are_stored_in_order(testapp, alice, tags):
    assert post(testapp, alice, {"title": "t", "tags": tags}).json["tags"] == tags


@pytest.mark.parametrize("tags,field", [
    ([f"tag{i}" for i in range(21)], "tags"),
    (["a", "a"], "tags"),
    ("home", "tags"),
    (None, "tags"),
    ({"a": 1}, "tags"),
    ([""], "tags.0"),
    (["ok", "t" * 51], "tags.1"),
    (["ok", 3], "tags.1"),
    ([None], "tags.0"),
    ([["nested"]], "tags.0"),
])
def test_invalid_tags_are_400(testapp, alice, dbsession, tags, field):
    assert_rejected(testapp, alice, dbsession, {"title": "t", "tags": tags}, field)


# -- read-only and unknown fields; every failure at once ---------------------------------------

@pytest.mark.parametrize("field", READ_ONLY)
def test_read_only_fields_are_400_naming_them(testapp, alice, dbsession, field):
    assert_rejected(testapp, alice, dbsession, {"title": "t", field: "1"}, field)
    errors = post(testapp, alice, {"title": "t", field: 1}, status=400).json["errors"]
    assert "read-only" in errors[0]["description"].lower()


@pytest.mark.parametrize("field", ["colour", "Title", "shares", "tag", ""])
def test_unknown_fields_are_400_naming_them(testapp, alice, dbsession, field):
    assert_rejected(testapp, alice, dbsession, {"title": "t", field: "x"}, field)


def test_every_failing_field_is_listed_at_once(testapp, alice, dbsession):
    body = {"title": "", "description": 5, "done": "no", "priority": "meh",
            "due_at": "2030-01-01", "tags": "x", "id": "7", "version": 3, "colour": "red"}
    assert_rejected(testapp, alice, dbsession, body, "title", "description", "done",
                    "priority", "due_at", "tags", "id", "version", "colour")


# -- reading and conditional GET ------------------------------------------------------------

def test_get_returns_the_task_and_its_etag(testapp, alice):
    task = create_task(alice, title="read me", tags=["x"])
    response = testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=200)
    assert response.json == task
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("header", ['"1"', "*", '"7", "1"', ' "1" '])
def test_if_none_match_with_the_current_etag_is_304(testapp, alice, header):
    task = create_task(alice)
    response = testapp.get(f"/tasks/{task['id']}", status=304,
                           headers={**alice.headers, "If-None-Match": header})
    assert response.body == b""
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("header", ['W/"1"', '"2"', '"0"', "1", '""'])
def test_if_none_match_with_another_etag_is_200(testapp, alice, header):
    task = create_task(alice)
    response = testapp.get(f"/tasks/{task['id']}", status=200,
                           headers={**alice.headers, "If-None-Match": header})
    assert response.json == task


def test_an_old_etag_gets_the_new_version(testapp, alice):
    task = create_task(alice)
    testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=alice.headers)
    response = testapp.get(f"/tasks/{task['id']}", status=200,
                           headers={**alice.headers, "If-None-Match": '"1"'})
    assert response.headers["ETag"] == '"2"' and response.json["done"] is True


# -- PATCH ----------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(testapp, alice):
    task = create_task(alice, title="old", description="keep", tags=["a"], priority="high")
    response = testapp.patch_json(f"/tasks/{task['id']}", {"title": "  new  ", "done": True},
                                  headers=alice.headers, status=200)
    patched = response.json
    assert patched == {**task, "title": "new", "done": True, "version": 2,
                       "updated_at": patched["updated_at"], "completed_at": patched["updated_at"]}
    assert patched["updated_at"] >= task["updated_at"]
    assert response.headers["ETag"] == '"2"'
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == patched


@pytest.mark.parametrize("body", [
    {"done": True}, {"tags": ["b", "c"]}, {"tags": []}, {"title": "t2", "tags": ["a"]},
    {"title": "t3", "description": "d", "priority": "low", "due_at": None, "tags": ["a", "z"]},
    {"due_at": "2030-01-01T00:00:00Z"},
])
def test_a_patch_adds_one_to_the_version_and_its_repeat_nothing(testapp, alice, body):
    task = create_task(alice, tags=["a"])
    for _ in range(2):
        response = testapp.patch_json(f"/tasks/{task['id']}", body, headers=alice.headers)
        assert response.json["version"] == 2
        assert response.headers["ETag"] == '"2"'


@pytest.mark.parametrize("body", [
    {}, {"title": "  A task "}, {"tags": ["x", "y"]}, {"due_at": "2030-01-01T02:00:00+02:00"},
    {"description": "", "done": False, "priority": "normal", "tags": ["x", "y"]},
])
def test_a_patch_that_changes_nothing_keeps_the_version_and_updated_at(testapp, alice, body):
    task = create_task(alice, tags=["x", "y"], due_at="2030-01-01T00:00:00Z")
    response = testapp.patch_json(f"/tasks/{task['id']}", body, headers=alice.headers)
    assert response.json == task
    assert response.headers["ETag"] == '"1"'
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


def test_a_put_that_changes_nothing_keeps_the_version_and_updated_at(testapp, alice):
    task = create_task(alice, title="same", tags=["x"])
    response = testapp.put_json(f"/tasks/{task['id']}", {"title": "same", "tags": ["x"]},
                                headers=alice.headers)
    assert response.json == task and response.headers["ETag"] == '"1"'


def test_tags_in_another_order_are_a_change(testapp, alice):
    task = create_task(alice, tags=["x", "y"])
    response = testapp.patch_json(f"/tasks/{task['id']}", {"tags": ["y", "x"]},
                                  headers=alice.headers)
    assert (response.json["tags"], response.json["version"]) == (["y", "x"], 2)


def test_a_no_op_patch_still_checks_if_match(testapp, alice):
    task = create_task(alice)
    response = send_json(testapp, "PATCH", f"/tasks/{task['id']}", {},
                         {**alice.headers, "If-Match": '"7"'}, status=412)
    assert_error(response, 412, ("header", "If-Match"))


@pytest.mark.parametrize("method,path", [
    ("POST", "/tasks"), ("PATCH", "/tasks/{id}"), ("PUT", "/tasks/{id}"),
])
def test_an_empty_body_is_400_and_changes_nothing(testapp, alice, dbsession, method, path):
    task = create_task(alice)
    response = send_json(testapp, method, path.format(id=task["id"]), b"", alice.headers,
                         status=400)
    assert_error(response, 400, ("body", ""))
    assert task_count(dbsession) == 1
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


# -- completed_at ---------------------------------------------------------------------------

def test_completed_at_is_when_done_last_became_true(testapp, alice):
    task = create_task(alice)
    assert task["completed_at"] is None
    url = f"/tasks/{task['id']}"
    done = testapp.patch_json(url, {"done": True}, headers=alice.headers).json
    assert done["completed_at"] == done["updated_at"]
    retitled = testapp.patch_json(url, {"title": "still done"}, headers=alice.headers).json
    assert retitled["completed_at"] == done["completed_at"] != retitled["updated_at"]
    assert testapp.patch_json(url, {"done": True}, headers=alice.headers).json == retitled
    reopened = testapp.patch_json(url, {"done": False}, headers=alice.headers).json
    assert reopened["completed_at"] is None
    redone = testapp.put_json(url, {"title": "again", "done": True}, headers=alice.headers).json
    assert redone["completed_at"] == redone["updated_at"] > done["completed_at"]


def test_a_task_created_done_is_completed_when_created(alice):
    task = create_task(alice, done=True)
    assert task["completed_at"] == task["created_at"]


# -- ids past any 32-bit column ------------------------------------------------------------

# Every length the URL grammar accepts (up to 18 digits), the edges of 32 and 64 bits,
# and what the grammar refuses: each names no task, so each is a 404.
UNKNOWN_IDS = ["2147483647", "2147483648", "4294967296", "999999999999", "9" * 18,
               "9223372036854775807", "9223372036854775808", "9" * 30, "0", "-1", "01"]


@pytest.mark.parametrize("task_id", UNKNOWN_IDS)
@pytest.mark.parametrize("method,headers", [
    ("GET", {}), ("GET", {"If-None-Match": "*"}), ("PATCH", {}), ("PUT", {}), ("DELETE", {}),
    ("PATCH", {"If-Match": "*"}), ("DELETE", {"If-Match": '"1"'}),
])
def test_an_id_that_names_no_task_is_404(testapp, alice, task_id, method, headers):
    for body in ({"title": "x"}, {"title": 5}, b""):
        response = send_json(testapp, method, f"/tasks/{task_id}", body,
                             {**alice.headers, **headers}, status="*")
        assert_error(response, 404, ("path", ""))
    response = testapp.get(f"/tasks/{task_id}/shares", headers=alice.headers, status="*")
    assert_error(response, 404, ("path", ""))


@pytest.mark.parametrize("body,fields", [
    ({"title": ""}, ["title"]),
    ({"title": None}, ["title"]),
    ({"done": "false"}, ["done"]),
    ({"tags": ["a", "a"]}, ["tags"]),
    ({"version": 9}, ["version"]),
    ({"owner": "bob", "nope": 1}, ["owner", "nope"]),
])
def test_an_invalid_patch_is_400_and_changes_nothing(testapp, alice, body, fields):
    task = create_task(alice)
    response = testapp.patch_json(f"/tasks/{task['id']}", body, headers=alice.headers,
                                  status=400)
    assert_error(response, 400, *(("body", field) for field in fields))
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


def test_patch_can_clear_the_due_date(testapp, alice):
    task = create_task(alice, due_at="2030-01-01T00:00:00Z")
    body = testapp.patch_json(f"/tasks/{task['id']}", {"due_at": None}, headers=alice.headers)
    assert body.json["due_at"] is None


# -- PUT ------------------------------------------------------------------------------------

def test_put_replaces_and_resets_absent_fields(testapp, alice):
    task = create_task(alice, title="old", description="d", done=True, priority="urgent",
                       due_at="2030-01-01T00:00:00Z", tags=["a", "b"])
    response = testapp.put_json(f"/tasks/{task['id']}", {"title": " replaced "},
                                headers=alice.headers, status=200)
    assert {k: response.json[k] for k in DEFAULTS} == DEFAULTS
    assert (response.json["title"], response.json["version"]) == ("replaced", 2)
    assert (response.json["id"], response.json["created_at"]) == (task["id"], task["created_at"])
    assert response.headers["ETag"] == '"2"'
    assert testapp.get("/tasks", {"tag": "a"}, headers=alice.headers).json["items"] == []


def test_put_needs_a_title(testapp, alice):
    task = create_task(alice)
    response = testapp.put_json(f"/tasks/{task['id']}", {"done": True}, headers=alice.headers,
                                status=400)
    assert_error(response, 400, ("body", "title"))


def test_put_rejects_read_only_fields(testapp, alice):
    task = create_task(alice)
    response = testapp.put_json(f"/tasks/{task['id']}", task, headers=alice.headers, status=400)
    assert_error(response, 400, *(("body", field) for field in READ_ONLY))


# -- DELETE ---------------------------------------------------------------------------------

def test_delete_is_204_then_404(testapp, alice, dbsession):
    task = create_task(alice, tags=["x"])
    response = testapp.delete(f"/tasks/{task['id']}", headers=alice.headers, status=204)
    assert response.body == b""
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = send_json(testapp, method, f"/tasks/{task['id']}", {"title": "x"},
                             alice.headers)
        assert_error(response, 404, ("path", ""))
    assert task_count(dbsession) == 0


# -- If-Match -------------------------------------------------------------------------------

WRITES = [("PATCH", {"done": True}), ("PUT", {"title": "new"}), ("DELETE", None)]


@pytest.mark.parametrize("method,body", WRITES)
@pytest.mark.parametrize("header", ['"2"', 'W/"1"', '"0"', "1", '"1 "', '""'])
def test_if_match_with_another_etag_is_412(testapp, alice, method, body, header):
    task = create_task(alice)
    response = send_json(testapp, method, f"/tasks/{task['id']}", body or b"",
                         {**alice.headers, "If-Match": header})
    assert_error(response, 412, ("header", "If-Match"))
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task


@pytest.mark.parametrize("method,body", WRITES)
@pytest.mark.parametrize("header", ['"1"', "*", '"5", "1"'])
def test_if_match_with_the_current_etag_succeeds(testapp, alice, method, body, header):
    task = create_task(alice)
    response = send_json(testapp, method, f"/tasks/{task['id']}", body or b"",
                         {**alice.headers, "If-Match": header})
    assert response.status_int == (204 if method == "DELETE" else 200)


def test_two_clients_never_silently_overwrite_each_other(testapp, alice):
    task = create_task(alice)
    etag = testapp.get(f"/tasks/{task['id']}", headers=alice.headers).headers["ETag"]
    headers = {**alice.headers, "If-Match": etag}
    testapp.patch_json(f"/tasks/{task['id']}", {"title": "first"}, headers=headers, status=200)
    response = testapp.patch_json(f"/tasks/{task['id']}", {"title": "second"}, headers=headers,
                                  status=412)
    assert response.headers["ETag"] == '"2"'
    assert testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json["title"] == "first"


# -- other people's tasks -------------------------------------------------------------------

@pytest.mark.parametrize("method,body", [("GET", None), *WRITES])
def test_another_users_task_is_404(testapp, alice, bob, method, body):
    task = create_task(bob)
    response = send_json(testapp, method, f"/tasks/{task['id']}", body or b"", alice.headers)
    missing = send_json(testapp, method, "/tasks/987654321", body or b"", alice.headers)
    assert_error(response, 404, ("path", ""))
    assert response.json["errors"] == missing.json["errors"]
    assert testapp.get(f"/tasks/{task['id']}", headers=bob.headers).json == task


def test_an_admin_may_act_on_any_task(testapp, alice, admin):
    task = create_task(alice)
    testapp.get(f"/tasks/{task['id']}", headers=admin.headers, status=200)
    body = testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=admin.headers).json
    assert (body["owner"], body["done"]) == ("alice", True)
    testapp.delete(f"/tasks/{task['id']}", headers=admin.headers, status=204)


@pytest.mark.parametrize("suffix", ["%0A", "%20", "x", "/"])
def test_a_task_has_one_url_only(testapp, alice, suffix):
    """Path segments are matched whole: ``1\n`` is not another name for task 1."""
    task = create_task(alice)
    testapp.get(f"/tasks/{task['id']}{suffix}", headers=alice.headers, status=404)
