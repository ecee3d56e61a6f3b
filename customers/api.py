"""REST API v1 for customers, contacts and segments. Every write goes through the services, so the
API enforces exactly the rules the pages do (per-object ownership, lifecycle steps, audit)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from core.exceptions import ApplicationError

from . import selectors, services
from .filters import CustomerFilter, segment_criteria_clean
from .models import Contact, Customer, Segment
from .serializers import (
    ContactSerializer,
    CustomerListSerializer,
    CustomerSerializer,
    LifecycleChangeSerializer,
    SegmentSerializer,
)


class NameSortOrdering(OrderingFilter):
    """`?ordering=name` sorts by the name's sort key (Chinese names by their pinyin), as the list
    page does; the name and the id break ties, so pages never overlap."""

    def get_ordering(self, request, queryset, view):
        ordering = [
            {"name": "name_sort", "-name": "-name_sort"}.get(field, field)
            for field in super().get_ordering(request, queryset, view) or []
        ]
        return [*ordering, *(field for field in ("name", "id") if field not in ordering)]


class CustomerViewSet(viewsets.ModelViewSet):
    filterset_class = CustomerFilter
    filter_backends = [DjangoFilterBackend, NameSortOrdering]
    ordering_fields = ["name", "code", "annual_volume", "updated_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        queryset = Customer.objects.select_related("owner").prefetch_related("tags")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("contacts")
        return queryset

    def get_serializer_class(self):
        return CustomerListSerializer if self.action == "list" else CustomerSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", [])
        serializer.instance = services.customer_create(
            actor=self.request.user,
            data=data,
            tags=tags,
            lost_reason=data.pop("lost_reason", ""),
            lost_reason_category=data.pop("lost_reason_category", ""),
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        serializer.instance = services.customer_update(
            actor=self.request.user, customer=serializer.instance, data=data, tags=tags
        )

    def perform_destroy(self, instance):
        services.customer_delete(actor=self.request.user, customer=instance)

    @extend_schema(request=LifecycleChangeSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], url_path="lifecycle")
    def lifecycle(self, request, pk=None, format=None):  # noqa: A002 - the router's format-suffix kwarg
        customer = self.get_object()
        serializer = LifecycleChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_change_lifecycle(
            actor=request.user,
            customer=customer,
            to_state=serializer.validated_data["to_state"],
            reason=serializer.validated_data["reason"],
            reason_category=serializer.validated_data["reason_category"],
        )
        return Response(CustomerSerializer(self.get_queryset().get(pk=customer.pk)).data)


class ContactViewSet(viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    filterset_fields = ["customer", "preferred_language", "survey_consent"]
    ordering = ["customer_id", "-is_primary", "name"]

    def get_queryset(self):
        return Contact.objects.select_related("customer")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.contact_create(actor=self.request.user, customer=customer, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.pop("customer", serializer.instance.customer) != serializer.instance.customer:
            raise ApplicationError("A contact cannot be moved to another customer.")
        serializer.instance = services.contact_update(actor=self.request.user, contact=serializer.instance, data=data)

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.request.user, contact=instance)


class SegmentViewSet(viewsets.ModelViewSet):
    serializer_class = SegmentSerializer
    filter_backends = [DjangoFilterBackend, NameSortOrdering]
    ordering = ["name", "id"]
    filterset_fields: list[str] = []

    def get_queryset(self):
        return Segment.objects.select_related("created_by")

    def list(self, request, *args, **kwargs):
        # Count the customers of the whole page in one query, not one COUNT per segment.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        segments = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "segment_counts": selectors.segment_counts(segments)}
        data = self.get_serializer_class()(segments, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.segment_create(
            actor=self.request.user,
            name=data["name"],
            description=data.get("description", ""),
            criteria=segment_criteria_clean(data.get("criteria") or {}),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        segment = serializer.instance
        serializer.instance = services.segment_update(
            actor=self.request.user,
            segment=segment,
            name=data.get("name", segment.name),
            description=data.get("description", segment.description),
            criteria=segment_criteria_clean(data.get("criteria", segment.criteria)),
        )

    def perform_destroy(self, instance):
        services.segment_delete(actor=self.request.user, segment=instance)

    @extend_schema(responses=CustomerListSerializer(many=True))
    @action(detail=True, methods=["get"])
    def customers(self, request, pk=None, format=None):  # noqa: A002 - the router's format-suffix kwarg
        segment = self.get_object()
        try:
            queryset = selectors.segment_customers(segment=segment).select_related("owner").prefetch_related("tags")
        except selectors.InvalidCriteria as error:
            return Response(
                {"message": "The segment's filters are not valid.", "extra": error.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        page = self.paginate_queryset(queryset.order_by("name_sort", "name", "id"))
        return self.get_paginated_response(CustomerListSerializer(page, many=True).data)
