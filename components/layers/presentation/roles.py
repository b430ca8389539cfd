"""The architecture's four Superset roles, as permission sets built from named blocks.

Superset names a permission as (permission, view menu). The blocks below group what one capability needs,
read off Superset 6.1's own built-in roles (Gamma, sql_lab, Alpha) and checked against a real Superset by the
tests. The roles are declared with the `SupersetRole` provider (components/providers/superset/role.py).

| Role | May |
|---|---|
| Admin | everything: Superset's built-in Admin, kept complete by `superset init` (its permissions are not managed here) |
| Data Engineer | create and change databases and datasets, SQL Lab (DML where the database connection allows it), every dashboard, chart and dataset |
| Analyst | SQL Lab read-only, create and edit charts and dashboards, query every dataset |
| Viewer | view dashboards and their charts; no SQL Lab, no dataset beyond what a dashboard shows (Superset's `DASHBOARD_RBAC`) |
"""

from __future__ import annotations

from dataclasses import dataclass


def _on(view_menu: str, *permissions: str) -> list[tuple[str, str]]:
    return [(permission, view_menu) for permission in permissions]


SIGNED_IN = [
    *_on("CurrentUserRestApi", "can_read", "can_write"),
    *_on("Superset", "can_language_pack", "can_log"),
    *_on("MenuApi", "can_get"),
    *_on("Log", "can_recent_activity"),
    *_on("UserDBModelView", "can_userinfo", "resetmypassword"),
    *_on("ResetMyPasswordView", "can_this_form_get", "can_this_form_post"),
    *_on("Home", "menu_access"),
    *_on("Theme", "can_read"),
    *_on("DynamicPlugin", "can_list", "can_show"),
    *_on("AsyncEventsRestApi", "can_list"),
    *_on("AvailableDomains", "can_read"),
    *_on("Api", "can_time_range"),
]
"""What every signed-in user needs: their profile, the menu, the home page, themes and plugins."""

DASHBOARD_VIEWING = [
    *_on("Dashboard", "can_read", "can_view_chart_as_table"),
    *_on("Chart", "can_read"),
    *_on("Superset", "can_dashboard", "can_explore_json"),
    *_on("DashboardFilterStateRestApi", "can_read", "can_write"),
    *_on("DashboardPermalinkRestApi", "can_read"),
    *_on("EmbeddedDashboard", "can_read"),
    *_on("Api", "can_query", "can_query_form_data"),
    *_on("Dashboards", "menu_access"),
    *_on("Tag", "can_read"),
]
"""Opening dashboards and the charts on them, with their filters."""

CHART_AUTHORING = [
    *_on("Chart", "can_write", "can_export", "can_tag"),
    *_on("Dashboard", "can_write", "can_export", "can_tag", "can_drill", "can_view_query", "can_cache_dashboard_screenshot"),
    *_on("Superset", "can_explore", "can_slice", "can_csv", "can_share_chart", "can_share_dashboard",
         "can_fetch_datasource_metadata", "can_dashboard_permalink"),
    *_on("Explore", "can_read"),
    *_on("ExploreFormDataRestApi", "can_read", "can_write"),
    *_on("ExplorePermalinkRestApi", "can_read", "can_write"),
    *_on("DashboardPermalinkRestApi", "can_write"),
    *_on("Dataset", "can_read", "can_get_drill_info"),
    *_on("Database", "can_read"),
    *_on("Datasource", "can_get", "can_external_metadata", "can_external_metadata_by_name", "can_samples",
         "can_get_column_values"),
    *_on("AdvancedDataType", "can_read"),
    *_on("Tag", "can_write"),
    *_on("Charts", "menu_access"),
]
"""Building charts and dashboards from datasets."""

SQL_LAB = [
    *_on("SQLLab", "can_read", "can_execute_sql_query", "can_get_results", "can_format_sql", "can_estimate_query_cost",
         "can_export_csv"),
    *_on("Superset", "can_sqllab", "can_sqllab_history"),
    *_on("TabStateView", "can_activate", "can_delete", "can_delete_query", "can_get", "can_migrate_query", "can_post",
         "can_put"),
    *_on("TableSchemaView", "can_delete", "can_expanded", "can_post"),
    *_on("Query", "can_read"),
    *_on("SavedQuery", "can_read", "can_write", "can_export"),
    *_on("SqlLabPermalinkRestApi", "can_read", "can_write"),
    *_on("SQL Lab", "menu_access"),
    *_on("SQL Editor", "menu_access"),
    *_on("Saved Queries", "menu_access"),
    *_on("Query Search", "menu_access"),
]
"""SQL Lab. Whether a query may change data is a setting of the database connection (`allow_dml`), not of
the role: the platform's Dremio connection is read-only."""

ALL_DATA = [*_on("all_datasource_access", "all_datasource_access"), *_on("all_database_access", "all_database_access")]
"""Every dataset and every database."""

DATA_MODELLING = [
    *_on("Database", "can_write", "can_export", "can_upload"),
    *_on("Dataset", "can_write", "can_duplicate", "can_export", "can_get_or_create_dataset", "can_warm_up_cache"),
    *_on("Datasource", "can_save", "can_validate_expression"),
    *_on("ImportExportRestApi", "can_import_", "can_export"),
    *_on("Chart", "can_warm_up_cache"),
    *_on("Databases", "menu_access"),
    *_on("Datasets", "menu_access"),
    *_on("Data", "menu_access"),
]
"""Creating and changing database connections and datasets."""


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    description: str
    permissions: tuple[tuple[str, str], ...] | None
    """(permission, view menu) pairs; None: the role's permissions are Superset's own (the built-in Admin)."""

    def as_input(self) -> list[dict[str, str]] | None:
        if self.permissions is None:
            return None
        return [{"permission": permission, "view_menu": view_menu} for permission, view_menu in self.permissions]


def _role(name: str, description: str, *blocks: list[tuple[str, str]]) -> RoleDefinition:
    return RoleDefinition(name, description, tuple(sorted({pair for block in blocks for pair in block})))


ROLES = (
    RoleDefinition("Admin", "everything (Superset's built-in role, kept complete by `superset init`)", None),
    _role("Data Engineer", "databases and datasets, SQL Lab, every dashboard and chart",
          SIGNED_IN, DASHBOARD_VIEWING, CHART_AUTHORING, SQL_LAB, ALL_DATA, DATA_MODELLING),
    _role("Analyst", "SQL Lab read-only, charts and dashboards on every dataset",
          SIGNED_IN, DASHBOARD_VIEWING, CHART_AUTHORING, SQL_LAB, ALL_DATA),
    _role("Viewer", "dashboards and their charts only", SIGNED_IN, DASHBOARD_VIEWING),
)
"""The architecture's four roles, in order of what they may do."""
