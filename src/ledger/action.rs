//! Every action the audit trail records, by the name its entries carry. One list, so
//! that the audit filter's `action` is an enum in the spec and a typo cannot invent
//! an action no query would find.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($($variant:ident => $text:literal),+ $(,)?) => {
        /// An audited action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Action {
            $(#[serde(rename = $text)] $variant),+
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $text),+ }
            }
        }
    };
}

impl utoipa::PartialSchema for Action {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An audited action."))
            .enum_values(Some(Action::ALL.iter().map(|a| a.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for Action {}

actions! {
    AuthLogin => "auth.login",
    AuthLoginFailed => "auth.login_failed",
    AuthMfaChallenge => "auth.mfa_challenge",
    AuthStepUp => "auth.step_up",
    AuthFactorEnrol => "auth.factor_enrol",
    AuthFactorConfirm => "auth.factor_confirm",
    AuthFactorRemove => "auth.factor_remove",
    AuthRecoveryCodes => "auth.recovery_codes",
    AuthRecoveryCodeUsed => "auth.recovery_code_used",
    AuthAccountLocked => "auth.account_locked",
    AuthLogout => "auth.logout",
    AuthPasswordChange => "auth.password_change",
    AuthRefreshTokenReused => "auth.refresh_token_reused",
    AuthSessionRevoked => "auth.session_revoked",
    AuthClientToken => "auth.client_token",
    AuthClientFailed => "auth.client_failed",
    AuthSsoLogin => "auth.sso_login",
    IdentityProviderCreate => "identity_provider.create",
    IdentityProviderUpdate => "identity_provider.update",
    ServiceAccountList => "service_account.list",
    ServiceAccountCreate => "service_account.create",
    ServiceAccountRead => "service_account.read",
    ServiceAccountRotate => "service_account.rotate_secret",
    EventFeedRead => "event.feed",
    WebhookCreate => "webhook.create",
    WebhookList => "webhook.list",
    WebhookRead => "webhook.read",
    WebhookReplay => "webhook.replay",
    WebhookRotate => "webhook.rotate_secret",
    WebhookEnable => "webhook.enable",
    CountryCreate => "country.create",
    CountryUpdate => "country.update",
    StatusReviewUpdate => "status_review.update",
    StatusReviewReview => "status_review.review",
    ChecklistItemDefine => "checklist_item.define",
    FiguresRebuild => "figures.rebuild",
    AgencyCreate => "agency.create",
    ProviderCreate => "provider.create",
    ProviderUpdate => "provider.update",
    LegalBasisDefine => "legal_basis.define",
    MlaRequestList => "mla_request.list",
    MlaRequestCreate => "mla_request.create",
    MlaRequestRead => "mla_request.read",
    MlaRequestUpdate => "mla_request.update",
    MlaRequestEvent => "mla_request.event",
    MlaRequestHistory => "mla_request.history",
    MlaDeadlineList => "mla_deadline.list",
    MlaRequestExport => "mla_request.export",
    PreservationList => "preservation.list",
    PreservationCreate => "preservation.create",
    PreservationRead => "preservation.read",
    PreservationEvent => "preservation.event",
    PreservationHistory => "preservation.history",
    PreservationExport => "preservation.export",
    OrderList => "order.list",
    OrderCreate => "order.create",
    OrderRead => "order.read",
    OrderUpdate => "order.update",
    OrderEvent => "order.event",
    OrderHistory => "order.history",
    OrderExport => "order.export",
    TransferList => "transfer.list",
    UserList => "user.list",
    UserCreate => "user.create",
    UserRead => "user.read",
    UserUpdate => "user.update",
    UserUnlock => "user.unlock",
    UserFactorsReset => "user.factors_reset",
    UserProvisioned => "user.provisioned",
    CaseList => "case.list",
    CaseCreate => "case.create",
    CaseRead => "case.read",
    CaseUpdate => "case.update",
    CaseParticipantsRead => "case.participants_read",
    CaseParticipantGrant => "case.participant_grant",
    CaseParticipantRevoke => "case.participant_revoke",
    CaseExternalRefsRead => "case.external_refs_read",
    CaseExternalRefAdd => "case.external_ref_add",
    EvidenceList => "evidence.list",
    EvidenceRegister => "evidence.register",
    EvidenceRead => "evidence.read",
    CustodyRead => "custody.read",
    CustodyAppend => "custody.append",
    CustodyVerify => "custody.verify",
    CustodyExport => "custody.export",
    CustodyReport => "custody.report",
    ContentStore => "content.store",
    ContentDownload => "content.download",
    DocumentAdd => "document.add",
    DocumentList => "document.list",
    DocumentDownload => "document.download",
    UploadCreate => "upload.create",
    UploadTerminate => "upload.terminate",
    AuditQuery => "audit.query",
    AuditVerify => "audit.verify",
    AuditHeadsBundle => "audit.heads_bundle",
    LogWitnessRefused => "log.witness_refused",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_serialise_as_themselves() {
        let mut seen = std::collections::HashSet::new();
        for action in Action::ALL {
            assert!(seen.insert(action.as_str()), "{action:?}");
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::Value::from(action.as_str())
            );
        }
    }
}
