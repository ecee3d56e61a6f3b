"""The project's URLconf plus one page that fails, to see the 500 page a person gets."""

from django.urls import path

from accounts.access import public
from csm.urls import urlpatterns as project_urlpatterns


@public
def failing_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*project_urlpatterns, path("test-failure/", failing_view, name="test_failure")]
