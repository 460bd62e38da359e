// One schema for both backends: only portable SQL types (Text, Integer, BigInt, Bool, Timestamp).

diesel::table! {
    countries (code) {
        code -> Text,
        name -> Text,
        membership -> Text,
        official_languages -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agencies (id) {
        id -> Text,
        country_code -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        agency_id -> Text,
        roles -> Text,
        status -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(agencies -> countries (country_code));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        owner_agency_id -> Text,
        owner_country -> Text,
        title -> Text,
        summary -> Text,
        offences -> Text,
        priority -> Text,
        status -> Text,
        lead_investigator_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    case_offences (case_id, offence) {
        case_id -> Text,
        offence -> Text,
    }
}

diesel::table! {
    case_participants (case_id, agency_id) {
        case_id -> Text,
        agency_id -> Text,
        access -> Text,
        granted_by -> Text,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    case_external_refs (system, external_id) {
        system -> Text,
        external_id -> Text,
        case_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_reference_counters (country, year) {
        country -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        action -> Text,
        outcome -> Text,
        actor_user_id -> Nullable<Text>,
        actor_agency_id -> Nullable<Text>,
        actor_country -> Nullable<Text>,
        subject_country -> Nullable<Text>,
        case_id -> Nullable<Text>,
        entry -> Text,
        entry_hash -> Text,
        prev_hash -> Nullable<Text>,
    }
}

diesel::joinable!(case_offences -> cases (case_id));
diesel::joinable!(case_participants -> cases (case_id));
diesel::joinable!(case_participants -> agencies (agency_id));
diesel::joinable!(case_external_refs -> cases (case_id));
diesel::joinable!(cases -> agencies (owner_agency_id));

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    agencies,
    users,
    sessions,
    refresh_tokens,
    cases,
    case_offences,
    case_participants,
    case_external_refs,
    case_reference_counters,
    idempotency_keys,
    audit_log,
);
