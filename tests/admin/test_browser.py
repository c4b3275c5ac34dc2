"""The admin in a real browser (headless Chromium, see conftest.py) against
Django's live server: what a user does with nested documents and arrays,
checked in the stored documents (read with pymongo)."""

import re

from bson import ObjectId
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.adminapp.models import Book, Magazine, Person, Writer

from .conftest import PASSWORD


def click_closing(locator):
    """Click a link whose handler closes its page (an admin lookup popup).
    Playwright may find the page closed before it has finished the click
    action; the close itself is what the caller awaits."""
    try:
        locator.click()
    except PlaywrightError as exc:
        if "has been closed" not in str(exc):
            raise


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_have_text("Django administration")
    expect(page.get_by_text("Welcome,")).to_be_visible()


def rows(page, prefix):
    """The rows of the array whose inputs start with ``prefix``."""
    array = page.locator(f'[data-djongo-array][data-prefix="{prefix}"]')
    return array.locator(":scope > [data-djongo-rows] > [data-djongo-row]").or_(
        array.locator(":scope > table > tbody[data-djongo-row]")
    )


def row_of(page, input_id):
    """The closest row (form row or array row) around an input."""
    return page.locator(f"#{input_id}").locator(
        "xpath=ancestor::*[contains(@class, 'form-row') or @data-djongo-row][1]"
    )


def assert_shown_once(page, message, input_id):
    """``message`` is visible once on the page, in the row of ``input_id``."""
    shown = page.get_by_text(message, exact=True)
    expect(shown).to_have_count(1)
    expect(shown).to_be_visible()
    expect(row_of(page, input_id).get_by_text(message, exact=True)).to_be_visible()


def save(page, button="Save"):
    page.locator(f'input[type=submit][value="{button}"]').click()
    page.wait_for_load_state()


def confirm(page):
    """Press the delete confirmation's "Yes, I'm sure"."""
    page.locator("input[name=post] ~ input[type=submit]").click()
    page.wait_for_load_state()


def test_book_with_nested_documents_and_arrays(page, live_server, admin_user, database):
    Person.objects.create(name="Ann")
    Person.objects.create(name="Bob")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/adminapp/book/add/")

    page.fill("#id_title", "Dune")
    page.fill("#id_publisher-name", "Chilton")
    page.fill("#id_publisher-email", "not an email address")
    page.fill("#id_publisher-founded", "1904-03-01")
    page.fill("#id_publisher-address-city", "Philadelphia")

    # Two chapters added with the button, the first removed, a third moved up.
    add_chapter = page.get_by_role("button", name="Add another Chapter")
    add_chapter.click()
    add_chapter.click()
    expect(rows(page, "chapters")).to_have_count(2)
    page.fill("#id_chapters-0-title", "Arrakis")
    page.fill("#id_chapters-1-title", "Dune")
    page.fill("#id_chapters-1-pages", "300")
    rows(page, "chapters").nth(0).get_by_role("button", name="Remove").click()
    expect(rows(page, "chapters")).to_have_count(1)
    # The rows were renumbered: the remaining one is row 0.
    expect(page.locator("#id_chapters-0-title")).to_have_value("Dune")
    expect(page.locator("#id_chapters-0-pages")).to_have_value("300")
    expect(page.locator("input[name=chapters-TOTAL_FORMS]")).to_have_value("1")
    add_chapter.click()
    page.fill("#id_chapters-1-title", "Muad'Dib")
    page.check("#id_chapters-1-draft")
    rows(page, "chapters").nth(1).get_by_role("button", name="Move up").click()
    expect(page.locator("#id_chapters-0-title")).to_have_value("Muad'Dib")
    expect(page.locator("#id_chapters-0-draft")).to_be_checked()
    # max_size=3: the button is disabled at the maximum.
    add_chapter.click()
    expect(add_chapter).to_be_disabled()
    rows(page, "chapters").nth(2).get_by_role("button", name="Remove").click()
    expect(add_chapter).to_be_enabled()

    # Values, one input each; a date picked with the admin's calendar.
    add_item = page.locator('[data-prefix="keywords"] [data-djongo-add]')
    add_item.click()
    page.fill("#id_keywords-0-value", "spice")
    add_item.click()
    page.fill("#id_keywords-1-value", "sand")
    page.locator('[data-prefix="printings"] [data-djongo-add]').click()
    page.locator("#id_printings-0-value ~ .datetimeshortcuts").get_by_text("Today").click()
    printed = page.locator("#id_printings-0-value").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", printed), printed

    # A stacked note with an array of labels inside it.
    page.get_by_role("button", name="Add another Note").click()
    page.fill("#id_notes-0-text", "Written in 1965.")
    page.locator('[data-prefix="notes-0-labels"] [data-djongo-add]').click()
    page.fill("#id_notes-0-labels-0-value", "classic")

    # The filter selector of an array of references.
    page.select_option("#id_authors_from", label="Ann")
    page.click("#id_authors_add")

    save(page, "Save and continue editing")
    expect(page.locator(".errornote")).to_have_text("Please correct the error below.")
    assert_shown_once(page, "Enter a valid email address.", "id_publisher-email")
    # Everything typed is still there.
    expect(page.locator("#id_publisher-email")).to_have_value("not an email address")
    expect(page.locator("#id_publisher-address-city")).to_have_value("Philadelphia")
    expect(page.locator("#id_chapters-0-title")).to_have_value("Muad'Dib")
    expect(page.locator("#id_chapters-1-title")).to_have_value("Dune")
    expect(page.locator("#id_keywords-1-value")).to_have_value("sand")
    expect(page.locator("#id_notes-0-labels-0-value")).to_have_value("classic")
    expect(page.locator("#id_authors_to option")).to_have_text(["Ann"])

    page.fill("#id_publisher-email", "books@chilton.example")
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    ann = Person.objects.get(name="Ann")
    document = database["adminapp_book"].find_one({"title": "Dune"}, {"_id": 0})
    assert document["publisher"] == {
        "name": "Chilton",
        "email": "books@chilton.example",
        "founded": document["publisher"]["founded"],
        "address": {"street": "", "city": "Philadelphia"},
    }
    assert document["publisher"]["founded"].date().isoformat() == "1904-03-01"
    assert document["chapters"] == [
        {"title": "Muad'Dib", "pages": 1, "draft": True},
        {"title": "Dune", "pages": 300, "draft": False},
    ]
    assert document["notes"] == [{"text": "Written in 1965.", "labels": ["classic"]}]
    assert document["keywords"] == ["spice", "sand"]
    assert [day.date().isoformat() for day in document["printings"]] == [printed]
    assert document["authors"] == [ann.pk]

    # Edit: from the changelist, change a nested value, drop a keyword.
    page.locator("#result_list").get_by_role("link", name="Dune").click()
    page.fill("#id_publisher-address-city", "Boston")
    rows(page, "keywords").nth(0).get_by_role("button", name="Remove").click()
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    document = database["adminapp_book"].find_one({"title": "Dune"})
    assert document["publisher"]["address"]["city"] == "Boston"
    assert document["keywords"] == ["sand"]

    # Search by a nested value, then by an array element's value.
    for term, found in [("chilton", 1), ("muad", 1), ("harkonnen", 0)]:
        page.fill("#searchbar", term)
        page.locator("#searchbar").press("Enter")
        expect(page.locator("#result_list tbody tr")).to_have_count(found)
        if found:
            expect(page.locator("#result_list")).to_contain_text("Boston")

    # Delete.
    page.fill("#searchbar", "")
    page.locator("#searchbar").press("Enter")
    page.locator("#result_list").get_by_role("link", name="Dune").click()
    page.locator("a.deletelink").click()  # a "button" role from Django 6.0
    confirm(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was deleted successfully")
    assert database["adminapp_book"].count_documents({}) == 0
    assert not Book.objects.exists()


def test_objectid_keyed_magazine(page, live_server, admin_user, database):
    wendy = Writer.objects.create(name="Wendy")
    Person.objects.create(name="Ann")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/adminapp/magazine/add/")

    page.fill("#id_name", "Analog")
    page.fill("#id_publisher-name", "Dell")
    # min_size=1: one row is there, and cannot be removed.
    expect(rows(page, "issues")).to_have_count(1)
    remove_first = rows(page, "issues").nth(0).get_by_role("button", name="Remove")
    expect(remove_first).to_be_disabled()
    page.fill("#id_issues-0-number", "12")
    add_issue = page.get_by_role("button", name="Add another Issue")
    add_issue.click()
    add_issue.click()
    expect(rows(page, "issues")).to_have_count(3)
    page.fill("#id_issues-1-number", "99")
    page.fill("#id_issues-2-number", "-7")
    rows(page, "issues").nth(1).get_by_role("button", name="Remove").click()
    expect(rows(page, "issues")).to_have_count(2)
    expect(page.locator("#id_issues-1-number")).to_have_value("-7")
    page.locator("#id_issues-1-published ~ .datetimeshortcuts").get_by_text("Today").click()
    page.locator('[data-prefix="topics"] [data-djongo-add]').click()
    page.fill("#id_topics-0-value", "science fiction")

    # Raw ids of ObjectId-keyed writers, picked in the lookup popup.
    with page.expect_popup() as popup_info:
        page.click("#lookup_id_writers")
    popup = popup_info.value
    # The admin's script makes a click on a row pick it and close the
    # popup; clicked before the script has run (a loaded machine), the link
    # just opens the writer's change page in the popup.
    popup.wait_for_load_state("load")
    with popup.expect_event("close"):
        click_closing(popup.get_by_role("link", name="Wendy"))
    expect(page.locator("#id_writers")).to_have_value(str(wendy.pk))
    page.select_option("#id_staff_from", label="Ann")
    page.click("#id_staff_add")

    # An inline of Django's own, with an array of documents inside: the
    # inline's "Add another" and the array's rows work together.
    add_article = page.get_by_role("button", name="Add another Article")
    add_article.click()
    page.fill("#id_articles-0-title", "Draft")
    page.locator('[data-prefix="articles-0-sections"] [data-djongo-add]').click()
    add_article.click()
    page.fill("#id_articles-1-title", "Editorial")
    page.locator('[data-prefix="articles-1-sections"] [data-djongo-add]').click()
    page.fill("#id_articles-1-sections-0-title", "Welcome")
    # Removing the first inline form renumbers the second, arrays included.
    page.locator("#articles-0 .inline-deletelink").click()
    expect(page.locator("#id_articles-0-title")).to_have_value("Editorial")
    page.locator('[data-prefix="articles-0-sections"] [data-djongo-add]').click()
    page.fill("#id_articles-0-sections-1-title", "Thanks")
    expect(page.locator("input[name=articles-0-sections-TOTAL_FORMS]")).to_have_value("2")

    save(page, "Save and continue editing")
    assert_shown_once(
        page, "Ensure this value is greater than or equal to 0.", "id_issues-1-number"
    )
    expect(page.locator("#id_topics-0-value")).to_have_value("science fiction")
    expect(page.locator("#id_issues-0-number")).to_have_value("12")
    expect(page.locator("#id_articles-0-sections-1-title")).to_have_value("Thanks")
    page.fill("#id_issues-1-number", "7")
    save(page, "Save and continue editing")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    match = re.search(r"/admin/adminapp/magazine/([0-9a-f]{24})/change/$", page.url)
    assert match, page.url
    pk = ObjectId(match.group(1))

    document = database["adminapp_magazine"].find_one({"_id": pk})
    assert document["name"] == "Analog"
    assert document["publisher"]["name"] == "Dell"
    assert [issue["number"] for issue in document["issues"]] == [12, 7]
    assert document["issues"][0]["published"] is None
    assert document["issues"][1]["published"] is not None
    assert document["topics"] == ["science fiction"]
    assert document["writers"] == [wendy.pk]
    assert document["staff"] == [Person.objects.get(name="Ann").pk]
    article = database["adminapp_article"].find_one({"magazine_id": pk}, {"_id": 0})
    assert article == {
        "magazine_id": pk,
        "title": "Editorial",
        "sections": [
            {"title": "Welcome", "pages": 1, "draft": False},
            {"title": "Thanks", "pages": 1, "draft": False},
        ],
    }

    # Keys the container does not know, written by another application,
    # follow their element when the rows are moved in the admin.
    database["adminapp_magazine"].update_one(
        {"_id": pk}, {"$set": {"issues.0.printer": "Ace", "publisher.founded_by": "Street"}}
    )
    page.reload()
    rows(page, "issues").nth(0).get_by_role("button", name="Move down").click()
    page.fill("#id_name", "Analog Science Fiction")
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    document = database["adminapp_magazine"].find_one({"_id": pk})
    assert document["name"] == "Analog Science Fiction"
    assert [issue["number"] for issue in document["issues"]] == [7, 12]
    assert document["issues"][1]["printer"] == "Ace"
    assert "printer" not in document["issues"][0]
    assert document["publisher"]["founded_by"] == "Street"

    # Search by the ObjectId and by a nested value; the history.
    for term in (str(pk), "dell"):
        page.fill("#searchbar", term)
        page.locator("#searchbar").press("Enter")
        expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list").get_by_role("link", name="Analog Science Fiction").click()
    assert f"/admin/adminapp/magazine/{pk}/change/" in page.url
    page.get_by_role("link", name="History").click()
    expect(page.locator("#change-history")).to_contain_text("Changed Name and Issues.")

    # Delete.
    page.goto(f"{live_server.url}/admin/adminapp/magazine/{pk}/delete/")
    confirm(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was deleted successfully")
    assert database["adminapp_magazine"].find_one({"_id": pk}) is None
    assert not Magazine.objects.exists()
