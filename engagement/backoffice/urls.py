"""The back office, under /gestion/ on tenant hosts (engagement/urls.py)."""

from django.urls import path

from engagement.backoffice import (
    views,
    views_audit_log,
    views_domains,
    views_exports,
    views_integrations,
    views_legal,
    views_people,
    views_reports,
    views_settings,
    views_sharing,
    views_statistics,
    views_welcome,
)
from engagement.campaigns import views_backoffice as campaigns
from engagement.directory import views as directory_views
from engagement.programmes import views_backoffice as programmes
from engagement.worktime import views_backoffice as worktime

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    # The welcome wizard for a new instance's admin (the sign-up lands here).
    path("bienvenue/", views_welcome.welcome, name="welcome"),
    path("bienvenue/apparence/", views_welcome.welcome_branding, name="welcome-branding"),
    path(
        "bienvenue/organisation/", views_welcome.welcome_organization, name="welcome-organization"
    ),
    path("bienvenue/connexion/", views_welcome.welcome_sso, name="welcome-sso"),
    path("bienvenue/termine/", views_welcome.welcome_done, name="welcome-done"),
    # Statistics (dashboard figures and breakdowns).
    path("statistiques/", views_statistics.statistics, name="statistics"),
    # CSR report (year or campaign; page, PDF, CSV, XLSX) and the certificates issued.
    path("rapports/", views_reports.reports, name="reports"),
    path("rapports/objectifs/", views_reports.report_goals, name="report-goals"),
    path(
        "rapports/certificats/<int:certificate_id>/revoquer/",
        views_reports.certificate_revoke_by_admin,
        name="certificate-revoke",
    ),
    # Exports (volunteers, participations, hours): ask, follow, download.
    path("exports/", views_exports.exports, name="exports"),
    path("exports/<int:export_job_id>/", views_exports.export_job, name="export-job"),
    path(
        "exports/telechargement/<str:token>/",
        views_exports.export_download,
        name="export-download",
    ),
    # People and roles: people, their roles and accounts; organizations and their admins.
    path("personnes/", views_people.people_list, name="people"),
    path("personnes/inviter/", views_people.person_invite, name="person-invite"),
    path("personnes/<int:user_id>/", views_people.person_detail, name="person"),
    path("personnes/<int:user_id>/role/", views_people.person_role, name="person-role"),
    path("personnes/<int:user_id>/suspendre/", views_people.person_suspend, name="person-suspend"),
    path(
        "personnes/<int:user_id>/reactiver/",
        views_people.person_reactivate,
        name="person-reactivate",
    ),
    path(
        "personnes/<int:user_id>/invitation/",
        views_people.person_invitation_resend,
        name="person-invitation-resend",
    ),
    path("organisations/", views_people.organization_list, name="organizations"),
    path(
        "organisations/<int:organization_id>/",
        views_people.organization_detail,
        name="organization",
    ),
    path(
        "organisations/<int:organization_id>/administrateurs/",
        views_people.organization_admin_appoint,
        name="organization-admin-appoint",
    ),
    path(
        "organisations/<int:organization_id>/membres/<int:membership_id>/retirer/",
        views_people.organization_member_remove,
        name="organization-member-remove",
    ),
    # Instance settings (issue 13, point 4).
    path("reglages/", views_settings.settings_index, name="settings"),
    path("reglages/apparence/", views_settings.settings_branding, name="settings-branding"),
    path("reglages/accueil/", views_settings.settings_welcome, name="settings-welcome"),
    path("reglages/carte/", views_settings.settings_map, name="settings-map"),
    path("reglages/langues/", views_settings.settings_languages, name="settings-languages"),
    path("reglages/causes/", views_settings.settings_causes, name="settings-causes"),
    path("reglages/competences/", views_settings.settings_skills, name="settings-skills"),
    path("reglages/moderation/", views_settings.settings_moderation, name="settings-moderation"),
    path("reglages/acces/", views_settings.settings_access, name="settings-access"),
    path("reglages/pied-de-page/", views_settings.settings_footer, name="settings-footer"),
    # Custom domain: add, verify through DNS, make the main address, remove.
    path("domaines/", views_domains.domains, name="domains"),
    path(
        "domaines/adresse-principale/",
        views_domains.domain_platform_primary,
        name="domain-platform-primary",
    ),
    path("domaines/<int:domain_id>/verifier/", views_domains.domain_verify, name="domain-verify"),
    path(
        "domaines/<int:domain_id>/principal/",
        views_domains.domain_make_primary,
        name="domain-make-primary",
    ),
    path("domaines/<int:domain_id>/supprimer/", views_domains.domain_remove, name="domain-remove"),
    # Integrations: API tokens, and the way to the SSO and subscription pages.
    # Mission sharing between cities and companies (engagement/sharing/).
    path("partage/", views_sharing.sharing, name="sharing"),
    path("partage/reglages/", views_sharing.sharing_settings, name="sharing-settings"),
    path(
        "partage/arreter-entreprise/",
        views_sharing.sharing_subscriber_stop,
        name="sharing-subscriber-stop",
    ),
    path("partage/abonnement/", views_sharing.city_subscribe, name="sharing-subscribe"),
    path(
        "partage/arreter-ville/",
        views_sharing.city_subscription_stop,
        name="sharing-subscription-stop",
    ),
    path("integrations/", views_integrations.integrations, name="integrations"),
    path("integrations/jetons/", views_integrations.token_create, name="api-token-create"),
    path(
        "integrations/jetons/<int:token_id>/revoquer/",
        views_integrations.token_revoke,
        name="api-token-revoke",
    ),
    # Company directory (SCIM): its address and token (companies only).
    path("annuaire/", directory_views.directory_page, name="directory"),
    path("annuaire/jeton/", directory_views.directory_token_new, name="directory-token-create"),
    path(
        "annuaire/jeton/revoquer/",
        directory_views.directory_token_end,
        name="directory-token-revoke",
    ),
    # Audit log: who did what, when and from where; its CSV export.
    path("journal/", views_audit_log.audit_log, name="audit-log"),
    path("journal/export/", views_audit_log.audit_log_export, name="audit-log-export"),
    # Legal and accessibility pages: the tenant's five documents and their versions.
    path("pages-legales/", views_legal.legal_index, name="legal"),
    path("pages-legales/<slug:legal_document>/", views_legal.legal_edit, name="legal-edit"),
    path(
        "pages-legales/<slug:legal_document>/versions/",
        views_legal.legal_history,
        name="legal-history",
    ),
    path(
        "pages-legales/<slug:legal_document>/versions/<int:number>/",
        views_legal.legal_version,
        name="legal-version",
    ),
    # A company programme: its settings, sites and teams (engagement/programmes).
    path("programme/", programmes.programme_settings, name="programme"),
    path("sites/", programmes.site_list, name="sites"),
    path("sites/nouveau/", programmes.site_create, name="site-create"),
    path("sites/<int:site_id>/", programmes.site_edit, name="site"),
    path("sites/<int:site_id>/activation/", programmes.site_activation, name="site-activation"),
    path("equipes/", programmes.team_list, name="teams"),
    path("equipes/nouvelle/", programmes.team_create, name="team-create"),
    path("equipes/<int:team_id>/", programmes.team_detail, name="team"),
    path("equipes/<int:team_id>/supprimer/", programmes.team_delete, name="team-delete"),
    path("equipes/<int:team_id>/membres/", programmes.team_member_add, name="team-member-add"),
    path(
        "equipes/<int:team_id>/membres/<int:user_id>/retirer/",
        programmes.team_member_remove,
        name="team-member-remove",
    ),
    path(
        "equipes/<int:team_id>/membres/<int:user_id>/responsable/",
        programmes.team_lead,
        name="team-lead",
    ),
    # Campaigns (engagement/campaigns).
    path("campagnes/", campaigns.campaign_list, name="campaigns"),
    path("campagnes/nouvelle/", campaigns.campaign_create, name="campaign-create"),
    path("campagnes/<int:campaign_id>/", campaigns.campaign_edit, name="campaign"),
    path(
        "campagnes/<int:campaign_id>/publication/",
        campaigns.campaign_publication,
        name="campaign-publication",
    ),
    path(
        "campagnes/<int:campaign_id>/annonce/",
        campaigns.campaign_announcement,
        name="campaign-announcement",
    ),
    # Declared hours (engagement/worktime): pending declarations to confirm or refuse.
    path("heures-declarees/", worktime.declarations, name="declarations"),
    path(
        "heures-declarees/<int:declaration_id>/confirmer/",
        worktime.declaration_confirm,
        name="declaration-confirm",
    ),
    path(
        "heures-declarees/<int:declaration_id>/refuser/",
        worktime.declaration_refuse,
        name="declaration-refuse",
    ),
]
