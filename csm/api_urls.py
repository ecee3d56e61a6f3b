from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from complaints import api as complaints_api
from customers import api as customers_api
from reports import api as reports_api
from surveys import api as surveys_api
from visits import api as visits_api

router = DefaultRouter()
router.register("customers", customers_api.CustomerViewSet, basename="customer")
router.register("contacts", customers_api.ContactViewSet, basename="contact")
router.register("segments", customers_api.SegmentViewSet, basename="segment")
router.register("visit-plans", visits_api.VisitPlanViewSet, basename="visitplan")
router.register("visits", visits_api.VisitViewSet, basename="visit")
router.register("questionnaires", surveys_api.QuestionnaireViewSet, basename="questionnaire")
router.register("survey-campaigns", surveys_api.CampaignViewSet, basename="surveycampaign")
router.register("survey-responses", surveys_api.ResponseViewSet, basename="surveyresponse")
router.register("complaints", complaints_api.ComplaintViewSet, basename="complaint")
router.register("complaint-actions", complaints_api.CorrectiveActionViewSet, basename="complaint-action")
router.register("reports/objectives", reports_api.QualityObjectiveViewSet, basename="qualityobjective")
router.register("reports/objective-results", reports_api.ObjectiveResultViewSet, basename="objectiveresult")

app_name = "api"
urlpatterns = [
    path("reports/figures/", reports_api.FiguresView.as_view(), name="reports-figures"),
    # API tokens (accounts.api): issued from a web session, revoked with the token or the session.
    path("auth/token/", accounts_api.token_create_view, name="token_create"),
    path("auth/token/revoke/", accounts_api.token_revoke_view, name="token_revoke"),
    path("auth/token/revoke-all/", accounts_api.token_revoke_all_view, name="token_revoke_all"),
    path("", include(router.urls)),
]
