"""The permission and view-menu names of Superset 6.1, for checking a role's permissions before any request.

Superset names a permission as a pair: a permission (`can_read`, `menu_access`, ...) on a view menu (`Dashboard`,
`SQL Lab`, ...). These are the names a fresh Superset 6.1.0 registers (`superset init`); a test compares them with
the real server, so a Superset upgrade that renames one fails the suite here rather than a deploy. Pairs on one
object (`database_access` on `[Dremio].(id:1)`, `datasource_access` on `[Dremio].[orders](id:4)`) appear when
the object exists: their permission names are known, their view menus are bracketed names.
"""

from __future__ import annotations

import re

# fmt: off
PERMISSIONS = frozenset({
    "all_database_access", "all_datasource_access", "all_query_access", "can_activate", "can_add",
    "can_add_role_permissions", "can_bulk_create", "can_cache_dashboard_screenshot", "can_csv", "can_dashboard",
    "can_dashboard_permalink", "can_delete", "can_delete_embedded", "can_delete_query", "can_download", "can_drill",
    "can_duplicate", "can_edit", "can_estimate_query_cost", "can_execute_sql_query", "can_expanded", "can_explore",
    "can_explore_json", "can_export", "can_export_as_example", "can_export_csv", "can_export_streaming_csv",
    "can_external_metadata", "can_external_metadata_by_name", "can_fetch_datasource_metadata", "can_file_handler",
    "can_format_sql", "can_get", "can_get_column_values", "can_get_drill_info", "can_get_embedded",
    "can_get_or_create_dataset", "can_get_results", "can_grant_guest_token", "can_import_", "can_info",
    "can_invalidate", "can_language_pack", "can_list", "can_list_role_permissions", "can_list_roles", "can_log",
    "can_migrate_query", "can_post", "can_put", "can_put_chart_customizations", "can_query", "can_query_form_data",
    "can_read", "can_recent_activity", "can_samples", "can_save", "can_set_embedded", "can_share_chart",
    "can_share_dashboard", "can_show", "can_slice", "can_sqllab", "can_sqllab_history", "can_tag", "can_tags",
    "can_this_form_get", "can_this_form_post", "can_time_range", "can_update_role_groups", "can_update_role_users",
    "can_upload", "can_userinfo", "can_validate_expression", "can_view_chart_as_table", "can_view_query",
    "can_warm_up_cache", "can_write", "copyrole", "menu_access", "resetmypassword", "resetpasswords",
    "userinfoedit",
})
VIEW_MENUS = frozenset({
    "Action Log", "AdvancedDataType", "Alerts & Report", "Annotation", "Annotation Layers", "Api",
    "AsyncEventsRestApi", "AvailableDomains", "CSS Templates", "CacheRestApi", "Chart", "Charts", "CssTemplate",
    "CurrentUserRestApi", "Dashboard", "DashboardFilterStateRestApi", "DashboardPermalinkRestApi", "Dashboards",
    "Data", "Database", "Databases", "Dataset", "Datasets", "Datasource", "DynamicPlugin", "EmbeddedDashboard",
    "Explore", "ExploreFormDataRestApi", "ExplorePermalinkRestApi", "Extensions", "Group", "Home",
    "ImportExportRestApi", "List Groups", "List Roles", "List Users", "Log", "Manage", "MenuApi", "OpenApi",
    "Permission", "PermissionViewMenu", "Plugins", "Query", "Query Search", "ReportSchedule", "ResetMyPasswordView",
    "ResetPasswordView", "Role", "RoleModelView", "RoleRestAPI", "Row Level Security", "RowLevelSecurity",
    "SQL Editor", "SQL Lab", "SQLLab", "Saved Queries", "SavedQuery", "Security", "SecurityRestApi",
    "SqlLabPermalinkRestApi", "Superset", "SwaggerView", "TabStateView", "TableSchemaView", "Tag", "TagView",
    "Tags", "Task", "Tasks", "Theme", "Themes", "User", "User Registrations", "UserDBModelView",
    "UserGroupModelView", "UserInfoEditView", "UserRegistrationsRestAPI", "ViewMenu", "all_database_access",
    "all_datasource_access", "all_query_access", "security", "user",
})
# fmt: on
OBJECT_PERMISSIONS = frozenset({"database_access", "schema_access", "catalog_access", "datasource_access"})
"""Permissions Superset creates per database, catalog, schema or dataset, on a bracketed view menu."""
OBJECT_VIEW_MENU = re.compile(r"\[[^\]]+\](\.\[[^\]]+\])*(\.?\(id:\d+\))?")
