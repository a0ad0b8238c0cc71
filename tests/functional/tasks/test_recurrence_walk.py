"""Contract section 12: a series begun long ago rolls forward and lists its next dues like
a new one, and a completion too far from its due to count for COUNT is a 400 naming
``recurrence`` (dates.series walks from a later anchor; MAX_WALK bounds what COUNT counts)."""

from datetime import UTC, datetime, timedelta

from tests.support.api import assert_error, create_task

LONG_AGO = "1900-01-01T08:00:00Z"


def read_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_an_hourly_series_begun_in_1900_moves_to_the_next_hour_when_done(testapp, register):
    alice = register()
    task = create_task(alice, due_at=LONG_AGO, time_zone="UTC",
                       recurrence={"rule": "FREQ=HOURLY", "from": "due"})
    before = datetime.now(UTC)
    done = testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=alice.headers)
    due = read_time(done.json["due_at"])
    assert done.json["done"] is False
    assert (due.minute, due.second) == (0, 0)
    assert before < due <= datetime.now(UTC) + timedelta(hours=1)
    listed = testapp.get(f"/tasks/{task['id']}/occurrences?limit=3", headers=alice.headers)
    assert [read_time(item["due_at"]) for item in listed.json["items"]] == [
        due, due + timedelta(hours=1), due + timedelta(hours=2)]


def test_a_completion_too_far_from_its_due_to_count_for_count_is_a_400(testapp, register):
    alice = register()
    task = create_task(alice, due_at=LONG_AGO, time_zone="UTC",
                       recurrence={"rule": "FREQ=HOURLY;COUNT=100000000", "from": "due"})
    refused = testapp.patch_json(f"/tasks/{task['id']}", {"done": True}, headers=alice.headers,
                                 status=400)
    (error,) = assert_error(refused, 400, ("body", "recurrence"))
    assert "give the task a new due" in error["description"]
    unchanged = testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json
    assert (unchanged["due_at"], unchanged["version"]) == (task["due_at"], task["version"])
    # the fix the description gives: a new due restarts the series there
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    restarted = testapp.patch_json(f"/tasks/{task['id']}", {"due_at": now, "done": True},
                                   headers=alice.headers)
    assert read_time(restarted.json["due_at"]) == read_time(now) + timedelta(hours=1)


def test_a_recurring_due_in_the_year_9999_is_a_400_in_any_zone(testapp, register):
    # 23:00Z on 9999-12-31 is 08:00 on 10000-01-01 in Tokyo: past datetime's range
    alice = register()
    for follows in ("due", "completion"):
        body = {"title": "late", "due_at": "9999-12-31T23:00:00Z", "time_zone": "Asia/Tokyo",
                "recurrence": {"rule": "FREQ=DAILY", "from": follows}}
        refused = testapp.post_json("/tasks", body, headers=alice.headers, status=400)
        (error,) = assert_error(refused, 400, ("body", "recurrence"))
        assert "ends with the year 9998" in error["description"]
