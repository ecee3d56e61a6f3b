from django.urls import path

from .views import calendar, figures, plans, visits

app_name = "visits"
urlpatterns = [
    path("", visits.my_visits_view, name="my_visits"),
    path("new/", visits.visit_create_view, name="create"),
    path("new/customers/", visits.visit_customer_search_view, name="customer_search"),
    path("<int:pk>/", visits.visit_detail_view, name="detail"),
    path("<int:pk>/record/", visits.visit_record_view, name="record"),
    path("<int:pk>/reschedule/", visits.visit_reschedule_view, name="reschedule"),
    path("<int:pk>/cancel/", visits.visit_cancel_view, name="cancel"),
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("calendar/feed/", calendar.feed_page_view, name="feed"),
    path("calendar/<str:token>.ics", calendar.calendar_feed_view, name="calendar_feed"),
    path("figures/", figures.figures_view, name="figures"),
    path("plans/", plans.plan_list_view, name="plan_list"),
    path("plans/new/", plans.plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail_view, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_update_view, name="plan_update"),
]
