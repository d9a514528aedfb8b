from msphub.concerns import services as cs


def test_enquiry_smoke(client, make_concern, make_person, practitioner, manager, lead):
    c = make_concern()
    p = make_person()
    cs.link_person(c, p, practitioner)
    d = cs.record_decision(
        c,
        practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "rationale": "x",
            "lead_practitioner": practitioner,
        },
    )
    e = cs.sign_off(d, manager)
    assert e.next_review_due
    client.force_login(practitioner)
    ref = e.reference
    for u in [
        "/enquiries/",
        "/enquiries/?show=team&sort=reference&kind=s42",
        "/enquiries/feedback-due/",
        f"/enquiries/{ref}/",
        f"/enquiries/{ref}/outcomes/new/",
        f"/enquiries/{ref}/outcomes/none/",
        f"/enquiries/{ref}/reviews/new/",
        f"/enquiries/{ref}/taking-part/",
        f"/enquiries/{ref}/risk/",
        f"/enquiries/{ref}/close/",
        f"/enquiries/{ref}/history/",
        f"/enquiries/{ref}/involvement/new/",
        f"/enquiries/{ref}/capacity/new/",
        f"/enquiries/{ref}/best-interests/new/",
        f"/enquiries/{ref}/advocacy/new/",
        f"/enquiries/{ref}/actions/new/",
        f"/enquiries/{ref}/feedback/new/?version=representative",
        "/concerns/?show=overdue",
    ]:
        r = client.get(u)
        assert r.status_code == 200, (u, r.status_code)
    r = client.get(f"/enquiries/{ref}/feedback/easy-read.pdf?version=adult")
    assert r["Content-Type"] == "application/pdf" and r.content[:4] == b"%PDF"
    r = client.post(
        f"/enquiries/{ref}/outcomes/new/",
        {
            "words": "I want it to stop",
            "category": "Stop the abuse or neglect",
            "expressed_by": "adult",
            "expressed_on_day": "1",
            "expressed_on_month": "11",
            "expressed_on_year": "2026",
        },
    )
    assert r.status_code == 302, r.content.decode()[-1500:]
    r = client.post(
        f"/enquiries/{ref}/outcomes/new/",
        {
            "words": "Son to go to prison",
            "category": "Justice (an apology, prosecution, disciplinary or other action)",
            "expressed_by": "adult",
            "expressed_on_day": "1",
            "expressed_on_month": "11",
            "expressed_on_year": "2026",
            "negotiated_outcome": "Police informed; CPS decides",
            "negotiated_reason": "law",
        },
    )
    assert r.status_code == 302
    r = client.post(
        f"/enquiries/{ref}/reviews/new/",
        {
            "held_on_day": "10",
            "held_on_month": "11",
            "held_on_year": "2026",
            "participants": "Edna, me",
            "persons_view": "Better",
        },
    )
    assert r.status_code == 302, r.content.decode()[-1500:]
    r = client.post(
        f"/enquiries/{ref}/capacity/new/",
        {
            "decision": "contact with son",
            "assessed_on_day": "10",
            "assessed_on_month": "11",
            "assessed_on_year": "2026",
            "assessor": "Pat",
            "outcome": "lacks",
        },
    )
    assert r.status_code == 302, r.content.decode()[-1500:]
    r = client.get(f"/enquiries/{ref}/")
    assert "refer them for advocacy" in r.content.decode()
    r = client.post(
        f"/enquiries/{ref}/advocacy/new/",
        {
            "kind": "care_act",
            "referred_on_day": "11",
            "referred_on_month": "11",
            "referred_on_year": "2026",
            "started_on_day": "12",
            "started_on_month": "11",
            "started_on_year": "2026",
        },
    )
    assert r.status_code == 302, r.content.decode()[-1500:]
    r = client.get(f"/enquiries/{ref}/")
    assert "refer them for advocacy" not in r.content.decode()
    r = client.post(f"/enquiries/{ref}/close/", {})
    assert r.status_code == 200
    body = r.content.decode()
    assert "cannot close yet" in body and "risk assessment" in body, body
    e.refresh_from_db()
    ids = list(e.outcomes.values_list("pk", flat=True))
    data = {
        "closure_reason": "complete",
        "msp_asked": "Yes they were asked and outcomes were expressed",
        "risk_assessment_outcome": "Risk identified and action taken",
        "risk_outcome": "Risk reduced",
        "mental_capacity": "Yes, they lacked capacity",
        "capacity_supported": "yes",
    }
    data.update({f"achievement_{i}": "Fully Achieved" for i in ids})
    r = client.post(f"/enquiries/{ref}/close/", data)
    assert r.status_code == 302, r.content.decode()[-3000:]
    client.force_login(manager)
    r = client.get(f"/enquiries/{ref}/close/sign-off/")
    assert r.status_code == 200
    r = client.post(f"/enquiries/{ref}/close/sign-off/", {"action": "approve"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == "closed"
    r = client.get("/enquiries/feedback-due/")
    assert ref in r.content.decode()
    client.force_login(practitioner)
    r = client.post(
        f"/enquiries/{ref}/feedback/new/?version=adult",
        {
            "asked_by": "practitioner",
            "asked_on_day": "20",
            "asked_on_month": "11",
            "asked_on_year": "2026",
            "listened_to": "Definitely",
            "comments": "Kind people",
            "consent_to_quote": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    r = client.get("/enquiries/feedback-due/")
    assert ref not in r.content.decode()
