"""Scheduling from Python: availability, slots, booking and its conflicts, statuses, series, the
waiting list and a doctor's day. The clinic is the one `conftest.make_clinic` sets up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import hms
from conftest import KOLKATA, NOW, TUESDAY, Clinic, at, make_clinic, template

WEDNESDAY = TUESDAY + dt.timedelta(days=1)


def book(c: Clinic, patient: hms.Patient, start: dt.datetime, visit: str = "consult", **kw: object) -> hms.Appointment:
    return c.hospital.book_appointment(c.desk, hms.BookingRequest(patient, c.doctor, visit, start, **kw))  # type: ignore[arg-type]


# --- value objects ----------------------------------------------------------------------------


def test_value_objects_take_keywords_and_compare_by_value() -> None:
    v = hms.VisitType("procedure", "Procedure", 30, buffer_minutes=15, required_resource_kinds=["procedure_room"])
    assert (v.code, v.minutes, v.buffer_minutes, v.required_resource_kinds) == ("procedure", 30, 15, ("procedure_room",))
    assert v == hms.VisitType("procedure", "Procedure", 30, buffer_minutes=15, required_resource_kinds=["procedure_room"])
    assert "VisitType(code='procedure'" in repr(v)

    w = hms.WeeklyHours(hms.Weekday.MONDAY, dt.time(9), dt.time(13))
    assert (w.weekday, w.start, w.end) == (hms.Weekday.MONDAY, dt.time(9), dt.time(13))
    assert hms.WeeklyHours("monday", dt.time(9), dt.time(13)) == w
    with pytest.raises(TypeError):
        hms.WeeklyHours("monday", dt.datetime(2026, 3, 2, 9), dt.time(13))  # type: ignore[arg-type]
    with pytest.raises(hms.ValidationError) as bad_day:
        hms.WeeklyHours("someday", dt.time(9), dt.time(13))
    assert bad_day.value.problems[0].field == "weekday"

    leave = hms.AvailabilityException.leave(dt.date(2026, 3, 9), dt.date(2026, 3, 13))
    assert (leave.kind, leave.details) == ("leave", {"from_date": dt.date(2026, 3, 9), "until": dt.date(2026, 3, 13)})
    block = hms.AvailabilityException.unavailable(hms.Interval(at(TUESDAY, 9), at(TUESDAY, 10)), "ward round")
    assert block.kind == "unavailable" and block.details["reason"] == "ward round"
    extra = hms.AvailabilityException.extra_session(dt.date(2026, 3, 7), dt.time(10), dt.time(12))
    assert extra.details == {"date": dt.date(2026, 3, 7), "start": dt.time(10), "end": dt.time(12)}
    assert hms.AvailabilityException.holiday(dt.date(2026, 3, 4), "Holi").kind == "holiday"

    rule = hms.SeriesRule(start_date=TUESDAY, time=dt.time(10), zone="Asia/Kolkata", minutes=30, weekdays=["tuesday"], count=3)
    assert (rule.weekdays, rule.every_weeks, rule.count, rule.until, rule.every_days) == ((hms.Weekday.TUESDAY,), 1, 3, None, None)
    assert rule.zone == KOLKATA
    daily = hms.SeriesRule(start_date=TUESDAY, time=dt.time(10), zone=KOLKATA, minutes=30, every_days=2, until=dt.date(2026, 3, 20))
    assert (daily.every_days, daily.until, daily.weekdays) == (2, dt.date(2026, 3, 20), None)
    with pytest.raises(hms.ValidationError) as neither:
        hms.SeriesRule(start_date=TUESDAY, time=dt.time(10), zone=KOLKATA, minutes=30, count=3)
    assert neither.value.problems[0].field == "repeat"
    with pytest.raises(hms.ValidationError) as both_ends:
        hms.SeriesRule(start_date=TUESDAY, time=dt.time(10), zone=KOLKATA, minutes=30, every_days=1, count=3, until=TUESDAY)
    assert both_ends.value.problems[0].field == "end"


def test_templates_and_requests_refuse_naive_datetimes_and_wrong_types(clinic: Clinic) -> None:
    t = template(clinic.doctor)
    assert (t.doctor_id, t.zone, t.slot_minutes, t.capacity, t.location) == (clinic.doctor.id, KOLKATA, 15, 1, "OPD room 4")
    assert len(t.weekly_hours) == 5 and t.visit_types[0].code == "consult"
    with pytest.raises(hms.ValidationError):
        hms.BookingRequest(clinic.asha, clinic.doctor, "consult", dt.datetime(2026, 3, 3, 10))
    with pytest.raises(TypeError):
        hms.BookingRequest(clinic.asha, clinic.doctor, "consult", "2026-03-03T10:00")  # type: ignore[arg-type]
    r = hms.BookingRequest(clinic.asha.id, clinic.doctor.id, "consult", at(TUESDAY, 10), note="cough", client_key="k")
    assert (r.patient_id, r.doctor_id, r.start, r.note, r.client_key, r.resource_ids) == (
        clinic.asha.id, clinic.doctor.id, at(TUESDAY, 10), "cough", "k", ())


def test_bad_template_lists_every_field(clinic: Clinic) -> None:
    bad = template(clinic.doctor, slot_minutes=0, horizon_days=0, weekly_hours=[hms.WeeklyHours("monday", dt.time(13), dt.time(9))])
    with pytest.raises(hms.ValidationError) as caught:
        clinic.hospital.set_availability(clinic.admin, clinic.doctor, [bad])
    assert len(caught.value.problems) >= 2


# --- slots ------------------------------------------------------------------------------------


def test_free_slots_of_a_doctor(clinic: Clinic) -> None:
    slots = clinic.hospital.free_slots(clinic.desk, clinic.doctor, "consult", from_date=TUESDAY, until=TUESDAY)
    # 09:00 to 13:00 on a 15-minute grid, 30-minute visits: 09:00, 09:15, ..., 12:30.
    assert len(slots) == 15
    first = slots[0]
    assert first.start == at(TUESDAY, 9) and first.end == at(TUESDAY, 9, 30)
    assert first.local_start == dt.datetime(2026, 3, 3, 9, 0) and first.zone == KOLKATA
    assert first.remaining_capacity == 1 and first.interval == hms.Interval(at(TUESDAY, 9), at(TUESDAY, 9, 30))
    assert list(slots.to_pandas().columns) == ["start", "end", "local_start", "remaining_capacity"]

    book(clinic, clinic.asha, at(TUESDAY, 9))
    after = clinic.hospital.free_slots(clinic.desk, clinic.doctor, "consult", from_date=TUESDAY, until=TUESDAY)
    assert after[0].start == at(TUESDAY, 9, 30)
    # With a patient, only the times that patient is free too.
    assert len(clinic.hospital.free_slots(clinic.desk, clinic.doctor, "consult", from_date=TUESDAY, until=TUESDAY, patient=clinic.asha)) == 13


def test_free_slots_respect_leave_and_holidays(clinic: Clinic) -> None:
    h = clinic.hospital
    h.add_availability_exception(clinic.admin, clinic.doctor, hms.AvailabilityException.leave(TUESDAY, TUESDAY))
    h.set_holidays(clinic.admin, [hms.AvailabilityException.holiday(WEDNESDAY, "Holi")])
    assert h.free_slots(clinic.desk, clinic.doctor, "consult", from_date=TUESDAY, until=WEDNESDAY) == []
    with pytest.raises(hms.ForbiddenError) as caught:
        h.set_holidays(clinic.desk, [])
    assert caught.value.reason is not None


def test_search_slots_over_doctors(clinic: Clinic) -> None:
    h = clinic.hospital
    found = h.search_slots(clinic.desk, "consult", from_date=TUESDAY, until=TUESDAY, specialization="cardiology")
    assert len(found) == 15 and {s.doctor_id for s in found} == {clinic.doctor.id}
    assert list(found[0].keys()) == ["doctor_id", "start", "end", "local_start", "remaining_capacity"]
    assert h.search_slots(clinic.desk, "consult", from_date=TUESDAY, until=TUESDAY, specialization="dermatology") == []
    with pytest.raises(hms.ValidationError):
        h.search_slots(clinic.desk, "consult", from_date=WEDNESDAY, until=TUESDAY)


def test_visit_type_not_offered(clinic: Clinic) -> None:
    with pytest.raises(hms.VisitTypeNotOfferedError) as caught:
        clinic.hospital.free_slots(clinic.desk, clinic.doctor, "surgery", from_date=TUESDAY, until=TUESDAY)
    assert (caught.value.code, caught.value.doctor_id, caught.value.visit_type) == ("visit_type_not_offered", clinic.doctor.id, "surgery")
    assert isinstance(caught.value, hms.AvailabilityError)


# --- booking ----------------------------------------------------------------------------------


def test_book_an_appointment(clinic: Clinic) -> None:
    a = book(clinic, clinic.asha, at(TUESDAY, 10), note="chest pain")
    assert (a.patient_id, a.doctor_id, a.visit_type, a.status) == (clinic.asha.id, clinic.doctor.id, "consult", hms.AppointmentStatus.BOOKED)
    assert a.start == at(TUESDAY, 10) and a.end == at(TUESDAY, 10, 30) and a.held_until == a.end
    assert a.start.tzinfo == dt.timezone.utc
    assert a.local_start == dt.datetime(2026, 3, 3, 10, 0) and a.zone == KOLKATA
    assert (a.note, a.booked_by, a.created_at, a.version, a.shared) == ("chest pain", clinic.desk.id, NOW, 1, False)
    assert a.history[0]["change"] == "status" and a.history[0]["to"] == hms.AppointmentStatus.BOOKED
    assert a.override_reason is None and a.overridden_conflicts == []
    assert clinic.hospital.appointment(clinic.doctor_account, a.id) == a
    assert clinic.hospital.appointment(clinic.desk, a) == a
    assert dict(a)["status"] == "booked"
    assert "Appointment(id=" in repr(a)


def test_a_conflict_names_every_booking_in_the_way(clinic: Clinic) -> None:
    first = book(clinic, clinic.asha, at(TUESDAY, 10))
    with pytest.raises(hms.SlotConflictError) as caught:
        book(clinic, clinic.ravi, at(TUESDAY, 10, 15))
    e = caught.value
    assert e.code == "slot_conflict"
    assert e.appointment_ids == [first.id]
    assert e.intervals == [first.interval]
    [conflict] = e.conflicts
    assert (conflict.party_kind, conflict.party_id, conflict.appointment_id) == ("doctor", clinic.doctor.id, first.id)
    assert (conflict.start, conflict.end) == (first.start, first.end)
    assert e.conflicts.to_pandas().shape == (1, 5)
    assert str(e) == e.message and first.id in e.message


def doctor_details_2() -> hms.StaffDetails:
    from conftest import doctor_details

    return doctor_details(name=hms.PersonName("Arun", "Menon"), license_number="KMC-999")


def test_patient_double_booking_with_two_doctors(clinic: Clinic) -> None:
    h = clinic.hospital
    other = h.hire_staff(clinic.admin, doctor_details_2())
    h.set_availability(clinic.admin, other, [template(other)])
    first = book(clinic, clinic.asha, at(TUESDAY, 10))
    with pytest.raises(hms.SlotConflictError) as caught:
        h.book_appointment(clinic.desk, hms.BookingRequest(clinic.asha, other, "consult", at(TUESDAY, 10)))
    assert [(c.party_kind, c.appointment_id) for c in caught.value.conflicts] == [("patient", first.id)]


def test_warn_mode_lets_an_override_through(hospital: hms.Hospital) -> None:
    h = hms.Hospital.in_memory(zone="Asia/Kolkata", currency="INR", now=NOW, seed=7, conflict_mode=hms.ConflictMode.WARN)
    c = make_clinic(h)
    first = book(c, c.asha, at(TUESDAY, 10))
    with pytest.raises(hms.SlotConflictError):
        book(c, c.ravi, at(TUESDAY, 10))
    second = book(c, c.ravi, at(TUESDAY, 10), override_reason="urgent, doctor agreed")
    assert second.override_reason == "urgent, doctor agreed"
    assert [x.appointment_id for x in second.overridden_conflicts] == [first.id]
    with pytest.raises(hms.ValidationError):
        hms.Hospital.in_memory(conflict_mode="sometimes")


def test_rooms_are_booked_with_visits_that_need_them(clinic: Clinic) -> None:
    h = clinic.hospital
    with pytest.raises(hms.NoResourceError) as none:
        book(clinic, clinic.asha, at(TUESDAY, 10), visit="procedure")
    assert (none.value.code, none.value.kind) == ("no_resource", "procedure_room")
    room = h.add_resource(clinic.admin, kind="procedure_room", name="Procedure room 2", location="2nd floor")
    assert (room.kind, room.name, room.location, room.active) == ("procedure_room", "Procedure room 2", "2nd floor", True)
    a = book(clinic, clinic.asha, at(TUESDAY, 10), visit="procedure")
    assert a.resource_ids == (room.id,)
    assert a.held_until == at(TUESDAY, 10, 45)
    with pytest.raises(hms.SlotConflictError) as room_busy:
        book(clinic, clinic.ravi, at(TUESDAY, 10, 30), visit="procedure", resources=[room])
    assert ("resource", room.id) in {(c.party_kind, c.party_id) for c in room_busy.value.conflicts}
    with pytest.raises(hms.ForbiddenError):
        h.add_resource(clinic.desk, kind="mri", name="MRI 1")


def test_the_same_request_key_books_once(clinic: Clinic) -> None:
    a = book(clinic, clinic.asha, at(TUESDAY, 10), client_key="form-17")
    assert book(clinic, clinic.asha, at(TUESDAY, 10), client_key="form-17") == a
    with pytest.raises(hms.IdempotencyMismatchError) as caught:
        book(clinic, clinic.asha, at(TUESDAY, 11), client_key="form-17")
    assert (caught.value.key, caught.value.existing_id) == ("form-17", a.id)


def test_times_that_cannot_be_booked(clinic: Clinic) -> None:
    today = NOW.date()
    with pytest.raises(hms.OutsideAvailabilityError) as outside:
        book(clinic, clinic.asha, at(TUESDAY, 14))
    assert outside.value.doctor_id == clinic.doctor.id
    assert outside.value.interval == hms.Interval(at(TUESDAY, 14), at(TUESDAY, 14, 30))
    with pytest.raises(hms.InPastError) as past:
        book(clinic, clinic.asha, at(today, 10))
    assert (past.value.start, past.value.now) == (at(today, 10), NOW)
    with pytest.raises(hms.LeadTimeError) as lead:
        book(clinic, clinic.asha, at(today, 14))
    assert (lead.value.start, lead.value.earliest, lead.value.lead_time_minutes) == (at(today, 14), NOW + dt.timedelta(hours=1), 60)
    late = today + dt.timedelta(days=45)
    with pytest.raises(hms.BeyondHorizonError) as horizon:
        book(clinic, clinic.asha, at(late, 10))
    assert (horizon.value.date, horizon.value.last_date, horizon.value.horizon_days) == (late, today + dt.timedelta(days=30), 30)
    for e in (outside, past, lead, horizon):
        assert isinstance(e.value, hms.AvailabilityError)


def test_book_many_is_all_or_nothing(clinic: Clinic) -> None:
    h = clinic.hospital
    requests = [hms.BookingRequest(clinic.asha, clinic.doctor, "consult", at(TUESDAY, 9 + i)) for i in range(3)]
    booked = h.book_many(clinic.desk, requests)
    assert [a.start for a in booked] == [at(TUESDAY, 9), at(TUESDAY, 10), at(TUESDAY, 11)]
    assert booked.to_pandas()["status"].tolist() == ["booked"] * 3
    clash = [
        hms.BookingRequest(clinic.ravi, clinic.doctor, "consult", at(WEDNESDAY, 9)),
        hms.BookingRequest(clinic.ravi, clinic.doctor, "consult", at(TUESDAY, 9)),
    ]
    with pytest.raises(hms.SlotConflictError):
        h.book_many(clinic.desk, clash)
    wednesday = h.doctor_day(clinic.desk, clinic.doctor, WEDNESDAY)
    assert len(wednesday) == 0, "the first request of a failed batch is not kept"


def test_reschedule_cancel_and_status_changes(clinic: Clinic) -> None:
    h = clinic.hospital
    a = book(clinic, clinic.asha, at(TUESDAY, 10))
    moved = h.reschedule_appointment(clinic.desk, a, at(TUESDAY, 11))
    assert (moved.start, moved.version) == (at(TUESDAY, 11), 2)
    assert moved.history[-1]["change"] == "rescheduled" and moved.history[-1]["from"] == a.interval
    arrived = h.change_status(clinic.desk, moved, "arrived")
    assert arrived.status == hms.AppointmentStatus.ARRIVED
    with pytest.raises(hms.AppointmentTransitionError) as caught:
        h.change_status(clinic.desk, arrived, hms.AppointmentStatus.PROPOSED)
    e = caught.value
    assert (e.code, e.appointment_id, e.from_status, e.to_status) == (
        "invalid_transition", a.id, hms.AppointmentStatus.ARRIVED, hms.AppointmentStatus.PROPOSED)
    assert isinstance(e, hms.InvalidTransitionError)

    b = book(clinic, clinic.ravi, at(TUESDAY, 9))
    cancelled = h.cancel_appointment(clinic.desk, b, "patient called")
    assert cancelled.status == hms.AppointmentStatus.CANCELLED
    assert cancelled.history[-1]["reason"] == "patient called"
    with pytest.raises(hms.ValidationError):
        h.change_status(clinic.desk, b, "gone")
    with pytest.raises(hms.NotFoundError):
        h.appointment(clinic.desk, "019cad8f-ac00-7000-8000-0000000000aa")


def test_no_shows_are_swept_after_the_grace(clinic: Clinic) -> None:
    h = clinic.hospital
    a = book(clinic, clinic.asha, at(TUESDAY, 10))
    assert h.sweep_no_shows(dt.timedelta(minutes=15)) == []
    h.set_now(at(TUESDAY, 11))
    assert h.sweep_no_shows(dt.timedelta(minutes=15)) == [a.id]
    assert h.appointment(clinic.desk, a).status == hms.AppointmentStatus.NOSHOW


def test_a_series_books_every_occurrence_or_reports_the_refused(clinic: Clinic) -> None:
    h = clinic.hospital
    rule = hms.SeriesRule(start_date=TUESDAY, time=dt.time(10), zone=KOLKATA, minutes=30, weekdays=["tuesday", "thursday"], count=4)
    out = h.book_series(clinic.desk, clinic.asha, clinic.doctor, "consult", rule)
    assert [a.local_start.date() for a in out.booked] == [TUESDAY, dt.date(2026, 3, 5), dt.date(2026, 3, 10), dt.date(2026, 3, 12)]
    assert out.refused == []
    assert "SeriesOutcome(booked=4" in repr(out)

    h.set_holidays(clinic.admin, [hms.AvailabilityException.holiday(dt.date(2026, 3, 18), "Holiday")])
    weekly = hms.SeriesRule(start_date=dt.date(2026, 3, 16), time=dt.time(10), zone=KOLKATA, minutes=30, every_days=1, count=3)
    with pytest.raises(hms.OutsideAvailabilityError):
        h.book_series(clinic.desk, clinic.ravi, clinic.doctor, "consult", weekly, mode="all_or_none")
    partial = h.book_series(clinic.desk, clinic.ravi, clinic.doctor, "consult", weekly, mode=hms.SeriesMode.AVAILABLE)
    assert len(partial.booked) == 2
    [(day, error)] = partial.refused
    assert day == dt.date(2026, 3, 18) and isinstance(error, hms.OutsideAvailabilityError)


def test_a_wall_clock_time_the_clocks_skip() -> None:
    ny = ZoneInfo("America/New_York")
    h = hms.Hospital.in_memory(zone=ny, now=dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc), seed=1)
    c = make_clinic(h)
    rule = hms.SeriesRule(start_date=dt.date(2026, 3, 8), time=dt.time(2, 30), zone=ny, minutes=30, every_days=1, count=1)
    with pytest.raises(hms.NonexistentLocalTimeError) as caught:
        h.book_series(c.desk, c.asha, c.doctor, "consult", rule)
    assert (caught.value.date, caught.value.time, caught.value.zone) == (dt.date(2026, 3, 8), dt.time(2, 30), ny)
    assert isinstance(caught.value, ValueError)


def test_waiting_list_gets_offered_a_freed_time(clinic: Clinic) -> None:
    h = clinic.hospital
    a = book(clinic, clinic.asha, at(TUESDAY, 10))
    entry = h.join_waitlist(clinic.desk, clinic.ravi, clinic.doctor, "consult", hms.Interval(at(TUESDAY, 9), at(TUESDAY, 13)))
    assert (entry.patient_id, entry.doctor_id, entry.visit_type, entry.status, entry.offered) == (
        clinic.ravi.id, clinic.doctor.id, "consult", hms.WaitlistStatus.WAITING, None)
    assert entry.window == hms.Interval(at(TUESDAY, 9), at(TUESDAY, 13))
    h.cancel_appointment(clinic.desk, a, "patient called")
    offered = [e for e in h.events_after() if e.type == "waitlist.slot_offered"]
    assert len(offered) == 1 and offered[0].data["patient"] == clinic.ravi.id
    with pytest.raises(hms.VisitTypeNotOfferedError):
        h.join_waitlist(clinic.desk, clinic.ravi, clinic.doctor, "surgery", entry.window)


def test_a_doctors_day_and_a_patients_appointments(clinic: Clinic) -> None:
    h = clinic.hospital
    book(clinic, clinic.ravi, at(TUESDAY, 11), note="<b>review</b>")
    book(clinic, clinic.asha, at(TUESDAY, 9, 30))
    day = h.doctor_day(clinic.doctor_account, clinic.doctor, TUESDAY)
    assert (day.doctor_id, day.date, len(day)) == (clinic.doctor.id, TUESDAY, 2)
    assert [a.local_start.time() for a in day.appointments] == [dt.time(9, 30), dt.time(11)]
    html = day._repr_html_()
    assert html.startswith("<table>") and "09:30" in html and "11:00" in html and "2 appointments" in html
    assert "&lt;b&gt;review&lt;/b&gt;" in html and "<b>review" not in html
    assert day.appointments.to_pandas()["visit_type"].tolist() == ["consult", "consult"]
    assert "DoctorDay(doctor_id=" in repr(day)

    week = hms.Interval(at(TUESDAY, 0), at(TUESDAY + dt.timedelta(days=7), 0))
    mine = h.patient_appointments(clinic.desk, clinic.asha, week)
    assert [a.patient_id for a in mine] == [clinic.asha.id]
    with pytest.raises(hms.NotFoundError):
        h.doctor_day(clinic.desk, clinic.asha.id, TUESDAY)


def test_a_doctor_manages_only_their_own_schedule(clinic: Clinic) -> None:
    h = clinic.hospital
    other = h.hire_staff(clinic.admin, doctor_details_2())
    h.set_availability(clinic.doctor_account, clinic.doctor, [template(clinic.doctor)])
    with pytest.raises(hms.ForbiddenError) as caught:
        h.set_availability(clinic.doctor_account, other, [template(other)])
    assert (caught.value.rule, caught.value.resource) == ("own-schedule", hms.ResourceKind.SCHEDULE)


# --- a calendar's conflict check ----------------------------------------------------------------


def test_a_calendar_finds_the_bookings_in_the_way(clinic: Clinic) -> None:
    a = book(clinic, clinic.asha, at(TUESDAY, 10))
    cal = hms.Calendar()
    assert cal.add(a, a.interval) and not cal.add(a.id, a.interval)
    other = "019cad8f-ac00-7a00-8000-0000000000c1"
    assert cal.add(other, hms.Interval(at(TUESDAY, 10, 15), at(TUESDAY, 11)), shared=True)
    assert len(cal) == 2 and "2 bookings" in repr(cal)
    assert cal.conflicts(hms.Interval(at(TUESDAY, 9, 45), at(TUESDAY, 10, 20))) == [a.id, other]
    # Half-open: a visit that starts when another ends does not collide with it.
    assert cal.is_free(hms.Interval(at(TUESDAY, 11), at(TUESDAY, 11, 30)))
    assert not cal.is_free(hms.Interval(at(TUESDAY, 10, 59), at(TUESDAY, 11, 30)))
    assert cal.remove(other, hms.Interval(at(TUESDAY, 10, 15), at(TUESDAY, 11))) and not cal.remove(other, a.interval)
    assert cal.conflicts(hms.Interval(at(TUESDAY, 10, 30), at(TUESDAY, 11))) == []
    assert cal._time_is_free(a.interval, 10) > 0
    with pytest.raises(TypeError):
        cal.is_free((at(TUESDAY, 10), at(TUESDAY, 11)))  # type: ignore[arg-type]
