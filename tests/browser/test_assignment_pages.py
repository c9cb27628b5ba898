"""Assignment and the dashboard in real Chromium: a manager ticks documents on the project
page and assigns them; in assigned mode the annotator's list and queue hold only those;
the reviewer reads the dashboard in Arabic, charts drawn without JavaScript."""

import pytest
from django.urls import reverse

from newsreview.annotations import services as annotate
from newsreview.projects.models import AssignmentMode
from tests.factories import DocumentFactory


@pytest.mark.django_db(transaction=True)
def test_manager_assigns_ticked_documents_and_the_annotator_sees_only_them(
    browser, live_server, project, manager, annotator
):
    project.assignment_mode = AssignmentMode.ASSIGNED
    project.save()
    documents = [
        DocumentFactory(project=project, text=f"خبر رقم {n}\nالتقى حموشي بنظيره في باريس")
        for n in range(4)
    ]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded CI machine
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", "demo")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}{reverse('documents:document-list', args=[project.slug])}")
    for document in (documents[1], documents[3]):
        page.check(f"tr[data-document-id='{document.pk}'] input[type=checkbox]")
    page.select_option("#id_assign_annotators", label="annotator1")
    page.click("#assign-form button[value=assign]")
    page.wait_for_selector(".message--success")
    assigned = page.inner_text(f"tr[data-document-id='{documents[1].pk}'] [data-assigned]")
    assert "annotator1" in assigned
    context.close()

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded CI machine
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", annotator.username)
    page.fill("#id_password", "demo")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}{reverse('documents:document-list', args=[project.slug])}")
    rows = page.locator("tr[data-document-id]")
    assert sorted(int(rows.nth(i).get_attribute("data-document-id")) for i in range(2)) == [
        documents[1].pk,
        documents[3].pk,
    ]
    assert rows.count() == 2
    hidden = reverse("annotations:annotate", args=[project.slug, documents[0].pk])
    response = page.goto(f"{live_server.url}{hidden}")
    assert response.status == 404
    context.close()


@pytest.mark.django_db(transaction=True)
def test_reviewer_reads_the_dashboard_in_arabic_without_javascript(
    browser, live_server, project, reviewer, annotator, other_annotator, seed_text
):
    document = DocumentFactory(project=project, text=seed_text)
    start = seed_text.index("حموشي")
    for user, label in ((annotator, "PERS"), (other_annotator, "ORG")):
        layer = annotate.get_or_create_layer(document=document, user=user)
        annotate.add_span(layer=layer, start=start, end=start + 5, label=label, by=user)
        annotate.set_layer_status(layer=layer, status="done", by=user)
    context = browser.new_context(locale="ar", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded CI machine
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "demo")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}{reverse('agreement:dashboard', args=[project.slug])}")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("svg.chart").count() == 3
    cell = page.locator("#f1-matrix td[data-pair='annotator1|annotator2'] strong")
    assert cell.inner_text() == "0.00"  # PERS against ORG on the same word
    link = page.locator("#lowest-table a").first.get_attribute("href")
    assert link == f"/projects/{project.slug}/documents/{document.pk}/review/"
    box = page.locator("svg.chart").first.bounding_box()
    assert box is not None and box["width"] > 100
    context.close()
