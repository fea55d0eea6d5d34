import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_login_page_is_accessible_and_local(make_page):
    page = make_page()
    response = page.goto("/admin/login/")
    assert response.status == 200
    assert page.axe_violations() == []
    assert page.external_requests() == []
