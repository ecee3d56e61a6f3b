from django.urls import include, path
from rest_framework.routers import DefaultRouter

from customers import api as customers_api
from visits import api as visits_api

router = DefaultRouter()
router.register("customers", customers_api.CustomerViewSet, basename="customer")
router.register("contacts", customers_api.ContactViewSet, basename="contact")
router.register("segments", customers_api.SegmentViewSet, basename="segment")
router.register("visit-plans", visits_api.VisitPlanViewSet, basename="visitplan")
router.register("visits", visits_api.VisitViewSet, basename="visit")

app_name = "api"
urlpatterns = [path("", include(router.urls))]
