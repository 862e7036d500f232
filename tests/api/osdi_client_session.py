"""A sync session against Voces' OSDI API with two of Action Network's client libraries from
PyPI, changing nothing but their base URL: one JSON line per call, with what it answered or
how it failed.

Run in a virtual environment of its own (tests/api/test_osdi_clients.py makes it), not in
Voces' (it imports neither Django nor Voces):

    pip install osdi==0.3.1 parsons==6.1.0
    VOCES_OSDI=http://127.0.0.1:8000/api/osdi/v1 VOCES_TOKEN=... VOCES_PETITION=1 \\
        python tests/api/osdi_client_session.py
"""

import json
import os
import signal
import traceback

import parsons.action_network.action_network as an_module
from osdi.action_network.person import ANPerson
from osdi.action_network.service import ActionNetworkService
from parsons import ActionNetwork

BASE = os.environ["VOCES_OSDI"]  # http://host:port/api/osdi/v1, without a trailing slash
TOKEN = os.environ["VOCES_TOKEN"]
PETITION = os.environ["VOCES_PETITION"]
# A sync asks for what changed since its last run; and looks one person up by email.
SINCE = f"modified_date gt '{os.environ.get('VOCES_SINCE', '2000-01-01')}'"
FIND = os.environ.get("VOCES_FIND_EMAIL", "juana@example.org")
# The osdi client retries every failure ten times with growing sleeps (about 17 minutes).
SECONDS = int(os.environ.get("VOCES_CALL_SECONDS", "30"))


def _alarm(signum, frame):
    raise TimeoutError(f"no answer within {SECONDS} s")


def call(client, name, fn, show=lambda answer: answer):
    """Run one client call under a timeout; print `show(answer)`, or how it failed."""
    signal.alarm(SECONDS)
    try:
        answer = fn()
        line = {"client": client, "call": name, "ok": True, "answer": show(answer)}
    except Exception as error:  # a session reports every failure, whatever it is
        answer = None
        last = traceback.extract_tb(error.__traceback__)[-1]
        line = {
            "client": client,
            "call": name,
            "ok": False,
            "error": f"{type(error).__name__}: {str(error)[:300]}",
            "where": f"{os.path.basename(last.filename)}:{last.lineno}",
        }
    finally:
        signal.alarm(0)
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return answer


def last_segment(href):
    return href.rsplit("/", 1)[1]


def person_of(person):
    return {"id": person.id, "email": person.email, "tags": sorted(person.tags)}


def osdi_session():
    """osdi 0.3.1: `ActionNetworkService(uri, key)` lists the tags when it starts."""
    svc = call(
        "osdi",
        "ActionNetworkService(uri, key)",
        lambda: ActionNetworkService(BASE, TOKEN),
        lambda svc: sorted(svc.tags_by_name),
    )
    if svc is None:
        return
    call(
        "osdi",
        "get_model_raw(people, filter=modified_date gt)",
        lambda: svc.get_model_raw("people", "osdi:people", params={"filter": SINCE}),
        lambda people: sorted(p["email_addresses"][0]["address"].lower() for p in people),
    )
    juana = call(
        "osdi",
        "find_person(email=)",
        lambda: svc.find_person(email=FIND, model=ANPerson),
        person_of,
    )
    call(
        "osdi",
        "find_person(email=) of nobody",
        lambda: svc.find_person(email="nobody@example.org", model=ANPerson),
    )
    if juana is not None:
        call(
            "osdi",
            "person_by_id(id)",
            lambda: svc.person_by_id(juana.id, model=ANPerson),
            person_of,
        )
    killa = call(
        "osdi",
        "create_person()",
        lambda: svc.create_person("Killa", "Huamán", "killa@example.org", model=ANPerson),
        lambda killa: {
            **person_of(killa),
            "created_is_modified": killa.raw_data["created_date"]
            == killa.raw_data["modified_date"],
            "custom_fields": killa.custom_fields,
        },
    )
    call(
        "osdi",
        "_post_request(tags)",
        lambda: svc._post_request("tags", {"name": "feria-cusco"}),
        lambda tag: tag["name"],
    )
    svc = call(
        "osdi",
        "ActionNetworkService(uri, key) again",
        lambda: ActionNetworkService(BASE, TOKEN),
        lambda svc: sorted(svc.tags_by_name),
    )
    if killa is None or svc is None:
        return

    def retag(value):
        person = svc.person_by_id(killa.id, model=ANPerson)
        person.update_tag("feria-cusco", value)
        person.update()  # PUT people/{id} with its custom fields, then the tagging
        return sorted(svc.person_by_id(killa.id, model=ANPerson).tags)

    def set_field():
        person = svc.person_by_id(killa.id, model=ANPerson)
        person.update_field("member_id", "A-17")
        person.update()  # PUT people/{id} {"custom_fields": {"member_id": "A-17"}}
        return svc.person_by_id(killa.id, model=ANPerson).custom_fields

    call("osdi", "update_field(name, value); update()", set_field)
    call("osdi", "update_tag(tag, True); update()", lambda: retag(True))
    call("osdi", "update_tag(tag, True); update() again", lambda: retag(True))
    call("osdi", "update_tag(tag, False); update()", lambda: retag(False))
    body = {
        "person": {"given_name": "Wayra", "email_addresses": [{"address": "wayra@example.org"}]},
        "triggers": {"autoresponse": {"enabled": False}},
    }
    call(
        "osdi",
        "_post_request(petitions/{id}/signatures)",
        lambda: svc._post_request(f"petitions/{PETITION}/signatures", body),
        lambda signature: [signature["status"], signature["origin_system"]],
    )


def parsons_session():
    """parsons 6.1.0: `ActionNetwork` takes its base URL from the module's API_URL."""
    an_module.API_URL = BASE  # the one change: where the API is
    an = ActionNetwork(api_token=TOKEN)
    call(
        "parsons",
        "get_people(filter=modified_date gt)",
        lambda: an.get_people(filter=SINCE),
        lambda rows: sorted(row["email_addresses"][0]["address"].lower() for row in rows),
    )
    juana = call(
        "parsons",
        "get_people(filter=email_address eq)",
        lambda: an.get_people(filter=f"email_address eq '{FIND.upper()}'"),
        lambda rows: [row["given_name"] for row in rows],
    )
    juana_id = last_segment(juana[0]["_links"]["self"]["href"]) if juana else "0"
    call("parsons", "get_person(id)", lambda: an.get_person(juana_id), lambda p: p["given_name"])
    call(
        "parsons",
        "upsert_person()",
        lambda: an.upsert_person(
            email_address="sisa@example.org",
            given_name="Sisa",
            family_name="Mamani",
            tags=["feria-cusco"],
        ),
        lambda p: [p["given_name"], p["custom_fields"], p["created_date"] == p["modified_date"]],
    )
    call(
        "parsons",
        "upsert_person() again",
        lambda: an.upsert_person(email_address="SISA@example.org", family_name="Mamani Quispe"),
        lambda p: [p["given_name"], p["family_name"]],
    )
    tags = call(
        "parsons", "get_tags()", an.get_tags, lambda rows: sorted(row["name"] for row in rows)
    )
    call("parsons", "add_tag(name)", lambda: an.add_tag("dirigentas"), lambda tag: tag["name"])
    tag_id = next(
        (
            last_segment(row["_links"]["self"]["href"])
            for row in tags or []
            if row["name"] == "feria-cusco"
        ),
        "0",
    )
    person_link = {"_links": {"osdi:person": {"href": f"{BASE}/people/{juana_id}"}}}
    call(
        "parsons",
        "create_tagging(tag_id, payload)",
        lambda: an.create_tagging(tag_id, person_link),
        lambda tagging: last_segment(tagging["_links"]["osdi:person"]["href"]),
    )
    taggings = call(
        "parsons",
        "get_taggings(tag_id)",
        lambda: an.get_taggings(tag_id),
        lambda rows: rows.num_rows,
    )
    tagging_id = next(
        (
            last_segment(row["_links"]["self"]["href"])
            for row in taggings or []
            if row["_links"]["osdi:person"]["href"].endswith(f"/{juana_id}")
        ),
        "0",
    )
    call(
        "parsons",
        "delete_tagging(tag_id, tagging_id)",
        lambda: an.delete_tagging(tag_id, tagging_id),
    )
    call(
        "parsons",
        "get_petitions()",
        an.get_petitions,
        lambda rows: [row["total_signatures"] for row in rows],
    )
    call(
        "parsons",
        "get_petition_signatures(id, filter=modified_date gt)",
        lambda: an.get_petition_signatures(PETITION, filter=SINCE),
        lambda rows: rows.num_rows,
    )
    inti = {"person": {"given_name": "Inti", "email_addresses": [{"address": "inti@example.org"}]}}
    call("parsons", "create_signature(id, data)", lambda: an.create_signature(PETITION, inti))
    call(
        "parsons",
        "api.post_request(petitions/{id}/signatures)",
        lambda: an.api.post_request(f"petitions/{PETITION}/signatures", json=inti),
        lambda signature: signature["status"],
    )


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, _alarm)
    osdi_session()
    parsons_session()
