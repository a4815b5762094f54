"""/scim/v2/ (config/urls_tenant.py): the company directory's SCIM 2.0 endpoints."""

from django.urls import path, re_path

from engagement.directory import scim_views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", scim_views.ServiceProviderConfigView.as_view(), name="config"),
    re_path(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$",
        scim_views.ResourceTypesView.as_view(),
        name="resource-types",
    ),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", scim_views.SchemasView.as_view(), name="schemas"),
    path(".search", scim_views.RootSearchView.as_view(), name="search"),
    path("Users/.search", scim_views.UsersSearchView.as_view(), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", scim_views.UsersView.as_view(), name="users"),
    path("Groups/.search", scim_views.GroupsSearchView.as_view(), name="groups-search"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?$", scim_views.GroupsView.as_view(), name="groups"),
    re_path(r"^(?:Me|Bulk)$", scim_views.NotImplementedView.as_view(), name="not-implemented"),
    re_path(r"^.*$", scim_views.NotFoundView.as_view(), name="not-found"),
]
